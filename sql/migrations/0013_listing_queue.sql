-- The moderation queue is worked in the order listings were submitted,
-- not the order they were made: a listing resubmitted after a rejection
-- joins the back of the queue.

ALTER TABLE listings ADD COLUMN submitted_at timestamptz;

UPDATE listings l SET submitted_at = e.at
  FROM (SELECT listing_id, max(at) AS at FROM listing_events
         WHERE to_status = 'pending_review' GROUP BY listing_id) e
 WHERE e.listing_id = l.id;

CREATE INDEX listings_queue ON listings ((coalesce(submitted_at, created_at)), id)
    WHERE status = 'pending_review';

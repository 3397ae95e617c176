-- Every object in the media store.  Objects are named by the SHA-256 of
-- their bytes, so one object may serve many rows (the same photo on two
-- listings, a logo that is also a listing image), and a row that goes
-- away cannot take its object with it: another row may use it, or an
-- upload of the same bytes may be committing at that moment.  The
-- media.gc job removes instead the objects no row refers to once they are
-- older than a grace period; this table is how it knows what exists.
--
-- created_at is when the object was last stored: storing the same bytes
-- again moves it forward, which is what protects an upload in flight.
CREATE TABLE media_objects (
    key           text PRIMARY KEY CHECK (key ~ '^[0-9a-f]{64}$'),
    size          bigint NOT NULL CHECK (size >= 0),
    content_type  text NOT NULL CHECK (content_type IN ('application/pdf',
                      'image/jpeg', 'image/png', 'image/webp',
                      'application/octet-stream')),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_objects_created ON media_objects (created_at);

-- The KYC documents stored before this table existed.
INSERT INTO media_objects (key, size, content_type, created_at)
SELECT DISTINCT ON (media_key) media_key, size, content_type, created_at
  FROM registration_documents
 ORDER BY media_key, created_at DESC
    ON CONFLICT DO NOTHING;

-- The garbage collector asks "does any row use this key?" of every
-- column that holds one; registration_documents.media_key had no index.
CREATE INDEX registration_documents_media ON registration_documents (media_key);

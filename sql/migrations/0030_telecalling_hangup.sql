-- Hanging up a click-to-call: POST /v1/calls/{id}/end ends the call in
-- souk at once and, in the same transaction, enqueues a voice.hangup job
-- that asks the provider to end it too (the agent's phone and the lead's
-- stop ringing or talking).  What the job needs: 'hangup' with the Call
-- SID; 'wait' while the dial may still be under way (no SID recorded yet,
-- no failure: the voice.dial job records it when Twilio answers); 'done'
-- when there is nothing to hang up.
CREATE FUNCTION tele_voice_hangup_pending(call bigint, OUT outcome text,
    OUT sid text) LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN c.mode <> 'click_to_call' OR c.ended_at IS NULL
                    THEN 'done'
                WHEN c.provider_sid IS NOT NULL THEN 'hangup'
                WHEN c.provider_error IS NULL THEN 'wait'
                ELSE 'done' END,
           c.provider_sid
      FROM calls c WHERE c.id = call
$$;

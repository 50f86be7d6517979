-- The events outbox no longer notifies the webhook workers from the
-- transaction of a write made by Folio (its connections set
-- `folio.notify = after_commit`, see 2026-12-04-000000_notify_after_commit):
-- with a webhook subscribed, every published post's write took
-- PostgreSQL's notification lock at commit again. The workers also listen
-- for the wake-up Folio sends after its writes commit; other programs'
-- writes notify as before.

CREATE OR REPLACE FUNCTION folio_emit_event(event_type text, subject uuid, payload jsonb, token bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    new_event uuid;
    queued    bigint;
    n         bigint;
BEGIN
    INSERT INTO events (type, subject_id, data, sync_token)
    VALUES (event_type, subject, payload, token)
    RETURNING id INTO new_event;

    INSERT INTO webhook_deliveries (webhook_id, event_id)
    SELECT w.id, new_event FROM webhooks w
    WHERE w.active AND w.kind = 'webhook'
      AND (event_type = ANY (w.events) OR '*' = ANY (w.events));
    GET DIAGNOSTICS queued = ROW_COUNT;

    -- Most sites have no build hook: their writes skip this part.
    IF EXISTS (SELECT 1 FROM webhooks WHERE active AND kind = 'build_hook') THEN
        UPDATE webhook_deliveries d
        SET event_id = new_event,
            next_attempt_at = least(now() + make_interval(secs => w.debounce_ms / 1000.0),
                                    d.first_event_at + make_interval(secs => 10 * w.debounce_ms / 1000.0))
        FROM webhooks w
        WHERE d.webhook_id = w.id AND w.kind = 'build_hook' AND w.active
          AND (event_type = ANY (w.events) OR '*' = ANY (w.events))
          AND d.state = 'pending' AND d.attempts = 0;
        GET DIAGNOSTICS n = ROW_COUNT;
        queued := queued + n;

        INSERT INTO webhook_deliveries (webhook_id, event_id, next_attempt_at)
        SELECT w.id, new_event, now() + make_interval(secs => w.debounce_ms / 1000.0)
        FROM webhooks w
        WHERE w.active AND w.kind = 'build_hook'
          AND (event_type = ANY (w.events) OR '*' = ANY (w.events))
          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d
                          WHERE d.webhook_id = w.id AND d.state = 'pending' AND d.attempts = 0);
        GET DIAGNOSTICS n = ROW_COUNT;
        queued := queued + n;
    END IF;

    -- Wakes the workers; a NOTIFY costs every commit a global lock, so
    -- only when there is something to send, and not from Folio's own
    -- connections: Folio wakes the workers after commit (src/db/wake.rs).
    IF queued > 0 AND current_setting('folio.notify', true) IS DISTINCT FROM 'after_commit' THEN
        PERFORM pg_notify('folio_webhooks', '');
    END IF;
END
$$;

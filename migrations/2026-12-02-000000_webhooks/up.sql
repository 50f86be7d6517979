-- Webhooks: subscriptions, a transactional outbox of content events, and
-- the deliveries each event fans out to.
--
-- Events are written by triggers, in the transaction of the change that
-- causes them: a committed change always has its events, a rolled-back one
-- never does, whichever instance, command or hand-written SQL made it.
-- "Public" here is the stored status `published`: a scheduled post fires
-- `post.published` when the scheduler flips it (once, however many
-- instances run), not at the instant it becomes readable.

CREATE TABLE webhooks (
    id                         uuid PRIMARY KEY,
    -- `webhook`: a signed JSON POST per event; `build_hook`: a bare POST to
    -- a secret URL (Vercel, Netlify, Cloudflare Pages), bursts coalesced.
    kind                       text NOT NULL CHECK (kind IN ('webhook', 'build_hook')),
    url                        text NOT NULL CHECK (length(url) <= 2048),
    -- Event types, or '*' for all of them.
    events                     text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 32),
    active                     boolean NOT NULL DEFAULT true,
    description                text CHECK (length(description) <= 1000),
    -- Standard Webhooks signing secrets (`whsec_…`); none for build hooks.
    -- The previous one keeps signing until it expires, after a rotation.
    secret                     text,
    previous_secret            text,
    previous_secret_expires_at timestamptz,
    -- Build hooks wait this long after the last event before calling.
    debounce_ms                integer NOT NULL DEFAULT 0 CHECK (debounce_ms BETWEEN 0 AND 3600000),
    -- Why an active webhook was switched off by Folio (410 Gone, failing
    -- for too long); null when an admin did it or it is active.
    disabled_reason            text,
    -- Since when every delivery has failed; null after any success.
    failing_since              timestamptz,
    created_by                 uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'webhook') = (secret IS NOT NULL))
);

-- The outbox. `data` is the event's payload data as the database knows it;
-- URLs are added when it is delivered.
CREATE TABLE events (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    type       text NOT NULL,
    subject_id uuid,
    data       jsonb NOT NULL,
    -- The /sync token of the change, where the change has one.
    sync_token bigint,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_created_idx ON events (created_at);

CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    webhook_id      uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    -- The event delivered (for a build hook, the last event of the burst).
    event_id        uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'succeeded', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- A worker holds the delivery until then; past it, another may retry.
    leased_until    timestamptz,
    -- For build hooks: when the burst began (the debounce is capped).
    first_event_at  timestamptz NOT NULL DEFAULT now(),
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at DESC);
-- A build hook's burst: its one pending call not yet attempted.
CREATE INDEX webhook_deliveries_burst_idx ON webhook_deliveries (webhook_id)
    WHERE state = 'pending' AND attempts = 0;

CREATE TABLE webhook_attempts (
    id               bigserial PRIMARY KEY,
    delivery_id      uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt          integer NOT NULL,
    status_code      integer,
    latency_ms       integer NOT NULL,
    error            text,
    -- The first bytes of the receiver's answer.
    response_snippet text,
    at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempt);
CREATE INDEX webhook_attempts_at_idx ON webhook_attempts (at);

-- Records an event and fans it out to the subscriptions that want it. A
-- build hook gets one pending call per burst: the call waits `debounce_ms`
-- after the last event, but never more than ten windows after the first.
CREATE FUNCTION folio_emit_event(event_type text, subject uuid, payload jsonb, token bigint)
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
    -- only when there is something to send.
    IF queued > 0 THEN
        PERFORM pg_notify('folio_webhooks', '');
    END IF;
END
$$;

CREATE FUNCTION folio_post_summary(p posts) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', p.id, 'slug', p.slug, 'title', p.title, 'status', p.status,
        'published_at', p.published_at, 'updated_at', p.updated_at)
$$;

-- Post events. Only changes readers could see fire: a draft that is
-- written, edited and deleted without ever being published fires nothing.
CREATE FUNCTION posts_emit_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_public boolean := TG_OP <> 'INSERT' AND OLD.status = 'published';
    is_public  boolean := TG_OP <> 'DELETE' AND NEW.status = 'published';
    data       jsonb;
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF was_public THEN
            PERFORM folio_emit_event('post.deleted', OLD.id, folio_post_summary(OLD),
                (SELECT change_seq FROM post_tombstones WHERE id = OLD.id));
        END IF;
        RETURN NULL;
    END IF;
    data := folio_post_summary(NEW);
    IF is_public AND NOT was_public THEN
        IF TG_OP = 'UPDATE' THEN
            data := data || jsonb_build_object('previous_status', OLD.status);
            IF OLD.slug <> NEW.slug THEN
                data := data || jsonb_build_object('previous_slug', OLD.slug);
            END IF;
        END IF;
        PERFORM folio_emit_event('post.published', NEW.id, data, NEW.change_seq);
    ELSIF was_public AND NOT is_public THEN
        data := data || jsonb_build_object('previous_status', OLD.status);
        IF OLD.slug <> NEW.slug THEN
            data := data || jsonb_build_object('previous_slug', OLD.slug);
        END IF;
        PERFORM folio_emit_event('post.unpublished', NEW.id, data, NEW.change_seq);
    ELSIF was_public AND is_public AND (
        -- What the author wrote, not what a renderer derived from it: a
        -- re-render after an upgrade is no news to a frontend.
        (OLD.title, OLD.slug, OLD.markdown, OLD.excerpt, OLD.custom_excerpt, OLD.tags,
         OLD.metadata, OLD.published_at, OLD.author_id, OLD.feature_image,
         OLD.feature_image_alt, OLD.feature_image_caption, OLD.featured, OLD.meta_title,
         OLD.meta_description, OLD.canonical_url, OLD.og_image)
        IS DISTINCT FROM
        (NEW.title, NEW.slug, NEW.markdown, NEW.excerpt, NEW.custom_excerpt, NEW.tags,
         NEW.metadata, NEW.published_at, NEW.author_id, NEW.feature_image,
         NEW.feature_image_alt, NEW.feature_image_caption, NEW.featured, NEW.meta_title,
         NEW.meta_description, NEW.canonical_url, NEW.og_image)
    ) THEN
        IF OLD.slug <> NEW.slug THEN
            data := data || jsonb_build_object('previous_slug', OLD.slug);
        END IF;
        PERFORM folio_emit_event('post.updated', NEW.id, data, NEW.change_seq);
    END IF;
    RETURN NULL;
END
$$;

-- After the sync triggers (names sort after `posts_track_*`), so the
-- change number and the tombstone exist.
CREATE TRIGGER posts_zz_emit_events
    AFTER INSERT OR UPDATE OR DELETE ON posts
    FOR EACH ROW EXECUTE FUNCTION posts_emit_events();

CREATE FUNCTION tags_emit_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM folio_emit_event('tag.created', NULL,
            jsonb_build_object('slug', NEW.slug, 'name', NEW.name, 'description', NEW.description), NULL);
    ELSIF TG_OP = 'UPDATE' THEN
        IF (OLD.name, OLD.description) IS DISTINCT FROM (NEW.name, NEW.description) THEN
            PERFORM folio_emit_event('tag.updated', NULL,
                jsonb_build_object('slug', NEW.slug, 'name', NEW.name, 'description', NEW.description,
                                   'previous_name', OLD.name), NULL);
        END IF;
    ELSE
        PERFORM folio_emit_event('tag.deleted', NULL,
            jsonb_build_object('slug', OLD.slug, 'name', OLD.name), NULL);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER tags_emit_events
    AFTER INSERT OR UPDATE OR DELETE ON tags
    FOR EACH ROW EXECUTE FUNCTION tags_emit_events();

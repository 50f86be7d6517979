-- Whether a post was ever public. Delta sync sends a tombstone for a post a
-- caller can no longer see only if they could once (it was public): a
-- draft that never was public must not reveal even its id to them.
ALTER TABLE posts ADD COLUMN ever_public boolean NOT NULL DEFAULT false;

-- Set for existing posts without firing the change triggers: this is no
-- change of theirs (no new version, no sync entry, no notification).
ALTER TABLE posts DISABLE TRIGGER USER;
UPDATE posts SET ever_public = true
    WHERE status = 'published' OR (status = 'scheduled' AND published_at <= now());
ALTER TABLE posts ENABLE TRIGGER USER;

CREATE OR REPLACE FUNCTION posts_track_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO post_tombstones (id, slug, author_id, was_public, change_seq)
        VALUES (OLD.id, OLD.slug, OLD.author_id,
                OLD.ever_public
                  OR OLD.status = 'published'
                  OR (OLD.status = 'scheduled' AND OLD.published_at <= now()),
                folio_next_post_change());
        RETURN OLD;
    END IF;
    NEW.ever_public := NEW.ever_public
        OR NEW.status = 'published'
        OR (NEW.status = 'scheduled' AND NEW.published_at <= now());
    IF TG_OP = 'UPDATE' THEN
        NEW.ever_public := NEW.ever_public OR OLD.ever_public
            OR OLD.status = 'published'
            OR (OLD.status = 'scheduled' AND OLD.published_at <= now());
    END IF;
    NEW.change_seq := folio_next_post_change();
    RETURN NEW;
END
$$;

COMMENT ON COLUMN post_tombstones.was_public IS
    'Whether the post was ever public: callers who could not see it learn nothing of it';

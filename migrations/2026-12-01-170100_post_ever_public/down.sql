COMMENT ON COLUMN post_tombstones.was_public IS NULL;

CREATE OR REPLACE FUNCTION posts_track_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO post_tombstones (id, slug, author_id, was_public, change_seq)
        VALUES (OLD.id, OLD.slug, OLD.author_id,
                OLD.status = 'published' OR (OLD.status = 'scheduled' AND OLD.published_at <= now()),
                folio_next_post_change());
        RETURN OLD;
    END IF;
    NEW.change_seq := folio_next_post_change();
    RETURN NEW;
END
$$;

ALTER TABLE posts DISABLE TRIGGER USER;
ALTER TABLE posts DROP COLUMN ever_public;
ALTER TABLE posts ENABLE TRIGGER USER;

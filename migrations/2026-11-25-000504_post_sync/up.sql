-- Delta sync: every change to a post (insert, update, delete) takes the
-- next number from one counter. Taking it locks the counter's row until the
-- writing transaction ends, so changes commit in the order of their
-- numbers: a reader that sees change N sees every change below N, and a
-- sync token (the last number a client saw) never skips one, even when two
-- changes share a timestamp.
CREATE TABLE post_change_counter (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    value     bigint NOT NULL
);
INSERT INTO post_change_counter (singleton, value) VALUES (true, 0);

CREATE FUNCTION folio_next_post_change() RETURNS bigint LANGUAGE sql AS $$
    UPDATE post_change_counter SET value = value + 1 RETURNING value
$$;

ALTER TABLE posts ADD COLUMN change_seq bigint;
UPDATE posts SET change_seq = numbered.seq
    FROM (SELECT id, row_number() OVER (ORDER BY updated_at, id) AS seq FROM posts) AS numbered
    WHERE posts.id = numbered.id;
UPDATE post_change_counter SET value = (SELECT coalesce(max(change_seq), 0) FROM posts);
ALTER TABLE posts ALTER COLUMN change_seq SET NOT NULL;
CREATE UNIQUE INDEX posts_change_seq_key ON posts (change_seq);

-- What is left of a deleted post, for clients that sync.
CREATE TABLE post_tombstones (
    id         uuid PRIMARY KEY,
    slug       text NOT NULL,
    -- Who wrote it and whether it was public when deleted: callers who
    -- could not see it learn its id, never its slug.
    author_id  uuid NOT NULL,
    was_public boolean NOT NULL,
    deleted_at timestamptz NOT NULL DEFAULT now(),
    change_seq bigint NOT NULL UNIQUE
);

CREATE FUNCTION posts_track_change() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER posts_track_change BEFORE INSERT OR UPDATE ON posts
    FOR EACH ROW EXECUTE FUNCTION posts_track_change();
CREATE TRIGGER posts_track_delete AFTER DELETE ON posts
    FOR EACH ROW EXECUTE FUNCTION posts_track_change();

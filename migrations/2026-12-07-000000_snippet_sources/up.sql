-- The text a search snippet is made from, kept apart from the post
-- (issue 17, search).
--
-- A search page reads, for each of its hits, the first 2,000 characters
-- of the plain text. Read from `posts.plain_text` (stored out of line),
-- that prefix costs a TOAST index scan and up to four chunks per hit,
-- since PostgreSQL fetches four bytes for every character asked for: with
-- pgbench on the search statement at 1,000 posts, leaving the prefix out
-- made it 1.3-1.5x faster. Here each post's prefix sits in a narrow table
-- of its own, compressed inline, one index lookup per hit. Not a column
-- of `posts`: its 1 KB would push the small rank vector out of line, and
-- ranking reads that vector for every match.
--
-- Written by triggers, so every path that sets the plain text (create,
-- edit, bulk import, re-render) keeps it; 2,000 is
-- `post_list::SNIPPET_SOURCE_CHARS`.
CREATE TABLE post_snippet_sources (
    post_id uuid PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    source  text NOT NULL
);
ALTER TABLE post_snippet_sources ALTER COLUMN source SET STORAGE MAIN;
ALTER TABLE post_snippet_sources ALTER COLUMN source SET COMPRESSION lz4;

INSERT INTO post_snippet_sources (post_id, source)
SELECT id, left(plain_text, 2000) FROM posts;

CREATE FUNCTION posts_snippet_source_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        UPDATE post_snippet_sources SET source = left(NEW.plain_text, 2000)
        WHERE post_id = NEW.id;
        IF FOUND THEN
            RETURN NULL;
        END IF;
    END IF;
    INSERT INTO post_snippet_sources (post_id, source) VALUES (NEW.id, left(NEW.plain_text, 2000));
    RETURN NULL;
END
$$;

CREATE TRIGGER posts_snippet_source_insert AFTER INSERT ON posts
FOR EACH ROW EXECUTE FUNCTION posts_snippet_source_refresh();
CREATE TRIGGER posts_snippet_source_update AFTER UPDATE OF plain_text ON posts
FOR EACH ROW EXECUTE FUNCTION posts_snippet_source_refresh();


-- The read cache drops only what a write can change (src/cache/mod.rs).
-- A notification on `folio_content` now says what changed:
--   `posts: <id> <slug> …`  the posts one statement touched (ids, old and
--                           new slugs): their reads and every collection
--                           (lists, search, feeds, sitemap, tags, authors);
--   `posts:`                the collections only (a new post or tag, an old
--                           slug remembered: no cached single read shows it);
--   anything else           everything (a tag renamed or deleted, authors,
--                           search settings, TRUNCATE), as before.
-- A statement that touched no row sends nothing (before, `INSERT … ON
-- CONFLICT DO NOTHING` on tags, run by post writes, flushed every cache).
-- Too many posts to name in one notification (payloads stop at 8000
-- bytes) drops everything.
CREATE FUNCTION folio_notify_posts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched bigint;
    keys text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM new_rows) THEN
            PERFORM pg_notify('folio_content', 'posts:');
        END IF;
        RETURN NULL;
    END IF;
    SELECT count(*) INTO touched FROM (SELECT 1 FROM old_rows LIMIT 101) s;
    IF touched = 0 THEN
        RETURN NULL;
    ELSIF touched > 100 THEN
        PERFORM pg_notify('folio_content', 'everything');
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT string_agg(DISTINCT k, ' ') INTO keys
        FROM (SELECT id, slug FROM old_rows UNION ALL SELECT id, slug FROM new_rows) r,
             LATERAL (VALUES (r.id::text), (r.slug)) AS v(k);
    ELSE
        SELECT string_agg(DISTINCT k, ' ') INTO keys
        FROM old_rows r, LATERAL (VALUES (r.id::text), (r.slug)) AS v(k);
    END IF;
    IF octet_length(keys) > 7900 THEN
        PERFORM pg_notify('folio_content', 'everything');
    ELSE
        PERFORM pg_notify('folio_content', 'posts: ' || keys);
    END IF;
    RETURN NULL;
END
$$;

-- Tables whose new rows only collections show (tags, tag names, old
-- slugs); a changed or deleted tag drops everything (`TG_TABLE_NAME`),
-- old slugs only collections (a read by an old slug is a redirect, which
-- is not cached).
CREATE FUNCTION folio_notify_collections() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM new_rows) THEN
            PERFORM pg_notify('folio_content', 'posts:');
        END IF;
    ELSIF EXISTS (SELECT 1 FROM old_rows) THEN
        PERFORM pg_notify('folio_content',
            CASE WHEN TG_TABLE_NAME = 'post_slug_aliases' THEN 'posts:' ELSE TG_TABLE_NAME END);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER posts_notify_content ON posts;
CREATE TRIGGER posts_notify_insert AFTER INSERT ON posts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_posts();
CREATE TRIGGER posts_notify_update AFTER UPDATE ON posts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_posts();
CREATE TRIGGER posts_notify_delete AFTER DELETE ON posts
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_posts();
CREATE TRIGGER posts_notify_truncate AFTER TRUNCATE ON posts
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_content();

DROP TRIGGER tags_notify_content ON tags;
CREATE TRIGGER tags_notify_insert AFTER INSERT ON tags
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_collections();
CREATE TRIGGER tags_notify_update AFTER UPDATE ON tags
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_collections();
CREATE TRIGGER tags_notify_delete AFTER DELETE ON tags
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_collections();
CREATE TRIGGER tags_notify_truncate AFTER TRUNCATE ON tags
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_content();

DROP TRIGGER tag_names_notify_content ON tag_names;
CREATE TRIGGER tag_names_notify_insert AFTER INSERT ON tag_names
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_collections();
CREATE TRIGGER tag_names_notify_update AFTER UPDATE ON tag_names
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_collections();
CREATE TRIGGER tag_names_notify_delete AFTER DELETE ON tag_names
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_collections();
CREATE TRIGGER tag_names_notify_truncate AFTER TRUNCATE ON tag_names
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_content();

DROP TRIGGER post_slug_aliases_notify_content ON post_slug_aliases;
CREATE TRIGGER post_slug_aliases_notify_insert AFTER INSERT ON post_slug_aliases
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_collections();
CREATE TRIGGER post_slug_aliases_notify_update AFTER UPDATE ON post_slug_aliases
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_collections();
CREATE TRIGGER post_slug_aliases_notify_delete AFTER DELETE ON post_slug_aliases
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_collections();
CREATE TRIGGER post_slug_aliases_notify_truncate AFTER TRUNCATE ON post_slug_aliases
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_content();

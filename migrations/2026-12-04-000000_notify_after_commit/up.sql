-- Folio's own post writes no longer NOTIFY from their transaction.
--
-- A transaction that notifies takes PostgreSQL's one notification-queue
-- lock at commit and holds it until its commit record is flushed, so
-- every notifying writer committed after the one before it: with 64
-- writing connections, 82 % of the busy backends waited on it
-- (`Lock:object`, bench/load.sh --writes-only). Folio's pooled connections
-- now set `folio.notify = after_commit`: the posts' triggers stay silent
-- for them, each instance's followers read what changed from the change
-- numbers (src/cache/listener.rs, src/live/hub.rs), and Folio wakes them
-- with a notification sent after commit, on a connection of its own with
-- `synchronous_commit = off` (src/db/wake.rs). Writes made by anything
-- else (psql, another program) notify as before.
--
-- The old slug of a renamed post is named by the alias it leaves
-- (`posts: <old slug> …`): the change numbers know only the new one.
-- Renames are rare, so that notification stays in the transaction.

CREATE OR REPLACE FUNCTION folio_notify_posts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched bigint;
    keys text;
BEGIN
    IF current_setting('folio.notify', true) = 'after_commit' THEN
        RETURN NULL;
    END IF;
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

CREATE OR REPLACE FUNCTION folio_notify_collections() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    keys text;
BEGIN
    IF TG_TABLE_NAME = 'post_slug_aliases' AND TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT string_agg(DISTINCT slug, ' ') INTO keys FROM new_rows;
        IF keys IS NULL THEN
            RETURN NULL;
        ELSIF octet_length(keys) > 7900 THEN
            PERFORM pg_notify('folio_content', 'everything');
        ELSE
            PERFORM pg_notify('folio_content', 'posts: ' || keys);
        END IF;
    ELSIF TG_OP = 'INSERT' THEN
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

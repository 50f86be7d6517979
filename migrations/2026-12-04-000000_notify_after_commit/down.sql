-- The posts' triggers notify from every transaction again, and an alias
-- drops the collections only.
CREATE OR REPLACE FUNCTION folio_notify_posts() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE OR REPLACE FUNCTION folio_notify_collections() RETURNS trigger LANGUAGE plpgsql AS $$
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

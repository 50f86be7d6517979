-- New tags are inserted in one order (by slug, then by name), whatever
-- order a post lists them in. Two transactions adding the same new tags in
-- opposite orders (two bulk batches at once) each waited on the other's
-- uncommitted unique key: a deadlock that failed posts in bench/load.sh.
CREATE OR REPLACE FUNCTION folio_ensure_tags(slugs text[], names text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM unnest(slugs, names) AS u(s, n)
        WHERE NOT EXISTS (SELECT 1 FROM tags t WHERE t.slug = u.s)
           OR NOT EXISTS (SELECT 1 FROM tag_names t WHERE t.name = u.n)
    ) THEN
        RETURN;
    END IF;
    INSERT INTO tags (slug, name) SELECT * FROM unnest(slugs, names) AS u(s, n) ORDER BY s
    ON CONFLICT DO NOTHING;
    INSERT INTO tag_names (name, tag_slug) SELECT u.n, u.s FROM unnest(slugs, names) AS u(s, n) ORDER BY u.n
    ON CONFLICT DO NOTHING;
END
$$;

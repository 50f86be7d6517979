CREATE OR REPLACE FUNCTION folio_ensure_tags(slugs text[], names text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM unnest(slugs, names) AS u(s, n)
        WHERE NOT EXISTS (SELECT 1 FROM tags t WHERE t.slug = u.s)
           OR NOT EXISTS (SELECT 1 FROM tag_names t WHERE t.name = u.n)
    ) THEN
        RETURN;
    END IF;
    INSERT INTO tags (slug, name) SELECT * FROM unnest(slugs, names) ON CONFLICT DO NOTHING;
    INSERT INTO tag_names (name, tag_slug) SELECT u.n, u.s FROM unnest(slugs, names) AS u(s, n)
    ON CONFLICT DO NOTHING;
END
$$;

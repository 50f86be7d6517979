-- What a post write records beside the post, each as one call instead of
-- two or three statements: one round trip, and statements PL/pgSQL plans
-- once per connection instead of on every write.

-- The next revision of a post, and the pruning of all but the newest
-- `keep`. Call it with the post's row locked (inside the write's
-- transaction), so two writers never take the same number.
CREATE FUNCTION folio_record_revision(post uuid, author uuid, at timestamptz, snap jsonb, keep integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    taken integer;
BEGIN
    SELECT coalesce(max(r.number), 0) + 1 INTO taken FROM post_revisions r WHERE r.post_id = post;
    INSERT INTO post_revisions (post_id, number, user_id, created_at, snapshot)
    VALUES (post, taken, author, at, snap);
    IF taken > keep THEN
        DELETE FROM post_revisions r WHERE r.post_id = post AND r.number <= taken - keep;
    END IF;
    RETURN taken;
END
$$;

-- A tag resource (`slugs[i]`, `names[i]`) for every tag name not seen
-- before. Most writes name tags that exist: they are looked up first, and
-- nothing is inserted (nor any trigger fired) when all are there.
CREATE FUNCTION folio_ensure_tags(slugs text[], names text[]) RETURNS void LANGUAGE plpgsql AS $$
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

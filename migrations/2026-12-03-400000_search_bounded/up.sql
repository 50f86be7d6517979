-- Search whose cost does not grow with the length of the posts it finds
-- (issue 17).

-- What a hit is ranked by: its title (A), tags and excerpt (B), the
-- weights of `search_vector` without the body. `search_vector` (the body
-- up to 200,000 characters) still decides what matches; ranking it would
-- read, for every hit, a vector as long as the post. This one is a few
-- hundred bytes and stays in the row: with the first 1,000 characters of
-- the body too it took ~900 bytes and made the table four times larger
-- (54 MB to 209 MB at 100,000 posts), which every list read pays for.
CREATE FUNCTION posts_search_rank_vector(lang regconfig, title text, excerpt text, tags text[])
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector(lang, title), 'A')
        || setweight(to_tsvector(lang, array_to_string(tags, ' ')), 'B')
        || setweight(to_tsvector(lang, excerpt), 'B')
$$;

ALTER TABLE posts ADD COLUMN search_rank_vector tsvector NOT NULL DEFAULT ''::tsvector;

CREATE OR REPLACE FUNCTION posts_search_vector_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lang regconfig := (SELECT language FROM search_settings);
BEGIN
    NEW.search_vector := posts_search_vector(lang, NEW.title, NEW.excerpt, NEW.markdown, NEW.tags);
    NEW.search_rank_vector := posts_search_rank_vector(lang, NEW.title, NEW.excerpt, NEW.tags);
    RETURN NEW;
END
$$;

-- Not a change to the posts: no version bump, sync number or notification.
ALTER TABLE posts DISABLE TRIGGER USER;
UPDATE posts SET search_rank_vector = posts_search_rank_vector(
    (SELECT language FROM search_settings), title, excerpt, tags);
ALTER TABLE posts ENABLE TRIGGER USER;

-- A lower bound on how many posts match `q`, from the planner's statistics
-- (the share of posts holding each of the most common lexemes), and how
-- many posts there are: published ones only when `public_only`. A search
-- uses it to skip counting when more posts match than it would count:
-- reading statistics costs the same whatever the word, while counting a
-- word in most posts reads every match from the index. Only plain words
-- joined by AND (at least sum - (n - 1) of the shares) or by OR (the
-- largest share) give a bound; anything else (phrases, NOT, groups) and
-- words the statistics do not list give 0, and the search counts. Below
-- `few` posts in all it stops at once: the count is cheap there. PL/pgSQL
-- so that its statements are planned once per connection.
CREATE FUNCTION posts_search_estimate(q tsquery, public_only boolean, few float8,
                                      OUT matches float8, OUT posts float8)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    elems text[];
    freqs real[];
    ops text := regexp_replace(q::text, '''(?:[^'']|'''')*''', 'x', 'g');
    share float8;
    f float8;
    lexeme text;
BEGIN
    SELECT greatest(c.reltuples, 0) INTO posts FROM pg_class c WHERE c.oid = 'posts'::regclass;
    matches := 0;
    -- Too few posts for a search to match more than it counts.
    IF posts < few THEN
        RETURN;
    END IF;
    IF public_only THEN
        posts := posts * coalesce((
            SELECT u.f FROM pg_stats st, unnest(st.most_common_vals::text::text[], st.most_common_freqs) AS u(v, f)
            WHERE st.schemaname = current_schema() AND st.tablename = 'posts' AND st.attname = 'status'
              AND u.v = 'published'), 0);
    END IF;
    IF ops ~ '[^x&| ]' OR (ops ~ '[|]' AND ops ~ '&') OR ops !~ 'x' THEN
        RETURN;
    END IF;
    SELECT st.most_common_elems::text::text[], st.most_common_elem_freqs INTO elems, freqs
    FROM pg_stats st
    WHERE st.schemaname = current_schema() AND st.tablename = 'posts' AND st.attname = 'search_vector';
    IF elems IS NULL THEN
        RETURN;
    END IF;
    share := CASE WHEN ops ~ '[|]' THEN 0 ELSE 1 END;
    FOR lexeme IN SELECT replace(m[1], '''''', '''') FROM regexp_matches(q::text, '''((?:[^'']|'''')*)''', 'g') AS m LOOP
        f := coalesce(freqs[array_position(elems, lexeme)], 0);
        share := CASE WHEN ops ~ '[|]' THEN greatest(share, f) ELSE share + f - 1 END;
    END LOOP;
    matches := greatest(share, 0) * posts;
END
$$;

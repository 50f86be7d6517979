-- The planner's statistics a search's estimate reads, copied into a table
-- of their own (issue 17, search at 100,000 posts).
--
-- `posts_search_estimate` read `pg_stats` twice per search: the share of
-- published posts, and the most common lexemes of `search_vector` with
-- their frequencies. `pg_stats` is a view that joins four catalogs and
-- checks column privileges for every column of the table; each lookup
-- cost ~0.12 ms, and the estimate ~0.28 ms in all (pgbench, 100,000
-- posts), about a quarter of PostgreSQL's time for a search. The numbers
-- change only when `posts` is analysed, so each instance copies them here
-- on its scheduler tick (`folio_refresh_search_statistics`, a no-op unless
-- they changed) and the estimate reads one row.
--
-- A table, not a cache in Folio: every instance and every connection sees
-- the same copy, and it survives restarts.
CREATE TABLE search_statistics (
    only_row        boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    -- The share of posts whose status is `published`; NULL when the
    -- statistics do not list it.
    published_share float8,
    -- `most_common_elems` and `most_common_elem_freqs` of
    -- `posts.search_vector`; NULL before the first ANALYZE.
    lexemes         text[],
    freqs           real[],
    refreshed_at    timestamptz NOT NULL DEFAULT now()
);
INSERT INTO search_statistics DEFAULT VALUES;

-- Copies the statistics when they differ from the copy; true when it wrote.
CREATE FUNCTION folio_refresh_search_statistics() RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    share float8;
    elems text[];
    elem_freqs real[];
BEGIN
    SELECT u.f INTO share
    FROM pg_stats st, unnest(st.most_common_vals::text::text[], st.most_common_freqs) AS u(v, f)
    WHERE st.schemaname = current_schema() AND st.tablename = 'posts' AND st.attname = 'status'
      AND u.v = 'published';
    SELECT st.most_common_elems::text::text[], st.most_common_elem_freqs INTO elems, elem_freqs
    FROM pg_stats st
    WHERE st.schemaname = current_schema() AND st.tablename = 'posts' AND st.attname = 'search_vector';
    UPDATE search_statistics s
    SET published_share = share, lexemes = elems, freqs = elem_freqs, refreshed_at = now()
    WHERE (s.published_share, s.lexemes, s.freqs) IS DISTINCT FROM (share, elems, elem_freqs);
    RETURN FOUND;
END
$$;

SELECT folio_refresh_search_statistics();

-- As before (2026-12-03-400000_search_bounded), reading the copy: a lower
-- bound on how many posts match `q`, and how many posts there are
-- (published ones only when `public_only`). Plain words joined by AND give
-- at least sum - (n - 1) of their shares, joined by OR the largest share;
-- anything else, and words the statistics do not list, give 0, and the
-- search counts. Below `few` posts in all it stops at once, before parsing
-- the query: the count is cheap there.
CREATE OR REPLACE FUNCTION posts_search_estimate(q tsquery, public_only boolean, few float8,
                                                 OUT matches float8, OUT posts float8)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    stats search_statistics;
    ops text;
    share float8;
    f float8;
    lexeme text;
BEGIN
    SELECT greatest(c.reltuples, 0) INTO posts FROM pg_class c WHERE c.oid = 'posts'::regclass;
    matches := 0;
    IF posts < few THEN
        RETURN;
    END IF;
    SELECT * INTO stats FROM search_statistics;
    IF public_only THEN
        posts := posts * coalesce(stats.published_share, 0);
    END IF;
    ops := regexp_replace(q::text, '''(?:[^'']|'''')*''', 'x', 'g');
    IF ops ~ '[^x&| ]' OR (ops ~ '[|]' AND ops ~ '&') OR ops !~ 'x' OR stats.lexemes IS NULL THEN
        RETURN;
    END IF;
    share := CASE WHEN ops ~ '[|]' THEN 0 ELSE 1 END;
    FOR lexeme IN SELECT replace(m[1], '''''', '''') FROM regexp_matches(q::text, '''((?:[^'']|'''')*)''', 'g') AS m LOOP
        f := coalesce(stats.freqs[array_position(stats.lexemes, lexeme)], 0);
        share := CASE WHEN ops ~ '[|]' THEN greatest(share, f) ELSE share + f - 1 END;
    END LOOP;
    matches := greatest(share, 0) * posts;
END
$$;

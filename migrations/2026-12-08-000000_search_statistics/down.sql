-- The estimate reads pg_stats again, as 2026-12-03-400000_search_bounded made it.
CREATE OR REPLACE FUNCTION posts_search_estimate(q tsquery, public_only boolean, few float8,
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

DROP FUNCTION folio_refresh_search_statistics();
DROP TABLE search_statistics;

-- Seeds :n published posts (psql -v n=100000) for bench/search_explain.sh,
-- straight into PostgreSQL, with the text of bench/load_seed.py's posts:
-- ~4 KB bodies of ordinary words (each of the ~200 in most posts), 1–3 of
-- eight topic words as tags and in 4% of the body's words (so a topic
-- word is in about a third of the posts), and three rare words out of
-- 2,000 (k0…k1999, each in ~0.15% of posts). One post in 100 is 25× as
-- long (~100 KB), the case a cost per matching byte is hurt by.
--
-- Deterministic (hashes of the post's number, no random()), so two runs
-- seed the same text. Markdown, HTML and plain text carry the same words;
-- the search vector is filled by its trigger, as for a normal write.
INSERT INTO users (id, email, name, password_hash, role)
VALUES (gen_random_uuid(), 'search-bench@example.com', 'Search bench', 'x', 'author')
ON CONFLICT DO NOTHING;

WITH vocabulary AS (
    SELECT
        string_to_array('the a of and to in is that it for on with as was by at be this from or '
            'have an they which one you were all we when there can more if out so up said '
            'what about other into than them these some her would make like him time has '
            'two way could people my over did down only first been call who its now find '
            'long day get come made may part work year well new great little good place '
            'before after back between again small large still every under never same '
            'another many must because much through might those show around where right '
            'build change reader writer server client request answer table page list '
            'note draft review release version history system simple clear fast slow '
            'light heavy early late open close start finish inside outside across', ' ') AS filler,
        array['rust', 'postgres', 'caching', 'frontend', 'testing', 'deploy', 'security', 'search'] AS topics
), shaped AS (
    SELECT i,
           -- 1–3 topics per post.
           (SELECT array_agg(DISTINCT v.topics[1 + abs(hashint8(i * 10 + t)::bigint) % 8])
              FROM generate_series(1, 1 + abs(hashint8(-i)::bigint) % 3) AS t) AS tags,
           CASE WHEN i % 100 = 0 THEN 15000 ELSE 600 END AS words
    FROM generate_series(1::bigint, :n) AS i, vocabulary v
), bodies AS (
    SELECT s.i, s.tags, b.body
    FROM shaped s, vocabulary v,
    LATERAL (
        SELECT string_agg(
                   CASE WHEN k % 60 = 0 THEN E'\n\n'
                        ELSE '' END
                   || CASE WHEN abs(hashint8(s.i * 100003 + k)::bigint) % 100 < 4
                           THEN s.tags[1 + abs(hashint8(s.i * 7 + k)::bigint) % cardinality(s.tags)]
                           ELSE v.filler[1 + abs(hashint8(s.i * 1000003 + k)::bigint) % cardinality(v.filler)] END,
                   ' ')
               || ' k' || abs(hashint8(s.i)::bigint) % 2000
               || ' k' || abs(hashint8(s.i + 1)::bigint) % 2000
               || ' k' || abs(hashint8(s.i + 2)::bigint) % 2000 AS body
        FROM generate_series(1, s.words) AS k
    ) AS b
)
INSERT INTO posts (id, slug, title, markdown, html, plain_text, excerpt, status,
                   published_at, tags, author_id, created_at, updated_at,
                   word_count, reading_time)
SELECT gen_random_uuid(),
       'post-' || i,
       'Post ' || i || ': notes on ' || array_to_string(tags, ' and '),
       '## Notes on ' || tags[1] || E'\n\n' || body,
       '<h2>Notes on ' || tags[1] || '</h2><p>' || replace(body, E'\n\n', '</p><p>') || '</p>',
       'Notes on ' || tags[1] || E'\n\n' || body,
       left(body, 200),
       'published',
       timestamptz '2015-01-01' + i * interval '37 minutes',
       tags,
       (SELECT id FROM users WHERE email = 'search-bench@example.com'),
       timestamptz '2015-01-01' + i * interval '37 minutes',
       timestamptz '2015-01-01' + i * interval '41 minutes',
       600, 3
FROM bodies;

VACUUM ANALYZE posts;
VACUUM ANALYZE users;

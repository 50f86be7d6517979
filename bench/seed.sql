-- Seeds :n posts (psql -v n=100000) by 50 authors straight into PostgreSQL.
-- ~10% drafts, 200 tags, metadata with a series and a number. Titles
-- use 24 real words (each in ~1 title in 12); bodies are 60–260 words
-- from a 20,000-word vocabulary (w0…w19999, each in ~0.8% of posts), so
-- searches range from selective to broad as on a real blog.
-- The search_vector trigger fills the tsvector like a normal write.
INSERT INTO users (id, email, name, password_hash, role)
SELECT gen_random_uuid(), 'bench' || a || '@example.com', 'Bench author ' || a, 'x', 'author'
FROM generate_series(1, 50) AS a
ON CONFLICT DO NOTHING;

WITH authors AS (
    SELECT array_agg(id ORDER BY email) AS ids FROM users WHERE email LIKE 'bench%@example.com'
), words AS (
    SELECT array['rust', 'postgres', 'search', 'index', 'latency', 'cursor', 'feed', 'cache',
                 'async', 'tokio', 'actix', 'diesel', 'markdown', 'render', 'token', 'frontend',
                 'astro', 'next', 'build', 'deploy', 'garden', 'coffee', 'travel', 'music'] AS w
)
INSERT INTO posts (id, slug, title, markdown, html, excerpt, status, published_at, tags, metadata, author_id, created_at, updated_at)
SELECT
    gen_random_uuid(),
    'bench-' || i,
    'Post ' || i || ' about ' || w[1 + i % 24] || ' and ' || w[1 + (i * 7) % 24],
    body,
    '<p>' || body || '</p>',
    left(body, 200),
    CASE WHEN i % 10 = 0 THEN 'draft' ELSE 'published' END,
    CASE WHEN i % 10 = 0 THEN NULL ELSE timestamptz '2015-01-01' + i * interval '37 minutes' END,
    ARRAY['tag' || (i % 200), 'tag' || (i % 7)],
    jsonb_build_object('series', 'series' || (i % 500), 'n', i % 1000),
    (SELECT ids[1 + i % 50] FROM authors),
    timestamptz '2015-01-01' + i * interval '37 minutes',
    timestamptz '2015-01-01' + i * interval '41 minutes'
FROM generate_series(1, :n) AS i, words,
LATERAL (
    SELECT string_agg('w' || ((i::bigint * 7919 + k * 104729) % 20000), ' ') AS body
    FROM generate_series(1, 60 + i % 200) AS k
) AS b;

-- What autovacuum would do soon after: statistics and a visibility map
-- (index-only scans for counts).
VACUUM ANALYZE posts;
VACUUM ANALYZE users;

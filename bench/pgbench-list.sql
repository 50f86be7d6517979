-- pgbench's ceiling for GET /api/v1/posts?limit=20&page=N: the two
-- statements Folio sends for one anonymous page (db::post_list::count,
-- then db::post_list::page, which asks for 21 rows to know whether a next
-- page exists), copied from PostgreSQL's log with log_statement = 'all'.
-- One pgbench transaction = one list request; :limit and :offset are bound
-- parameters, as in Folio. Run with -D pages=P.
\set page random(1, :pages)
\set offset (:page - 1) * 20
\set limit 21
SELECT count(*) AS n FROM posts p WHERE true AND p.status = 'published';
SELECT l.*, NULL::text AS headline FROM (SELECT p.id, p.slug, p.title, p.excerpt, p.status, p.published_at, p.tags, p.metadata, p.author_id, u.name AS author_name, p.created_at, p.updated_at, NULL::text AS markdown, NULL::text AS html, NULL::text AS plain_text, p.word_count, p.reading_time, p.feature_image, p.feature_image_alt, p.feature_image_caption, p.featured, p.meta_title, p.meta_description, p.canonical_url, p.og_image, NULL::real AS rank FROM posts p JOIN users u ON u.id = p.author_id WHERE true AND p.status = 'published' ORDER BY p.published_at DESC, p.id DESC LIMIT :limit OFFSET :offset) l ORDER BY l.published_at DESC, l.id DESC;

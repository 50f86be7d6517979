-- pgbench's ceiling for GET /api/v1/posts/{slug}: the statement Folio
-- sends for it (db::posts::find, anonymous visibility), copied from
-- PostgreSQL's log with log_statement = 'all'. Only the slug differs: a
-- random post-1 … post-N built in SQL from pgbench's number (Folio binds
-- it as $1). With -M prepared both :n and :one are bound parameters, as
-- in Folio. Run by bench/load.sh with -D posts=N.
\set n random(1, :posts)
\set one 1
SELECT "posts"."id", "posts"."slug", "posts"."title", "posts"."markdown", "posts"."html", "posts"."excerpt", "posts"."custom_excerpt", "posts"."status", "posts"."published_at", "posts"."tags", "posts"."metadata", "posts"."author_id", "posts"."created_at", "posts"."updated_at", "posts"."plain_text", "posts"."toc", "posts"."word_count", "posts"."reading_time", "posts"."renderer_version", "posts"."version", "posts"."feature_image", "posts"."feature_image_alt", "posts"."feature_image_caption", "posts"."featured", "posts"."meta_title", "posts"."meta_description", "posts"."canonical_url", "posts"."og_image", "users"."name" FROM ("posts" INNER JOIN "users" ON ("posts"."author_id" = "users"."id")) WHERE ((posts.status = 'published' OR (posts.status = 'scheduled' AND posts.published_at <= now())) AND ("posts"."slug" = 'post-' || :n)) LIMIT :one;

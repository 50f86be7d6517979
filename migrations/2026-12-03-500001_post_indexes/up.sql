-- Fewer indexes on `posts`: every one is written on each insert, and on
-- each update too (a post's updates change indexed columns, so none is
-- HOT). The table in migrations/README.md says which query uses each that
-- remains.
--
-- The author's posts: (author_id, published_at DESC, id DESC) answers
-- every lookup by author_id alone (its leading column) as well, the
-- foreign key's checks included.
DROP INDEX posts_author_idx;
-- The scheduler's due posts: (status, published_at DESC, id DESC) answers
-- `status = 'scheduled' AND published_at <= now() ORDER BY published_at`
-- with a backward range scan, as cheaply.
DROP INDEX posts_scheduled_idx;

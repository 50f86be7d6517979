DROP INDEX posts_public_idx;
DROP INDEX posts_public_updated_idx;
DROP INDEX posts_public_title_idx;
CREATE INDEX posts_published_idx ON posts (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX posts_published_updated_idx ON posts (updated_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX posts_published_title_idx ON posts (title, id) WHERE status = 'published';

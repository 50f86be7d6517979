CREATE INDEX posts_author_idx ON posts (author_id);
CREATE INDEX posts_scheduled_idx ON posts (published_at) WHERE status = 'scheduled';

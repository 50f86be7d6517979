-- draft -> scheduled (a future published_at) -> published -> archived.
ALTER TABLE posts DROP CONSTRAINT posts_status_check;
ALTER TABLE posts ADD CONSTRAINT posts_status_check
    CHECK (status IN ('draft', 'scheduled', 'published', 'archived'));
ALTER TABLE posts ADD CONSTRAINT posts_scheduled_has_date_check
    CHECK (status <> 'scheduled' OR published_at IS NOT NULL);
-- What the scheduler looks for on every tick.
CREATE INDEX posts_scheduled_idx ON posts (published_at) WHERE status = 'scheduled';

DROP INDEX posts_scheduled_idx;
ALTER TABLE posts DROP CONSTRAINT posts_scheduled_has_date_check;
-- The old schema knows only drafts and published posts: a scheduled or
-- archived post goes back to being a draft.
ALTER TABLE posts DROP CONSTRAINT posts_status_check;
UPDATE posts SET status = 'draft' WHERE status IN ('scheduled', 'archived');
ALTER TABLE posts ADD CONSTRAINT posts_status_check CHECK (status IN ('draft', 'published'));

-- Public lists show scheduled posts whose time has come as well as
-- published ones (one definition of "public now", evaluated at read time),
-- so their partial indexes cover both statuses; the rows of scheduled posts
-- not yet due are few and filtered out of the scan.
DROP INDEX posts_published_idx;
DROP INDEX posts_published_updated_idx;
DROP INDEX posts_published_title_idx;
CREATE INDEX posts_public_idx ON posts (published_at DESC, id DESC)
    WHERE status IN ('published', 'scheduled');
CREATE INDEX posts_public_updated_idx ON posts (updated_at DESC, id DESC)
    WHERE status IN ('published', 'scheduled');
CREATE INDEX posts_public_title_idx ON posts (title, id)
    WHERE status IN ('published', 'scheduled');

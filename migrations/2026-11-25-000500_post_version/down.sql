DROP TRIGGER posts_bump_version ON posts;
DROP FUNCTION posts_bump_version();
ALTER TABLE posts DROP COLUMN version;

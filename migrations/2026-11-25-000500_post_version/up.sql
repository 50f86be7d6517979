-- A post's version goes up by one on every write, whoever makes it (the
-- API, the scheduler, a migration), so an ETag built from (id, version)
-- changes exactly when the stored post does.
ALTER TABLE posts ADD COLUMN version bigint NOT NULL DEFAULT 1;

CREATE FUNCTION posts_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END
$$;

CREATE TRIGGER posts_bump_version BEFORE UPDATE ON posts
    FOR EACH ROW EXECUTE FUNCTION posts_bump_version();

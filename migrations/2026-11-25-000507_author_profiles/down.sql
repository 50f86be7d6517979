DROP TRIGGER users_default_slug ON users;
DROP FUNCTION users_default_slug();
DROP INDEX users_slug_key;
ALTER TABLE users DROP COLUMN slug, DROP COLUMN bio, DROP COLUMN avatar_url;

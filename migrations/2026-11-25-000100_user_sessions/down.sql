ALTER TABLE users DROP CONSTRAINT users_deleted_are_disabled;
ALTER TABLE users DROP COLUMN deleted_at;
ALTER TABLE users DROP COLUMN token_version;

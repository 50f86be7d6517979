-- Bumped whenever every session of a user must end at once (password
-- change, disabling, deletion): access tokens carry the version they were
-- issued under and stop working when it moves on.
ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0;
-- Deleted users are kept, disabled and anonymised, because their posts
-- still name them (posts.author_id references users).
ALTER TABLE users ADD COLUMN deleted_at timestamptz;
ALTER TABLE users ADD CONSTRAINT users_deleted_are_disabled
    CHECK (deleted_at IS NULL OR disabled_at IS NOT NULL);

-- Preview links: a token that reads one post (as it is now, or pinned to
-- a revision) until it expires. Stored as its SHA-256, like API keys.
CREATE TABLE post_previews (
    id           uuid PRIMARY KEY,
    post_id      uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    -- The first characters of the token, to tell links apart in lists.
    prefix       text NOT NULL,
    token_hash   bytea NOT NULL CHECK (length(token_hash) = 32),
    -- A pinned preview keeps a copy of the revision it shows: revisions
    -- are pruned, a shared link must not change under its reader.
    revision     integer,
    snapshot     jsonb,
    created_by   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((revision IS NULL) = (snapshot IS NULL))
);
CREATE UNIQUE INDEX post_previews_hash_key ON post_previews (token_hash);
CREATE INDEX post_previews_post_idx ON post_previews (post_id, created_at DESC);

-- The event stream replays public changes from the outbox by their /sync
-- token.
CREATE INDEX events_sync_token_idx ON events (sync_token) WHERE sync_token IS NOT NULL;

-- Keys for integrations. The secret is shown once and stored only as its
-- SHA-256 hash; `prefix` (the first characters) lets people tell keys apart.
CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix       text NOT NULL,
    key_hash     bytea NOT NULL CHECK (length(key_hash) = 32),
    scopes       text[] NOT NULL CHECK (
        cardinality(scopes) > 0
        AND scopes <@ ARRAY['content:read', 'preview:read', 'posts:write']::text[]
    ),
    created_by   uuid NOT NULL REFERENCES users (id),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX api_keys_hash_key ON api_keys (key_hash);

-- Tags as resources. Posts keep their tags as the names authors typed
-- (in order, the first is the primary tag); each name belongs to the tag
-- whose slug it derives to, so "Rust" and "rust" are one tag.
CREATE TABLE tags (
    slug        text PRIMARY KEY CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 200),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    description text CHECK (length(description) <= 1000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tag_names (
    name     text PRIMARY KEY,
    tag_slug text NOT NULL REFERENCES tags (slug) ON DELETE CASCADE
);
CREATE INDEX tag_names_tag_idx ON tag_names (tag_slug);
-- Posts by tag, for post counts.
-- posts_tags_idx (GIN on posts.tags) comes from the read-API migration.

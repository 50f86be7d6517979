-- Slugs a post had before: fetching by one answers 301 to the current URL.
CREATE TABLE post_slug_aliases (
    slug       text PRIMARY KEY CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 200),
    post_id    uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX post_slug_aliases_post_idx ON post_slug_aliases (post_id);

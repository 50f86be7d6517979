CREATE TABLE posts (
    id             uuid PRIMARY KEY,
    slug           text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 200),
    title          text NOT NULL,
    -- The Markdown body exactly as the author sent it (front matter split off).
    markdown       text NOT NULL,
    -- Rendered and sanitised at write time, so reads never render.
    html           text NOT NULL,
    excerpt        text NOT NULL,
    -- True when the author wrote the excerpt; false when it was derived
    -- from the body (and is derived again when the body changes).
    custom_excerpt boolean NOT NULL DEFAULT false,
    status         text NOT NULL CHECK (status IN ('draft', 'published')),
    published_at   timestamptz,
    tags           text[] NOT NULL DEFAULT '{}',
    metadata       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    author_id      uuid NOT NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'published' OR published_at IS NOT NULL)
);

CREATE UNIQUE INDEX posts_slug_key ON posts (slug);
-- The public list: published posts, newest first, id breaking ties.
CREATE INDEX posts_published_idx ON posts (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX posts_all_idx ON posts (published_at DESC, id DESC);
CREATE INDEX posts_author_idx ON posts (author_id);

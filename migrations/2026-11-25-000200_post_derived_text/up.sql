-- What the renderer derives from the Markdown, stored beside the HTML so
-- reads never render. Existing rows get renderer_version 0, older than any
-- renderer, so they are rendered again (and these columns filled) by
-- `folio rerender` or the start-up task.
ALTER TABLE posts
    ADD COLUMN plain_text       text    NOT NULL DEFAULT '',
    ADD COLUMN toc              jsonb   NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(toc) = 'array'),
    ADD COLUMN word_count       integer NOT NULL DEFAULT 0 CHECK (word_count >= 0),
    ADD COLUMN reading_time     integer NOT NULL DEFAULT 0 CHECK (reading_time >= 0),
    ADD COLUMN renderer_version integer NOT NULL DEFAULT 0;

-- Finding stale posts after a renderer upgrade.
CREATE INDEX posts_renderer_version_idx ON posts (renderer_version);

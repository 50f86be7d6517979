DROP INDEX posts_renderer_version_idx;
ALTER TABLE posts
    DROP COLUMN renderer_version,
    DROP COLUMN reading_time,
    DROP COLUMN word_count,
    DROP COLUMN toc,
    DROP COLUMN plain_text;

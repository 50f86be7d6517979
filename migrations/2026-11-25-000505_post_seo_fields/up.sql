-- The fields themes and search engines expect, as real columns rather
-- than metadata keys, so they are validated, typed and documented.
ALTER TABLE posts
    ADD COLUMN feature_image         text,
    ADD COLUMN feature_image_alt     text,
    ADD COLUMN feature_image_caption text,
    ADD COLUMN featured              boolean NOT NULL DEFAULT false,
    ADD COLUMN meta_title            text,
    ADD COLUMN meta_description      text,
    ADD COLUMN canonical_url         text,
    ADD COLUMN og_image              text;

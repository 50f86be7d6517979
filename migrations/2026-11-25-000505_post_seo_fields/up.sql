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

-- Posts imported earlier kept these front-matter keys in metadata: move
-- the ones of the right type into their columns, so exporting and
-- importing such a post again changes nothing.
UPDATE posts SET
    feature_image = CASE WHEN jsonb_typeof(metadata->'feature_image') = 'string' THEN nullif(trim(metadata->>'feature_image'), '') END,
    feature_image_alt = CASE WHEN jsonb_typeof(metadata->'feature_image_alt') = 'string' THEN nullif(trim(metadata->>'feature_image_alt'), '') END,
    feature_image_caption = CASE WHEN jsonb_typeof(metadata->'feature_image_caption') = 'string' THEN nullif(trim(metadata->>'feature_image_caption'), '') END,
    meta_title = CASE WHEN jsonb_typeof(metadata->'meta_title') = 'string' THEN nullif(trim(metadata->>'meta_title'), '') END,
    meta_description = CASE WHEN jsonb_typeof(metadata->'meta_description') = 'string' THEN nullif(trim(metadata->>'meta_description'), '') END,
    canonical_url = CASE WHEN jsonb_typeof(metadata->'canonical_url') = 'string' THEN nullif(trim(metadata->>'canonical_url'), '') END,
    og_image = CASE WHEN jsonb_typeof(metadata->'og_image') = 'string' THEN nullif(trim(metadata->>'og_image'), '') END,
    featured = coalesce(jsonb_typeof(metadata->'featured') = 'boolean' AND (metadata->'featured')::boolean, false),
    metadata = metadata - ARRAY(
        SELECT k FROM unnest(ARRAY['feature_image', 'feature_image_alt', 'feature_image_caption',
                                   'meta_title', 'meta_description', 'canonical_url', 'og_image']) AS k
        WHERE jsonb_typeof(metadata->k) = 'string'
        UNION ALL
        SELECT 'featured' WHERE jsonb_typeof(metadata->'featured') = 'boolean')
WHERE metadata ?| ARRAY['feature_image', 'feature_image_alt', 'feature_image_caption', 'featured',
                        'meta_title', 'meta_description', 'canonical_url', 'og_image'];

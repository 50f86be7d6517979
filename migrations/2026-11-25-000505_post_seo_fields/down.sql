-- Back into metadata, as the older schema kept them.
UPDATE posts SET metadata = metadata || jsonb_strip_nulls(jsonb_build_object(
        'feature_image', feature_image,
        'feature_image_alt', feature_image_alt,
        'feature_image_caption', feature_image_caption,
        'meta_title', meta_title,
        'meta_description', meta_description,
        'canonical_url', canonical_url,
        'og_image', og_image,
        'featured', CASE WHEN featured THEN true END))
WHERE featured OR num_nonnulls(feature_image, feature_image_alt, feature_image_caption,
                               meta_title, meta_description, canonical_url, og_image) > 0;

ALTER TABLE posts
    DROP COLUMN feature_image,
    DROP COLUMN feature_image_alt,
    DROP COLUMN feature_image_caption,
    DROP COLUMN featured,
    DROP COLUMN meta_title,
    DROP COLUMN meta_description,
    DROP COLUMN canonical_url,
    DROP COLUMN og_image;

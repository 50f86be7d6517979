-- The media library: uploaded images, the responsive variants planned for
-- each, the queue that makes those variants, and which posts use which
-- image.
--
-- Files live in an object store (a local folder or S3), content-addressed
-- by the SHA-256 of the stored bytes; these rows are their metadata.

CREATE TABLE media (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Lowercase hex SHA-256 of the stored original (after metadata was
    -- stripped): the object's key, the URL's name and the strong ETag.
    sha256            text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content_type      text NOT NULL,
    ext               text NOT NULL CHECK (ext IN ('png', 'jpg', 'gif', 'webp', 'avif')),
    bytes             bigint NOT NULL CHECK (bytes >= 0),
    width             integer NOT NULL CHECK (width > 0),
    height            integer NOT NULL CHECK (height > 0),
    alt               text CHECK (length(alt) <= 1000),
    caption           text CHECK (length(caption) <= 2000),
    -- Where the subject is, as fractions of the width and height: crops
    -- keep it in frame. Both or neither.
    focal_x           real CHECK (focal_x BETWEEN 0 AND 1),
    focal_y           real CHECK (focal_y BETWEEN 0 AND 1),
    -- A ThumbHash of the image, base64: a blurred preview in ~30 bytes.
    placeholder       text,
    original_filename text CHECK (length(original_filename) <= 255),
    uploaded_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((focal_x IS NULL) = (focal_y IS NULL))
);
CREATE INDEX media_created_idx ON media (created_at DESC, id DESC);

-- The variants of an image, planned when it is uploaded (so HTML can name
-- them at once) and made later by the queue below.
CREATE TABLE media_variants (
    media_id uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    width    integer NOT NULL CHECK (width > 0),
    format   text NOT NULL CHECK (format IN ('webp', 'jpeg', 'png')),
    height   integer NOT NULL CHECK (height > 0),
    -- Known once made.
    bytes    bigint CHECK (bytes >= 0),
    status   text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'failed')),
    PRIMARY KEY (media_id, width, format)
);

-- One job per image: a worker decodes the original once and makes all
-- its variants from it. Workers claim a job with `FOR UPDATE SKIP LOCKED`
-- and hold it until `leased_until`; past that another instance may take
-- it over (the first one died), so every variant is made once unless an
-- instance dies mid-job.
CREATE TABLE media_jobs (
    media_id        uuid PRIMARY KEY REFERENCES media (id) ON DELETE CASCADE,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    leased_until    timestamptz,
    -- Which instance holds (or last held) the job, for the logs.
    leased_by       text,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz
);
CREATE INDEX media_jobs_due_idx ON media_jobs (next_attempt_at) WHERE state = 'pending';

-- Which posts use which image; written with every post write. An image a
-- post uses cannot be deleted (RESTRICT): the API answers 409 naming them.
CREATE TABLE post_media (
    post_id  uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    media_id uuid NOT NULL REFERENCES media (id) ON DELETE RESTRICT,
    PRIMARY KEY (post_id, media_id)
);
CREATE INDEX post_media_media_idx ON post_media (media_id);

CREATE FUNCTION folio_media_summary(m media) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', m.id, 'sha256', m.sha256, 'ext', m.ext, 'content_type', m.content_type,
        'width', m.width, 'height', m.height, 'alt', m.alt, 'updated_at', m.updated_at)
$$;

-- Media events, through the same outbox as posts and tags.
CREATE FUNCTION media_emit_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM folio_emit_event('media.created', NEW.id, folio_media_summary(NEW), NULL);
    ELSIF TG_OP = 'UPDATE' THEN
        IF (OLD.alt, OLD.caption, OLD.focal_x, OLD.focal_y)
           IS DISTINCT FROM (NEW.alt, NEW.caption, NEW.focal_x, NEW.focal_y) THEN
            PERFORM folio_emit_event('media.updated', NEW.id, folio_media_summary(NEW), NULL);
        END IF;
    ELSE
        PERFORM folio_emit_event('media.deleted', OLD.id, folio_media_summary(OLD), NULL);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER media_emit_events
    AFTER INSERT OR UPDATE OR DELETE ON media
    FOR EACH ROW EXECUTE FUNCTION media_emit_events();

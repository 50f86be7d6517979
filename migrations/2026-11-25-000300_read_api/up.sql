-- The read API: full-text search, and an index behind every filter and sort.

-- One row: the text-search configuration posts are indexed with. Folio
-- writes FOLIO_SEARCH_LANGUAGE here at start-up (re-indexing when it
-- changes), so every instance and every query agree on one language.
CREATE TABLE search_settings (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    language  regconfig NOT NULL DEFAULT 'english'
);
INSERT INTO search_settings DEFAULT VALUES;

-- Title weighs most (A), then tags and the excerpt (B), then the body (C).
-- The body is the Markdown source, cut to 200,000 characters so a huge
-- post can never exceed the 1 MB tsvector limit and fail its write.
CREATE FUNCTION posts_search_vector(lang regconfig, title text, excerpt text, markdown text, tags text[])
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector(lang, title), 'A')
        || setweight(to_tsvector(lang, array_to_string(tags, ' ')), 'B')
        || setweight(to_tsvector(lang, excerpt), 'B')
        || setweight(to_tsvector(lang, left(markdown, 200000)), 'C')
$$;

ALTER TABLE posts ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''::tsvector;

-- A trigger rather than a generated column: the language is a setting,
-- and a generated column can only read its own row.
CREATE FUNCTION posts_search_vector_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := posts_search_vector(
        (SELECT language FROM search_settings), NEW.title, NEW.excerpt, NEW.markdown, NEW.tags);
    RETURN NEW;
END
$$;

CREATE TRIGGER posts_search_vector_refresh
    BEFORE INSERT OR UPDATE OF title, excerpt, markdown, tags ON posts
    FOR EACH ROW EXECUTE FUNCTION posts_search_vector_refresh();

UPDATE posts SET search_vector = posts_search_vector('english', title, excerpt, markdown, tags);

CREATE INDEX posts_search_idx ON posts USING gin (search_vector);
-- tag=…: tags @> ARRAY[…].
CREATE INDEX posts_tags_idx ON posts USING gin (tags);
-- metadata.<key>=…: metadata @> '{…}'.
CREATE INDEX posts_metadata_idx ON posts USING gin (metadata jsonb_path_ops);
-- author=… with the default sort.
CREATE INDEX posts_author_published_idx ON posts (author_id, published_at DESC, id DESC);
-- status=… (signed-in callers) with the default sort.
CREATE INDEX posts_status_published_idx ON posts (status, published_at DESC, id DESC);
-- sort=updated_at and sort=title, for the public list and for everything.
CREATE INDEX posts_published_updated_idx ON posts (updated_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX posts_updated_idx ON posts (updated_at DESC, id DESC);
CREATE INDEX posts_published_title_idx ON posts (title, id) WHERE status = 'published';
CREATE INDEX posts_title_idx ON posts (title, id);

DROP FUNCTION posts_search_estimate(tsquery, boolean, float8);
CREATE OR REPLACE FUNCTION posts_search_vector_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := posts_search_vector(
        (SELECT language FROM search_settings), NEW.title, NEW.excerpt, NEW.markdown, NEW.tags);
    RETURN NEW;
END
$$;
ALTER TABLE posts DROP COLUMN search_rank_vector;
DROP FUNCTION posts_search_rank_vector(regconfig, text, text, text[]);

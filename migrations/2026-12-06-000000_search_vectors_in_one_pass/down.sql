-- The trigger as 2026-12-03-400000_search_bounded wrote it.

CREATE OR REPLACE FUNCTION posts_search_vector_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lang regconfig := (SELECT language FROM search_settings);
BEGIN
    NEW.search_vector := posts_search_vector(lang, NEW.title, NEW.excerpt, NEW.markdown, NEW.tags);
    NEW.search_rank_vector := posts_search_rank_vector(lang, NEW.title, NEW.excerpt, NEW.tags);
    RETURN NEW;
END
$$;

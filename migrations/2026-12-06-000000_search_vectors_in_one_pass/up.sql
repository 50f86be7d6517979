-- The search vectors of a post in one pass, and not at all when an edit
-- leaves what they are made of alone (issue 17, writes).
--
-- The trigger called posts_search_vector() and posts_search_rank_vector(),
-- which parsed and stemmed the title, tags and excerpt twice. Neither SQL
-- function can be inlined (array_to_string() is only STABLE), so each
-- call also planned its body anew in every transaction: `perf` of the
-- write row had the trigger at about a third of PostgreSQL's CPU. Here the
-- ranked part is built once and the body's vector appended to it:
-- `a || b || c || d` is the value posts_search_vector() returns, since
-- `||` shifts the right operand's positions past the left one's.
--
-- The trigger fires on an update that sets the title, excerpt, tags or
-- body, and every edit through the API sets the first three: one that
-- changes none of the four (a publish, a new slug) now keeps the vectors
-- it has instead of parsing the whole body again.
--
-- posts_search_vector() and posts_search_rank_vector() stay: the
-- language change re-indexes every post with them in one statement (an
-- update of the vectors alone, which does not fire the trigger), and
-- tests/api/read_search.rs checks that the trigger's vectors equal theirs.
CREATE OR REPLACE FUNCTION posts_search_vector_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lang regconfig;
    ranked tsvector;
BEGIN
    IF TG_OP = 'UPDATE'
       AND (NEW.title, NEW.excerpt, NEW.tags, NEW.markdown)
           IS NOT DISTINCT FROM (OLD.title, OLD.excerpt, OLD.tags, OLD.markdown) THEN
        RETURN NEW;
    END IF;
    lang := (SELECT language FROM search_settings);
    ranked := setweight(to_tsvector(lang, NEW.title), 'A')
        || setweight(to_tsvector(lang, array_to_string(NEW.tags, ' ')), 'B')
        || setweight(to_tsvector(lang, NEW.excerpt), 'B');
    NEW.search_rank_vector := ranked;
    NEW.search_vector := ranked || setweight(to_tsvector(lang, left(NEW.markdown, 200000)), 'C');
    RETURN NEW;
END
$$;

DROP TRIGGER posts_snippet_source_update ON posts;
DROP TRIGGER posts_snippet_source_insert ON posts;
DROP FUNCTION posts_snippet_source_refresh();
DROP TABLE post_snippet_sources;

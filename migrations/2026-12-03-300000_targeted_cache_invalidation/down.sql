DROP TRIGGER post_slug_aliases_notify_truncate ON post_slug_aliases;
DROP TRIGGER post_slug_aliases_notify_delete ON post_slug_aliases;
DROP TRIGGER post_slug_aliases_notify_update ON post_slug_aliases;
DROP TRIGGER post_slug_aliases_notify_insert ON post_slug_aliases;
CREATE TRIGGER post_slug_aliases_notify_content
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON post_slug_aliases
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_content();

DROP TRIGGER tag_names_notify_truncate ON tag_names;
DROP TRIGGER tag_names_notify_delete ON tag_names;
DROP TRIGGER tag_names_notify_update ON tag_names;
DROP TRIGGER tag_names_notify_insert ON tag_names;
CREATE TRIGGER tag_names_notify_content
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tag_names
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_content();

DROP TRIGGER tags_notify_truncate ON tags;
DROP TRIGGER tags_notify_delete ON tags;
DROP TRIGGER tags_notify_update ON tags;
DROP TRIGGER tags_notify_insert ON tags;
CREATE TRIGGER tags_notify_content
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tags
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_content();

DROP TRIGGER posts_notify_truncate ON posts;
DROP TRIGGER posts_notify_delete ON posts;
DROP TRIGGER posts_notify_update ON posts;
DROP TRIGGER posts_notify_insert ON posts;
CREATE TRIGGER posts_notify_content
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON posts
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_content();

DROP FUNCTION folio_notify_collections();
DROP FUNCTION folio_notify_posts();

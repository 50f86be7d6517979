-- Every Folio instance keeps an in-process cache of published reads. A
-- change to anything those reads show announces itself on the
-- `folio_content` channel when its transaction commits, so every
-- instance (and any other writer: the CLI, a migration, hand-written SQL)
-- invalidates its cache. PostgreSQL folds identical notifications of one
-- transaction into one, so a statement that touches many rows sends one.
CREATE FUNCTION folio_notify_content() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('folio_content', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER posts_notify_content
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON posts
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_content();
CREATE TRIGGER tags_notify_content
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tags
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_content();
CREATE TRIGGER tag_names_notify_content
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tag_names
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_content();
CREATE TRIGGER post_slug_aliases_notify_content
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON post_slug_aliases
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_content();
CREATE TRIGGER search_settings_notify_content
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON search_settings
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_content();
-- Users only as far as readers see them (authors): not on logins, password
-- changes or token revocations, which are frequent and change no page.
CREATE TRIGGER users_notify_content
    AFTER INSERT OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION folio_notify_content();
CREATE TRIGGER users_profile_notify_content
    AFTER UPDATE ON users
    FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name
       OR OLD.slug IS DISTINCT FROM NEW.slug
       OR OLD.bio IS DISTINCT FROM NEW.bio
       OR OLD.avatar_url IS DISTINCT FROM NEW.avatar_url
       OR OLD.role IS DISTINCT FROM NEW.role
       OR OLD.disabled_at IS DISTINCT FROM NEW.disabled_at
       OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION folio_notify_content();

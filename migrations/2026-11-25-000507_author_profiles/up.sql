-- Public author profiles: a URL name, a bio and an avatar. Never the email.
ALTER TABLE users
    ADD COLUMN slug       text CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 200),
    ADD COLUMN bio        text CHECK (length(bio) <= 2000),
    ADD COLUMN avatar_url text CHECK (length(avatar_url) <= 2048);

-- A user created without a slug gets one from their name (ASCII letters
-- and digits; numbered when taken), so code that creates users need not
-- know about profiles. The slug does not follow later renames: links to
-- an author keep working.
CREATE FUNCTION users_default_slug() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    base      text;
    candidate text;
    n         integer := 1;
BEGIN
    IF NEW.slug IS NOT NULL THEN
        RETURN NEW;
    END IF;
    base := trim(BOTH '-' FROM left(regexp_replace(lower(NEW.name), '[^a-z0-9]+', '-', 'g'), 180));
    IF base = '' THEN
        base := 'author';
    END IF;
    candidate := base;
    WHILE EXISTS (SELECT 1 FROM users WHERE slug = candidate AND id <> NEW.id) LOOP
        n := n + 1;
        candidate := base || '-' || n;
    END LOOP;
    NEW.slug := candidate;
    RETURN NEW;
END
$$;

CREATE TRIGGER users_default_slug BEFORE INSERT OR UPDATE OF slug ON users
    FOR EACH ROW EXECUTE FUNCTION users_default_slug();

-- One user at a time, so each sees the slugs given before it.
DO $$
DECLARE
    u record;
BEGIN
    FOR u IN SELECT id FROM users ORDER BY created_at, id LOOP
        UPDATE users SET slug = NULL WHERE id = u.id;
    END LOOP;
END
$$;

ALTER TABLE users ALTER COLUMN slug SET NOT NULL;
CREATE UNIQUE INDEX users_slug_key ON users (slug);

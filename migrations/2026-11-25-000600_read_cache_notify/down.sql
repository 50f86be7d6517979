DROP TRIGGER users_profile_notify_content ON users;
DROP TRIGGER users_notify_content ON users;
DROP TRIGGER search_settings_notify_content ON search_settings;
DROP TRIGGER post_slug_aliases_notify_content ON post_slug_aliases;
DROP TRIGGER tag_names_notify_content ON tag_names;
DROP TRIGGER tags_notify_content ON tags;
DROP TRIGGER posts_notify_content ON posts;
DROP FUNCTION folio_notify_content();

DROP TABLE post_slug_aliases;

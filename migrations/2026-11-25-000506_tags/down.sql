DROP INDEX posts_tags_idx;
DROP TABLE tag_names;
DROP TABLE tags;

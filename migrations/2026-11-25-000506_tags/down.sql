DROP TABLE tag_names;
DROP TABLE tags;

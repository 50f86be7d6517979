DROP TABLE post_revisions;

ALTER TABLE post_revisions ALTER COLUMN snapshot SET COMPRESSION default;
ALTER TABLE posts
    ALTER COLUMN markdown SET COMPRESSION default,
    ALTER COLUMN html SET COMPRESSION default,
    ALTER COLUMN plain_text SET COMPRESSION default,
    ALTER COLUMN toc SET COMPRESSION default,
    ALTER COLUMN search_vector SET COMPRESSION default;

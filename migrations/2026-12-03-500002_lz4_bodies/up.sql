-- A post's row is larger than PostgreSQL's 2 KB TOAST threshold as soon as
-- its body is a few paragraphs (Markdown, HTML and plain text side by
-- side), so every write compresses its largest values, and every revision
-- its snapshot. pglz, the default, was the largest single cost of a post
-- write in PostgreSQL (7% of its CPU under `bench/load.sh`'s POST row);
-- lz4 compresses several times faster, and decompresses faster for reads.
-- Values already stored keep their compression until they are rewritten.
ALTER TABLE posts
    ALTER COLUMN markdown SET COMPRESSION lz4,
    ALTER COLUMN html SET COMPRESSION lz4,
    ALTER COLUMN plain_text SET COMPRESSION lz4,
    ALTER COLUMN toc SET COMPRESSION lz4,
    ALTER COLUMN search_vector SET COMPRESSION lz4;
ALTER TABLE post_revisions ALTER COLUMN snapshot SET COMPRESSION lz4;

-- A search reads the first 2,000 characters of each hit's plain text for
-- its snippet. PostgreSQL reads a prefix of a TOASTed value by fetching
-- only the chunks that hold it, unless the value is compressed with lz4:
-- then it fetches every chunk of it first (lz4 cannot say how much input a
-- prefix needs), so a search hit on a long post cost as much as reading the
-- whole text. Stored uncompressed, the prefix is one or two chunks whatever
-- the post's length, and a write no longer compresses the plain text
-- (it is the smallest of the three bodies; the Markdown and HTML stay lz4).
-- Values already stored keep their form until they are rewritten.
ALTER TABLE posts ALTER COLUMN plain_text SET STORAGE EXTERNAL;

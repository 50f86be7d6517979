DROP TRIGGER posts_track_delete ON posts;
DROP TRIGGER posts_track_change ON posts;
DROP FUNCTION posts_track_change();
DROP TABLE post_tombstones;
DROP INDEX posts_change_seq_key;
ALTER TABLE posts DROP COLUMN change_seq;
DROP FUNCTION folio_next_post_change();
DROP TABLE post_change_counter;

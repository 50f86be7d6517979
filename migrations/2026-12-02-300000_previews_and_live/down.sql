DROP INDEX events_sync_token_idx;
DROP TABLE post_previews;

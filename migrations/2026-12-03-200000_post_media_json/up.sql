-- The media library items a post's body and feature image refer to, as
-- they were when the post was rendered: what the post JSON shows
-- frontends that build their own <picture> (sizes, variants, placeholder),
-- read with the post and no further query. Which posts use which item is
-- `post_media`, written in the same transaction.
ALTER TABLE posts ADD COLUMN media jsonb NOT NULL DEFAULT '[]'::jsonb;

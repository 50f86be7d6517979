-- Every change to a post's content keeps a snapshot: who, when, what.
CREATE TABLE post_revisions (
    post_id    uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    -- 1, 2, 3… per post; numbers are never reused, even after pruning.
    number     integer NOT NULL CHECK (number > 0),
    -- Null once the user who made it is gone.
    user_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    snapshot   jsonb NOT NULL CHECK (jsonb_typeof(snapshot) = 'object'),
    PRIMARY KEY (post_id, number)
);

-- Back to one counter row, holding the last number taken.
CREATE TABLE post_change_counter (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    value     bigint NOT NULL
);
INSERT INTO post_change_counter (singleton, value)
SELECT true, CASE WHEN is_called THEN last_value ELSE 0 END FROM post_change_seq;

DROP FUNCTION folio_post_change_horizon();

CREATE OR REPLACE FUNCTION folio_next_post_change() RETURNS bigint LANGUAGE sql AS $$
    UPDATE post_change_counter SET value = value + 1 RETURNING value
$$;

DROP SEQUENCE post_change_seq;

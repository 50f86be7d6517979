-- Change numbers that do not serialise writers.
--
-- Until now every change took the next number from one counter row and
-- held the row until commit, so changes committed in number order, and
-- every writer queued behind the one before it. Now the numbers come from
-- a plain sequence: no writer waits for another, but a change may commit
-- after a higher-numbered one. Readers keep the old guarantee ("a reader
-- that has seen change N has seen every change below N") by reading only
-- up to a horizon below which every number is final, committed or rolled
-- back: `folio_post_change_horizon()`.
--
-- How the horizon is known. Before its first change, a transaction takes a
-- shared advisory lock whose key holds a number below any it is about to
-- take (the sequence's last value, read before its `nextval`). The lock is
-- visible to every session in `pg_locks` at once, committed or not, and
-- held until the transaction ends. A reader first reads the sequence's
-- last value, then the smallest such lock: every number up to the smaller
-- of the two belongs to a transaction that has ended, or to none. A
-- statement that starts after that (its snapshot is newer) sees all of
-- them that committed. Keys are (0x6663 << 48) | number, apart from
-- Folio's other advisory locks (0x666f6c69…); no writer waits on them.
CREATE SEQUENCE post_change_seq;
SELECT setval('post_change_seq', greatest(value, 1), value > 0) FROM post_change_counter;

CREATE OR REPLACE FUNCTION folio_next_post_change() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction (the setting is local to it, and undone with
    -- a subtransaction that rolls back, as the lock is).
    IF coalesce(current_setting('folio.post_change_bound', true), '') = '' THEN
        PERFORM pg_advisory_xact_lock_shared(
            (26211::bigint << 48)
            | (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM post_change_seq));
        PERFORM set_config('folio.post_change_bound', 'held', true);
    END IF;
    RETURN nextval('post_change_seq');
END
$$;

-- The highest change number at or below which every number is final.
-- Call it in a statement of its own, before the statement (or the
-- repeatable-read transaction) that reads changes up to it: that one's
-- snapshot must be taken after it.
CREATE FUNCTION folio_post_change_horizon() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    allocated bigint;
    in_flight bigint;
BEGIN
    -- In this order: a number taken after the first read is above it; one
    -- taken before it is either in a lock seen by the second, or in a
    -- transaction that ended before the second.
    SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO allocated
    FROM post_change_seq;
    SELECT min(((l.classid::bigint & 65535) << 32) | l.objid::bigint) INTO in_flight
    FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.classid::bigint >> 16 = 26211
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database());
    RETURN least(allocated, in_flight);
END
$$;

DROP TABLE post_change_counter;

-- Login throttling by back-off instead of a hard lock. Each key is an
-- account and address together (`pair:`), an address (`address:`) or an
-- account (`account:`). After its free failures, every further failure
-- makes the key wait twice as long before its next attempt, up to the
-- window; failures older than the window are forgotten. The counters are
-- transient, so the old table is replaced rather than migrated.
DROP TABLE login_throttle;
CREATE TABLE login_throttle (
    key           text PRIMARY KEY,
    -- The lowercased email of `pair:` and `account:` keys, so an admin can
    -- clear every key of an account at once.
    account       text,
    failures      integer NOT NULL CHECK (failures >= 0),
    last_failure  timestamptz NOT NULL,
    blocked_until timestamptz
);
CREATE INDEX login_throttle_account_idx ON login_throttle (account);
CREATE INDEX login_throttle_last_failure_idx ON login_throttle (last_failure);

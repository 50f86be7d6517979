-- Failed-login counters, per account and per client address, in fixed
-- windows. In PostgreSQL so the limit holds across every instance.
CREATE TABLE login_throttle (
    -- `account:<email>` or `address:<ip or IPv6 /64>`
    key          text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    failures     integer NOT NULL CHECK (failures >= 0)
);
CREATE INDEX login_throttle_window_idx ON login_throttle (window_start);

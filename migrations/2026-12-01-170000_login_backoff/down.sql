DROP TABLE login_throttle;
CREATE TABLE login_throttle (
    key          text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    failures     integer NOT NULL CHECK (failures >= 0)
);
CREATE INDEX login_throttle_window_idx ON login_throttle (window_start);

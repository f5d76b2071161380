-- The seed's two tables, plus what the platform tracks: who may act on a session, its egresses,
-- the webhook deliveries already taken (LiveKit retries with the same id), and a score summary.

CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  room_name TEXT NOT NULL,
  started_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  ended_at TIMESTAMPTZ,
  egress_id TEXT,
  status TEXT NOT NULL DEFAULT 'active'
);

CREATE TABLE IF NOT EXISTS session_events (
  id SERIAL PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id),
  event_type TEXT NOT NULL,
  payload JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

ALTER TABLE sessions
  ADD COLUMN IF NOT EXISTS owner_key_sha256 BYTEA,
  ADD COLUMN IF NOT EXISTS created_by TEXT NOT NULL DEFAULT 'api',
  ADD COLUMN IF NOT EXISTS status_reason TEXT,
  ADD COLUMN IF NOT EXISTS processing_started_at TIMESTAMPTZ,
  ADD COLUMN IF NOT EXISTS processing_finished_at TIMESTAMPTZ,
  ADD COLUMN IF NOT EXISTS output TEXT,
  ADD COLUMN IF NOT EXISTS score_summary JSONB,
  ADD COLUMN IF NOT EXISTS updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW();

CREATE INDEX IF NOT EXISTS sessions_started_at ON sessions (started_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS session_events_session ON session_events (session_id, id);

CREATE TABLE IF NOT EXISTS session_egresses (
  egress_id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id),
  participant_identity TEXT NOT NULL,
  status TEXT NOT NULL,
  input_uri TEXT,
  started_at_ns BIGINT NOT NULL DEFAULT 0,
  duration_ns BIGINT NOT NULL DEFAULT 0,
  reason TEXT,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS session_egresses_session ON session_egresses (session_id);

CREATE TABLE IF NOT EXISTS webhook_deliveries (
  delivery_id TEXT PRIMARY KEY,
  event TEXT NOT NULL,
  session_id TEXT,
  received_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- A participant who leaves and joins again is recorded in parts, each by its own egress into
-- `participants/<identity>/part-<n>/` (the first into `participants/<identity>/`).
ALTER TABLE session_egresses ADD COLUMN IF NOT EXISTS part INTEGER NOT NULL DEFAULT 1;

-- The PostgreSQL store's tables (videoscope.library.postgres); idempotent, run on every open.
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE IF NOT EXISTS indexes (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, models JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL);
CREATE TABLE IF NOT EXISTS videos (
    id TEXT PRIMARY KEY, index_id TEXT NOT NULL REFERENCES indexes(id) ON DELETE CASCADE,
    content_hash TEXT NOT NULL, filename TEXT NOT NULL, duration DOUBLE PRECISION NOT NULL,
    width INTEGER, height INTEGER, fps DOUBLE PRECISION, size_bytes BIGINT,
    user_metadata JSONB NOT NULL, timeline TEXT NOT NULL, embeddings BYTEA,
    created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL);
CREATE INDEX IF NOT EXISTS videos_by_index ON videos(index_id, created_at);
CREATE TABLE IF NOT EXISTS moments (
    id BIGSERIAL PRIMARY KEY, index_id TEXT NOT NULL,
    video_id TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    modality TEXT NOT NULL CHECK (modality IN ('visual', 'speech', 'text')),
    start DOUBLE PRECISION NOT NULL CHECK (start >= 0),
    "end" DOUBLE PRECISION NOT NULL CHECK ("end" >= start),
    text TEXT NOT NULL,
    words TSVECTOR GENERATED ALWAYS AS
        (to_tsvector('english', text) || to_tsvector('simple', text)) STORED);
CREATE INDEX IF NOT EXISTS moments_by_video ON moments(video_id);
CREATE INDEX IF NOT EXISTS moments_words ON moments USING GIN (words);
CREATE TABLE IF NOT EXISTS vectors (
    moment_id BIGINT PRIMARY KEY REFERENCES moments(id) ON DELETE CASCADE,
    index_id TEXT NOT NULL, space TEXT NOT NULL, dim INTEGER NOT NULL,
    embedding VECTOR NOT NULL);
CREATE INDEX IF NOT EXISTS vectors_by_space ON vectors(index_id, space);

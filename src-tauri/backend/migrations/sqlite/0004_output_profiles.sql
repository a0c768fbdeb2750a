-- Output profiles (manual 8.3.5): each profile is its JSON (kinmu_shared::api::OutputProfile),
-- and every file a profile wrote is recorded, so its retention deletes only its own files.

CREATE TABLE attendance_output_profiles (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name_key    TEXT NOT NULL UNIQUE,
    profile     TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE attendance_output_files (
    profile_id  BIGINT NOT NULL REFERENCES attendance_output_profiles(id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    written_at  BIGINT NOT NULL,
    row_count   BIGINT NOT NULL,
    byte_count  BIGINT NOT NULL,
    PRIMARY KEY (profile_id, path)
);

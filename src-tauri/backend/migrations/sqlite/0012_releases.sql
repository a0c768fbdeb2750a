-- Client releases (issue 20, modules and releases): each release is a version of the desktop's
-- files for one platform, published into the TUF repository under <data-dir>/updates/repository;
-- the rows say what was published (every file with its length and SHA-256, as signed in the
-- targets metadata) and which release of each platform is offered to the clients.
CREATE TABLE update_releases (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    version       TEXT NOT NULL,
    platform      TEXT NOT NULL,
    published_at  BIGINT NOT NULL,
    published_by  TEXT,
    offered       BIGINT NOT NULL DEFAULT 0,
    UNIQUE (platform, version)
);

CREATE TABLE update_release_files (
    release_id  BIGINT NOT NULL REFERENCES update_releases(id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    length      BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    PRIMARY KEY (release_id, path)
);

-- The repository's signing is one process's work at a time (publish, key rotation, the
-- re-signing of expiring metadata): a lease on this single row, renewed while held.
CREATE TABLE update_repository_lease (
    id            BIGINT PRIMARY KEY,
    holder        TEXT NOT NULL,
    heartbeat_at  BIGINT NOT NULL
);

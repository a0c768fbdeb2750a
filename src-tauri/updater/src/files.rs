//! File operations the layout relies on: hashing, copying with a hash check, writing a small file
//! atomically (a temporary file, flushed to disk, renamed over the old one), and release paths
//! that are safe on Windows and Linux alike.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::fault::Faults;
use crate::{Error, Result, io};

/// A file's length and SHA-256 (hex).
pub fn hash_file(path: &Path) -> Result<(u64, String)> {
    let mut f = File::open(path).map_err(io(format!("cannot open {}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut len = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(io(format!("cannot read {}", path.display())))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((len, hex::encode(hasher.finalize())))
}

/// Copies `source` to `dest` (created), checking on the way that it has `length` bytes with SHA-256
/// `sha256`, and flushes it to disk. `halfway` runs once, after the first block is written (the
/// crash tests stop there).
pub fn copy_verified(source: &Path, dest: &Path, length: u64, sha256: &str, halfway: impl FnOnce()) -> Result<()> {
    let mut input = File::open(source).map_err(io(format!("cannot open {}", source.display())))?;
    let mut output = File::create(dest).map_err(io(format!("cannot create {}", dest.display())))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut written = 0u64;
    let mut halfway = Some(halfway);
    loop {
        let n = input.read(&mut buf).map_err(io(format!("cannot read {}", source.display())))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        output.write_all(&buf[..n]).map_err(io(format!("cannot write {}", dest.display())))?;
        written += n as u64;
        if let Some(h) = halfway.take() {
            output.flush().map_err(io(format!("cannot write {}", dest.display())))?;
            h();
        }
    }
    let found = hex::encode(hasher.finalize());
    if written != length || found != sha256 {
        drop(output);
        let _ = std::fs::remove_file(dest);
        return Err(Error::HashMismatch {
            path: source.display().to_string(),
            expected: sha256.to_string(),
            found,
            expected_len: length,
            found_len: written,
        });
    }
    output.sync_all().map_err(io(format!("cannot flush {}", dest.display())))
}

/// Flushes a folder's entries (a rename inside it) to disk. On Windows a folder cannot be opened
/// this way; there the rename itself is the durable step (NTFS journals it).
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        File::open(dir).and_then(|d| d.sync_all()).map_err(io(format!("cannot flush the folder {}", dir.display())))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Replaces `path` with `bytes` atomically: a temporary file beside it is written and flushed, then
/// renamed over `path` (on Windows `MoveFileEx` with replace, which std's rename uses), and the
/// folder flushed. A reader sees the old content or the new, never a part. `fault` names the point
/// between the temporary file and the rename.
pub fn write_atomically(path: &Path, bytes: &[u8], faults: &Faults, fault: &str) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp"));
    {
        let mut f = File::create(&tmp).map_err(io(format!("cannot create {}", tmp.display())))?;
        f.write_all(bytes).map_err(io(format!("cannot write {}", tmp.display())))?;
        f.sync_all().map_err(io(format!("cannot flush {}", tmp.display())))?;
    }
    faults.point(fault);
    std::fs::rename(&tmp, path).map_err(io(format!("cannot replace {}", path.display())))?;
    sync_dir(dir)
}

/// Checks a path inside a release (`ui/app.js`): plain names separated by `/`, none empty, `.` or
/// `..`, no `\`, `:` or control characters (Windows reads those otherwise), and answers it as a
/// relative path.
pub fn release_path(rel: &str) -> Result<PathBuf> {
    let bad = |why: &str| Error::Invalid(format!("{rel:?} cannot be a file of a release: {why}"));
    if rel.is_empty() || rel.contains('\\') || rel.contains(':') || rel.chars().any(char::is_control) {
        return Err(bad("use plain names separated by '/'"));
    }
    let mut out = PathBuf::new();
    for part in rel.split('/') {
        if part.is_empty() || part == "." || part == ".." {
            return Err(bad("no empty, '.' or '..' part"));
        }
        out.push(part);
    }
    if !out.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(bad("a relative path only"));
    }
    Ok(out)
}

/// Makes a file executable (Unix); Windows runs files by their extension.
pub fn make_executable(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut perms = std::fs::metadata(path).map_err(io(format!("cannot read {}", path.display())))?.permissions();
        perms.set_mode(perms.mode() | 0o755);
        std::fs::set_permissions(path, perms).map_err(io(format!("cannot make {} executable", path.display())))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// A fresh id (hex): the time in nanoseconds and the process id, hashed.
pub fn fresh_id() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let digest = Sha256::digest(format!("{nanos}-{}-{n}", std::process::id()).as_bytes());
    hex::encode(&digest[..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_paths_are_plain_relative_names() {
        assert_eq!(release_path("ui/app.js").unwrap(), Path::new("ui").join("app.js"));
        for bad in ["", "/etc/passwd", "../x", "a//b", "a/./b", "a\\b", "C:/x", "a/\nb", "a/"] {
            assert!(release_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn an_atomic_write_replaces_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("current.json");
        write_atomically(&p, b"one", &Faults::none(), "x").unwrap();
        write_atomically(&p, b"two", &Faults::none(), "x").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    }

    #[test]
    fn a_copy_with_the_wrong_hash_is_refused_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("a");
        std::fs::write(&src, b"hello").unwrap();
        let (len, sha) = hash_file(&src).unwrap();
        copy_verified(&src, &dir.path().join("b"), len, &sha, || {}).unwrap();
        assert_eq!(std::fs::read(dir.path().join("b")).unwrap(), b"hello");
        let err = copy_verified(&src, &dir.path().join("c"), len, &"0".repeat(64), || {}).unwrap_err();
        assert!(matches!(err, Error::HashMismatch { .. }), "{err}");
        assert!(!dir.path().join("c").exists());
    }
}

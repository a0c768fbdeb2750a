//! The repository's signing keys: Ed25519 key pairs as PKCS#8 (DER) files, written with mode
//! 0600 and never logged. The root key is written where the operator says (to be kept offline);
//! the online keys of the targets, snapshot and timestamp roles live in `<data-dir>/updates/keys/`.

use kinmu_shared::messages::Text;
use std::io::Write;
use std::path::{Path, PathBuf};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::Ed25519KeyPair;
use tough::key_source::KeySource;
use tough::schema::RoleType;
use tough::schema::decoded::{Decoded, Hex};
use tough::schema::key::Key;
use tough::sign::Sign;

use crate::error::{Error, Result};

/// The roles whose keys the server holds, to sign what it publishes and re-sign what expires.
pub const ONLINE_ROLES: [RoleType; 3] = [RoleType::Targets, RoleType::Snapshot, RoleType::Timestamp];

/// A private key in memory (PKCS#8 DER). Its `Debug` shows nothing of it.
pub struct KeyPair {
    der: Vec<u8>,
    public: Key,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyPair(…)")
    }
}

impl KeyPair {
    /// A new Ed25519 key pair from the system's random source.
    pub fn generate() -> Result<KeyPair> {
        let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| Error::Internal("cannot generate a key pair".into()))?;
        KeyPair::from_der(doc.as_ref().to_vec(), Path::new("(new key)"))
    }

    fn from_der(der: Vec<u8>, path: &Path) -> Result<KeyPair> {
        let pair = Ed25519KeyPair::from_pkcs8(&der).map_err(|_| {
            Error::invalid(
                "key",
                Text::new(
                    format!("{} is not an Ed25519 private key in PKCS#8 (DER): give the key file Kinmu wrote", path.display()),
                    format!(
                        "{} は PKCS#8 (DER) の Ed25519 秘密鍵ではありません。Kinmu が書き出した鍵ファイルを指定してください",
                        path.display()
                    ),
                ),
            )
        })?;
        Ok(KeyPair { public: pair.tuf_key(), der })
    }

    /// Reads a key file.
    pub fn read(path: &Path) -> Result<KeyPair> {
        let der = std::fs::read(path).map_err(|e| {
            Error::invalid(
                "key",
                Text::new(
                    format!("cannot read the key file {}: {e}", path.display()),
                    format!("鍵ファイル {} を読めません: {e}", path.display()),
                ),
            )
        })?;
        KeyPair::from_der(der, path)
    }

    /// The public key, as TUF metadata lists it.
    pub fn public(&self) -> &Key {
        &self.public
    }

    /// The key's id (SHA-256 of its canonical JSON, as TUF defines it).
    pub fn key_id(&self) -> Result<Decoded<Hex>> {
        self.public.key_id().map_err(|e| Error::Internal(format!("cannot compute a key id: {e}")))
    }

    /// Writes the key to a new file, readable by its owner only; an existing file is never replaced.
    pub fn write_new(&self, path: &Path) -> Result<()> {
        let mut file = private_file(path, true).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Error::invalid(
                "key",
                Text::new(
                    format!("{} exists already: choose a new file (a key is never overwritten)", path.display()),
                    format!("{} はすでにあります。新しいファイル名を指定してください（鍵は上書きしません）", path.display()),
                ),
            ),
            _ => Error::invalid(
                "key",
                Text::new(
                    format!("cannot write the key file {}: {e}", path.display()),
                    format!("鍵ファイル {} を書き込めません: {e}", path.display()),
                ),
            ),
        })?;
        file.write_all(&self.der)
            .and_then(|_| file.sync_all())
            .map_err(|e| Error::Internal(format!("cannot write {}: {e}", path.display())))
    }

    /// Replaces the key file at `path` whole (a new file renamed over it).
    pub fn write_replacing(&self, path: &Path) -> Result<()> {
        let fresh = path.with_extension("new");
        let _ = std::fs::remove_file(&fresh);
        self.write_new(&fresh)?;
        std::fs::rename(&fresh, path).map_err(|e| Error::Internal(format!("cannot replace {}: {e}", path.display())))
    }

    /// The key as tough signs with it.
    pub fn source(&self) -> Box<dyn KeySource> {
        Box::new(KeyBytes(self.der.clone()))
    }
}

fn private_file(path: &Path, create_new: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if create_new {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// The folder of the online keys, created readable by its owner only.
pub fn online_keys_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Internal(format!("cannot create {}: {e}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::Internal(format!("cannot restrict {}: {e}", dir.display())))?;
    }
    Ok(())
}

/// The file of a role's online key.
pub fn online_key_path(keys_dir: &Path, role: RoleType) -> PathBuf {
    keys_dir.join(format!("{role}.key"))
}

/// The online keys, as tough signs with them.
pub fn online_sources(keys_dir: &Path) -> Result<Vec<Box<dyn KeySource>>> {
    ONLINE_ROLES.iter().map(|r| KeyPair::read(&online_key_path(keys_dir, *r)).map(|k| k.source())).collect()
}

/// A private key held in memory, for tough's signing.
struct KeyBytes(Vec<u8>);

impl std::fmt::Debug for KeyBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyBytes(…)")
    }
}

#[tough::async_trait]
impl KeySource for KeyBytes {
    async fn as_sign(&self) -> std::result::Result<Box<dyn Sign>, Box<dyn std::error::Error + Send + Sync + 'static>> {
        Ok(Box::new(tough::sign::parse_keypair(&self.0)?))
    }

    async fn write(&self, _value: &str, _key_id_hex: &str) -> std::result::Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> {
        Err("Kinmu's keys are written by Kinmu only".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_private_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        let key = KeyPair::generate().unwrap();
        key.write_new(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let again = KeyPair::generate().unwrap().write_new(&path).unwrap_err();
        assert!(again.to_string().contains("exists already"), "{again}");
        assert_eq!(KeyPair::read(&path).unwrap().public(), key.public());
        assert_eq!(format!("{key:?}"), "KeyPair(…)");
        std::fs::write(dir.path().join("junk"), b"not a key").unwrap();
        assert!(KeyPair::read(&dir.path().join("junk")).unwrap_err().to_string().contains("PKCS#8"));
    }
}

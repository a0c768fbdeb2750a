//! Password hashing with Argon2id (the argon2 crate's defaults: 19 MiB, 2 passes). Hashing runs
//! on the blocking pool so a burst of logins never stalls the async workers.

use std::sync::OnceLock;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::error::{Error, Result};

pub fn hash(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
}

pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the login does not exist, so that the answer takes as long
/// as for a real account and does not reveal which logins exist.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash("kinmu-no-such-user-dummy-password").unwrap_or_default())
}

pub async fn hash_blocking(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|e| Error::Internal(format!("hashing task failed: {e}")))?
}

/// Verifies against `stored`, or against a dummy hash when there is none (always false then).
pub async fn verify_blocking(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match stored {
        Some(h) => verify(&password, &h),
        None => {
            let _ = verify(&password, dummy_hash());
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// 32 random bytes as hex: session tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Sessions are stored by the SHA-256 of their token, so a copy of the database opens no session.
pub fn token_digest(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash("Correct-Horse-9").unwrap();
        let b = hash("Correct-Horse-9").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify("Correct-Horse-9", &a));
        assert!(!verify("correct-horse-9", &a));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_digests_stable() {
        let t = random_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, random_token());
        assert_eq!(token_digest("abc"), token_digest("abc"));
        assert_ne!(token_digest("abc"), "abc");
    }
}

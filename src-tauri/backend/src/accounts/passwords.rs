//! Password hashing with Argon2id (the argon2 crate's defaults: 19 MiB, 2 passes). Hashing runs
//! on the blocking pool so a burst of logins never stalls the async workers.

use kinmu_shared::messages::Text;
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::{Error, Result};

/// The least zxcvbn score a new password needs: 3, "safely unguessable" (about 10^10 guesses).
const LEAST_SCORE: u8 = 3;

/// Checks a new password for `login`: the shared rules (length, kinds of characters, the list of
/// common passwords, no login inside), then zxcvbn's estimate of how many guesses it takes, which
/// knows dictionaries, names, keyboard patterns, dates and the leaked-password lists it was built
/// from. The error names `field` and says how to do better.
pub fn check_new(field: &str, password: &str, login: &str, display_name: Option<&str>) -> Result<()> {
    kinmu_shared::validation::password(field, password, login)?;
    let mut known: Vec<&str> = vec![login, "kinmu"];
    known.extend(display_name.into_iter().flat_map(str::split_whitespace));
    let estimate = zxcvbn::zxcvbn(password, &known);
    if u8::from(estimate.score()) >= LEAST_SCORE {
        return Ok(());
    }
    let why = estimate.feedback().and_then(|f| f.warning()).map(|w| format!(" ({w})")).unwrap_or_default();
    Err(Error::invalid(
        field,
        Text::new(
            format!("{field} is too easy to guess{why}: use a longer one, e.g. three or four unrelated words with a number"),
            format!(
                "{}が推測されやすすぎます。関係のない単語3〜4個に数字を加えるなど、もっと長いものにしてください。",
                kinmu_shared::messages::field_label(field, kinmu_shared::Language::Ja)
            ),
        ),
    ))
}

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
    tokio::task::spawn_blocking(move || hash(&password)).await.map_err(|e| Error::Internal(format!("hashing task failed: {e}")))?
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
    fn new_passwords_must_be_hard_to_guess() {
        for weak in ["Password123!", "Aa1!Aa1!Aa1!", "Suzuki-2026"] {
            let e = check_new("password", weak, "suzuki", Some("Suzuki Taro")).unwrap_err().to_api();
            assert_eq!(e.field.as_deref(), Some("password"), "{weak}");
        }
        // Passes the shared rules (length, kinds, the common list) but is a known pattern.
        for guessable in ["Baseball#2026", "Sunshine-2026", "Asdfghjkl-2026"] {
            assert!(kinmu_shared::validation::password("password", guessable, "suzuki").is_ok(), "{guessable}");
            assert!(check_new("password", guessable, "suzuki", None).is_err(), "{guessable}");
        }
        for strong in ["Blue-Harbor-58", "Sakura-Secret-2026!", "river stone lantern 42"] {
            assert!(check_new("password", strong, "suzuki", None).is_ok(), "{strong}");
        }
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

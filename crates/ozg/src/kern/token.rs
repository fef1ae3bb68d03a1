//! Random tokens (sessions, invitations, CSRF, data revisions) and what is stored of them.

use anyhow::{Result, anyhow};
use sha2::{Digest, Sha256};

/// A new random token: 32 bytes from the operating system, as 64 hex characters.
pub fn token() -> Result<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| anyhow!("Zufallszahlen nicht verfügbar: {e}"))?;
    Ok(hex(&b))
}

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// What is stored of a token: its SHA-256, so a copy of the database lets nobody in.
pub fn token_hash(t: &str) -> String {
    hex(&Sha256::digest(t.as_bytes()))
}

/// Constant-time comparison, so a token cannot be guessed byte by byte.
pub fn gleich(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = token().unwrap();
        let b = token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert!(gleich(&a, &a.clone()) && !gleich(&a, &b) && !gleich("ab", "abc"));
    }
}

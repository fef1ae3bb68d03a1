//! [`Abfrage`]: query parameters as a typed value, or a German error naming the parameter;
//! [`serde_fehler`]: the same German reading for form fields.
//!
//! axum's `Query` answers bad query strings (a parameter given twice, a number that is none)
//! with an English plain-text 400; this extractor answers with [`Fehler`], so the portal shows
//! its error page and the API a problem document.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::kern::Fehler;

/// Query parameters deserialised into `T` (use `Option<String>` fields and check the values in
/// the handler, so the message can say what is allowed).
#[derive(Debug, Clone, Copy, Default)]
pub struct Abfrage<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Abfrage<T> {
    type Rejection = Fehler;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Fehler> {
        lesen(parts.uri.query().unwrap_or_default()).map(Abfrage)
    }
}

/// Parses a query string (without `?`).
pub fn lesen<T: DeserializeOwned>(query: &str) -> Result<T, Fehler> {
    serde_urlencoded::from_str(query).map_err(|e| serde_fehler("abfrage", &e.to_string()))
}

/// A deserialisation error of query parameters or form fields as a German [`Fehler`]: at the
/// parameter serde names (duplicate, missing), else at `standard_feld`.
pub fn serde_fehler(standard_feld: &'static str, meldung: &str) -> Fehler {
    let name = |praefix: &str| {
        meldung
            .strip_prefix(praefix)
            .and_then(|r| r.split('`').next())
            .filter(|n| !n.is_empty() && n.len() <= 40)
            .map(str::to_owned)
    };
    if let Some(n) = name("duplicate field `") {
        Fehler::feld(n, "darf nur einmal angegeben werden")
    } else if let Some(n) = name("missing field `") {
        Fehler::feld(n, "fehlt")
    } else {
        Fehler::feld(standard_feld, ozg_domain::meldung::deutsch(meldung))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Probe {
        seite: Option<String>,
        q: Option<String>,
    }

    #[test]
    fn doppelt_genannt() {
        let e = lesen::<Probe>("seite=1&seite=2").unwrap_err();
        assert_eq!(e.status(), axum::http::StatusCode::BAD_REQUEST);
        assert!(e.to_string().contains("seite"), "{e}");
        assert!(e.to_string().contains("nur einmal"), "{e}");
    }

    #[test]
    fn unbekannte_parameter_stoeren_nicht() {
        let p: Probe = lesen("q=a%00b&x=1&seite=%FF").unwrap();
        assert_eq!(p.q.as_deref(), Some("a\0b"));
    }

    proptest! {
        /// Any query string: a value or a German 400, never a panic.
        #[test]
        fn beliebige_abfragen(q in ".{0,200}", roh in proptest::collection::vec(any::<u8>(), 0..200)) {
            for s in [q, String::from_utf8_lossy(&roh).into_owned()] {
                match lesen::<Probe>(&s) {
                    Ok(_) => {}
                    Err(e) => {
                        prop_assert_eq!(e.status(), axum::http::StatusCode::BAD_REQUEST);
                        let text = e.to_string();
                        prop_assert!(!ozg_domain::meldung::klingt_englisch(&text), "{}", text);
                    }
                }
            }
        }
    }
}

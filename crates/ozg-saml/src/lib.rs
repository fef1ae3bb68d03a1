//! SAML 2.0 service provider (SP) for the login with BundID.
//!
//! - [`anfrage`]: the signed `AuthnRequest` for the HTTP-POST binding, with the BundID
//!   `<samlp:Extensions>` block (namespace `https://www.akdb.de/request/2018/09`), the
//!   requested trust level as `RequestedAuthnContext Comparison="minimum"` and an enveloped
//!   RSA-SHA256 signature.
//! - [`antwort_pruefen`]: checks the `SAMLResponse` the browser posts to the ACS: signature
//!   against the IdP metadata, decryption of an `EncryptedAssertion`, Destination/Recipient,
//!   Audience, InResponseTo, time window and status; reads the attributes by `urn:oid:` name.
//! - [`sp_metadaten`] and [`idp_metadaten_lesen`]: the metadata of both sides.
//! - [`Niveau`]: the trust levels and their STORK-QAA names.
//!
//! XML signatures and decryption go through samael (libxmlsec1/libxml2); the request is
//! written here because samael's `AuthnRequest` has no `Extensions` and its `post()` needs an
//! inline script (docs/abhaengigkeiten.md, 2.1). The BundID specifics (extension block,
//! STORK-QAA levels, attribute OIDs) follow the domain notes, services-domain-rules.md 5.1,
//! which cite the "BundID_Schnittstellenbeschreibung 10.1.0.0", section 10.2.
//!
//! Errors ([`SamlFehler`]) display a plain German sentence for the citizen; the technical
//! reason for the log is [`SamlFehler::detail`].
#![forbid(unsafe_code)]

mod anfrage;
mod antwort;
mod metadaten;
mod niveau;
pub mod oid;
mod schluessel;

pub use anfrage::{PostAnfrage, anfrage};
pub use antwort::{Identitaet, antwort_pruefen};
pub use metadaten::{IdpMetadaten, SpKonfig, idp_metadaten_lesen, sp_metadaten};
pub use niveau::Niveau;

/// Why a login (or its preparation) failed.
///
/// `Display` is the sentence for the citizen, without technical details; [`SamlFehler::detail`]
/// (and `Debug`) carry the reason for the log.
#[derive(Debug, thiserror::Error)]
pub enum SamlFehler {
    /// The portal's own SAML setup is unusable: key, certificate, IdP metadata, request ID.
    #[error(
        "Die Anmeldung mit der BundID ist zurzeit nicht möglich. Bitte versuchen Sie es später erneut."
    )]
    Konfiguration {
        /// What is wrong, for the log.
        detail: String,
    },
    /// The IdP answered with a status other than Success: the citizen cancelled, or the
    /// authentication failed at the IdP.
    #[error("Die Anmeldung wurde abgebrochen.")]
    Abgebrochen {
        /// The status code(s) and message of the response, for the log.
        status: String,
    },
    /// The response cannot be trusted: no or a wrong signature, wrong recipient, audience or
    /// issuer, unreadable or incomplete content.
    #[error("Die Anmeldung konnte nicht bestätigt werden. Bitte melden Sie sich erneut an.")]
    Ungueltig {
        /// What failed, for the log.
        detail: String,
    },
    /// The response is outside its validity window (too old, or not yet valid).
    #[error("Die Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an.")]
    Abgelaufen {
        /// Which time check failed, for the log.
        detail: String,
    },
    /// The response answers a different request than the one this session is waiting for
    /// (an old tab, a second login, or a replay).
    #[error(
        "Diese Anmeldung gehört nicht zu Ihrer aktuellen Sitzung. Bitte melden Sie sich erneut an."
    )]
    FremdeAnfrage {
        /// The expected and the received request IDs, for the log.
        detail: String,
    },
    /// The login is valid, but its trust level is below the one the service requires.
    #[error(
        "Für diesen Dienst reicht das Vertrauensniveau Ihrer Anmeldung nicht aus (verlangt: {verlangt}, Ihre Anmeldung: {erreicht}). Bitte melden Sie sich {} an.",
        verlangt.wie_erreichen()
    )]
    NiveauZuNiedrig {
        /// The level of this login.
        erreicht: Niveau,
        /// The level the service requires.
        verlangt: Niveau,
    },
}

impl SamlFehler {
    /// The technical reason, for the log (never shown to the citizen: it may contain
    /// request IDs, entity IDs or URLs, but never attribute values or keys).
    pub fn detail(&self) -> String {
        match self {
            SamlFehler::Konfiguration { detail }
            | SamlFehler::Ungueltig { detail }
            | SamlFehler::Abgelaufen { detail }
            | SamlFehler::FremdeAnfrage { detail } => detail.clone(),
            SamlFehler::Abgebrochen { status } => format!("status {status}"),
            SamlFehler::NiveauZuNiedrig { erreicht, verlangt } => format!(
                "level {} below the required {}",
                erreicht.stork_stufe(),
                verlangt.stork_stufe()
            ),
        }
    }

    pub(crate) fn konfiguration(detail: impl Into<String>) -> Self {
        SamlFehler::Konfiguration {
            detail: detail.into(),
        }
    }

    pub(crate) fn ungueltig(detail: impl Into<String>) -> Self {
        SamlFehler::Ungueltig {
            detail: detail.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_for_the_citizen_are_german_and_free_of_details() {
        let fehler = SamlFehler::ungueltig("signature of #_abc invalid at https://idp");
        assert_eq!(
            fehler.to_string(),
            "Die Anmeldung konnte nicht bestätigt werden. Bitte melden Sie sich erneut an."
        );
        assert!(fehler.detail().contains("#_abc"));
        let abbruch = SamlFehler::Abgebrochen {
            status: "urn:oasis:names:tc:SAML:2.0:status:Responder".into(),
        };
        assert_eq!(abbruch.to_string(), "Die Anmeldung wurde abgebrochen.");
        let niveau = SamlFehler::NiveauZuNiedrig {
            erreicht: Niveau::Substanziell,
            verlangt: Niveau::Hoch,
        };
        let text = niveau.to_string();
        assert!(text.contains("verlangt: hoch"), "{text}");
        assert!(text.contains("Ihre Anmeldung: substanziell"), "{text}");
        assert!(text.contains("Online-Ausweis"), "{text}");
        assert_eq!(
            niveau.detail(),
            "level STORK-QAA-Level-3 below the required STORK-QAA-Level-4"
        );
    }
}

/// Keys, configurations and an in-process signer for the unit tests.
#[cfg(test)]
pub(crate) mod test_hilfe {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};

    use openssl::asn1::Asn1Time;
    use openssl::bn::BigNum;
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;
    use openssl::x509::{X509, X509NameBuilder};

    use crate::{IdpMetadaten, SpKonfig};

    /// A fresh RSA key (PKCS#8 PEM) and a self-signed certificate (PEM) for `name`, made once
    /// per test process.
    pub(crate) fn schluesselpaar(name: &str) -> (String, String) {
        static PAARE: OnceLock<Mutex<HashMap<String, (String, String)>>> = OnceLock::new();
        let mut paare = PAARE.get_or_init(Default::default).lock().unwrap();
        paare
            .entry(name.to_string())
            .or_insert_with(|| {
                let schluessel = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
                let mut inhaber = X509NameBuilder::new().unwrap();
                inhaber.append_entry_by_text("CN", name).unwrap();
                let inhaber = inhaber.build();
                let mut z = X509::builder().unwrap();
                z.set_version(2).unwrap();
                z.set_serial_number(&BigNum::from_u32(1).unwrap().to_asn1_integer().unwrap())
                    .unwrap();
                z.set_subject_name(&inhaber).unwrap();
                z.set_issuer_name(&inhaber).unwrap();
                z.set_pubkey(&schluessel).unwrap();
                z.set_not_before(&Asn1Time::days_from_now(0).unwrap())
                    .unwrap();
                z.set_not_after(&Asn1Time::days_from_now(30).unwrap())
                    .unwrap();
                z.sign(&schluessel, MessageDigest::sha256()).unwrap();
                (
                    String::from_utf8(schluessel.private_key_to_pem_pkcs8().unwrap()).unwrap(),
                    String::from_utf8(z.build().to_pem().unwrap()).unwrap(),
                )
            })
            .clone()
    }

    pub(crate) fn sp_konfig() -> SpKonfig {
        let (schluessel_pem, zertifikat_pem) = schluesselpaar("sp");
        SpKonfig {
            entity_id: "https://portal.example/saml/metadata".into(),
            acs_url: "https://portal.example/saml/acs".into(),
            schluessel_pem,
            zertifikat_pem,
            anzeigename: "Stadt Rheine – Bürgerportal".into(),
            online_service_id: Some("ozg-test-123".into()),
            zurueck_url: "https://portal.example/anmelden?zurueck=1&x=<y>".into(),
        }
    }

    pub(crate) fn idp_metadaten() -> IdpMetadaten {
        let (_, zertifikat) = schluesselpaar("idp");
        IdpMetadaten {
            entity_id: "https://idp.example/idp".into(),
            sso_post_url: "https://idp.example/sso".into(),
            signaturzertifikate: vec![
                X509::from_pem(zertifikat.as_bytes())
                    .unwrap()
                    .to_der()
                    .unwrap(),
            ],
        }
    }

    pub(crate) fn jetzt() -> jiff::Timestamp {
        "2026-03-01T10:00:00Z".parse().unwrap()
    }

    /// Signs `xml` (which contains one `ds:Signature` template) with the key of `name`.
    pub(crate) fn signieren(xml: &str, name: &str) -> String {
        use samael::crypto::{Crypto, CryptoProvider};
        let (schluessel, _) = schluesselpaar(name);
        let der = PKey::private_key_from_pem(schluessel.as_bytes())
            .unwrap()
            .private_key_to_der()
            .unwrap();
        Crypto::sign_xml(xml, &der).unwrap()
    }

    /// `xmlsec1 --verify` of an AuthnRequest; `None` when the command line tool is missing.
    pub(crate) fn xmlsec1_pruefen(xml: &str, zertifikat_pem: &str) -> Option<bool> {
        let verzeichnis = tempfile::tempdir().unwrap();
        let datei = verzeichnis.path().join("anfrage.xml");
        let zertifikat = verzeichnis.path().join("sp.pem");
        std::fs::write(&datei, xml).unwrap();
        std::fs::write(&zertifikat, zertifikat_pem).unwrap();
        let ausgabe = std::process::Command::new("xmlsec1")
            .arg("--verify")
            .args([
                "--id-attr:ID",
                "urn:oasis:names:tc:SAML:2.0:protocol:AuthnRequest",
            ])
            .arg("--pubkey-cert-pem")
            .arg(&zertifikat)
            .arg(&datei)
            .output()
            .ok()?;
        Some(ausgabe.status.success())
    }
}

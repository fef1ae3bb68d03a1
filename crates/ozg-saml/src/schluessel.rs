//! The SP key and the certificates, from PEM.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use openssl::pkey::{Id, PKey, Private};
use openssl::x509::X509;

use crate::SamlFehler;

/// The SP private key (PKCS#8 or traditional PEM); must be RSA (requests are signed with
/// RSA-SHA256, assertions are encrypted to it with RSA-OAEP or RSA 1.5).
pub(crate) fn privater_schluessel(pem: &str) -> Result<PKey<Private>, SamlFehler> {
    let schluessel = PKey::private_key_from_pem(pem.as_bytes()).map_err(|e| {
        SamlFehler::konfiguration(format!("SP private key is not a readable PEM key: {e}"))
    })?;
    if schluessel.id() != Id::RSA {
        return Err(SamlFehler::konfiguration(
            "SP private key is not an RSA key (RSA-SHA256 signatures, RSA key transport)",
        ));
    }
    Ok(schluessel)
}

/// The DER of the SP key, as xmlsec loads it for signing.
pub(crate) fn privater_schluessel_der(pem: &str) -> Result<Vec<u8>, SamlFehler> {
    privater_schluessel(pem)?
        .private_key_to_der()
        .map_err(|e| SamlFehler::konfiguration(format!("SP private key cannot be encoded: {e}")))
}

/// The certificate as base64 DER, the content of `<ds:X509Certificate>`.
pub(crate) fn zertifikat_base64(pem: &str) -> Result<String, SamlFehler> {
    let zertifikat = X509::from_pem(pem.as_bytes()).map_err(|e| {
        SamlFehler::konfiguration(format!(
            "SP certificate is not a readable PEM certificate: {e}"
        ))
    })?;
    let der = zertifikat
        .to_der()
        .map_err(|e| SamlFehler::konfiguration(format!("SP certificate cannot be encoded: {e}")))?;
    Ok(STANDARD.encode(der))
}

/// Checks that the SP certificate belongs to the SP key (a swapped file would make every
/// signature fail at the IdP, and every encrypted assertion unreadable here).
pub(crate) fn passen_zusammen(
    schluessel_pem: &str,
    zertifikat_pem: &str,
) -> Result<(), SamlFehler> {
    let schluessel = privater_schluessel(schluessel_pem)?;
    let zertifikat = X509::from_pem(zertifikat_pem.as_bytes()).map_err(|e| {
        SamlFehler::konfiguration(format!(
            "SP certificate is not a readable PEM certificate: {e}"
        ))
    })?;
    let oeffentlich = zertifikat
        .public_key()
        .map_err(|e| SamlFehler::konfiguration(format!("SP certificate has no public key: {e}")))?;
    if schluessel.public_eq(&oeffentlich) {
        Ok(())
    } else {
        Err(SamlFehler::konfiguration(
            "SP certificate does not belong to the SP private key",
        ))
    }
}

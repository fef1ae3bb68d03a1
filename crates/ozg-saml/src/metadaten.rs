//! The SP configuration, the SP metadata this portal publishes and the IdP metadata it reads.

use std::fmt;
use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use samael::metadata::{EntityDescriptor, EntityDescriptorType, HTTP_POST_BINDING, KeyDescriptor};

use crate::SamlFehler;
use crate::schluessel;

pub(crate) const NS_MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
pub(crate) const NS_DS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub(crate) const PROTOKOLL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";

/// Content encryption the SP can decrypt (samael 0.0.22: AES-128 in GCM or CBC mode), best
/// first; announced in the metadata so that the IdP picks one of them.
const VERSCHLUESSELUNG: [&str; 3] = [
    "http://www.w3.org/2009/xmlenc11#aes128-gcm",
    "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
    "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
];

/// This portal as a SAML service provider.
#[derive(Clone)]
pub struct SpKonfig {
    /// The SP entity ID (Issuer of requests, Audience of assertions).
    pub entity_id: String,
    /// The Assertion Consumer Service URL (HTTP-POST) the IdP posts the response to.
    pub acs_url: String,
    /// The SP private key (RSA, PKCS#8 PEM): signs requests and decrypts assertions.
    pub schluessel_pem: String,
    /// The SP certificate (PEM) belonging to `schluessel_pem`, published in the metadata.
    pub zertifikat_pem: String,
    /// Shown by BundID as the requesting organisation (`OrganizationDisplayName`).
    pub anzeigename: String,
    /// The BundID online service ID (`OnlineServiceId`), if one was assigned.
    pub online_service_id: Option<String>,
    /// Where BundID's "back" link leads (`BackURL`).
    pub zurueck_url: String,
}

impl fmt::Debug for SpKonfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpKonfig")
            .field("entity_id", &self.entity_id)
            .field("acs_url", &self.acs_url)
            .field("schluessel_pem", &"<geheim>")
            .field(
                "zertifikat_pem",
                &format_args!("<{} bytes>", self.zertifikat_pem.len()),
            )
            .field("anzeigename", &self.anzeigename)
            .field("online_service_id", &self.online_service_id)
            .field("zurueck_url", &self.zurueck_url)
            .finish()
    }
}

impl SpKonfig {
    /// Checks the fields every message needs (not the key: that is read where it is used).
    pub(crate) fn pruefen(&self) -> Result<(), SamlFehler> {
        if self.entity_id.trim().is_empty() {
            return Err(SamlFehler::konfiguration("SP entity_id is empty"));
        }
        for (name, url) in [
            ("acs_url", &self.acs_url),
            ("zurueck_url", &self.zurueck_url),
        ] {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(SamlFehler::konfiguration(format!(
                    "SP {name} is not an http(s) URL: {url:?}"
                )));
            }
        }
        if self.anzeigename.trim().is_empty() {
            return Err(SamlFehler::konfiguration("SP anzeigename is empty"));
        }
        Ok(())
    }
}

/// What the SP needs to know about the IdP (BundID), read from its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpMetadaten {
    /// The IdP entity ID (Issuer of its responses and assertions).
    pub entity_id: String,
    /// The SingleSignOnService location for the HTTP-POST binding.
    pub sso_post_url: String,
    /// The IdP signing certificates (DER), from the `KeyDescriptor`s with `use="signing"`
    /// (or without `use`); a response must be signed by one of them.
    pub signaturzertifikate: Vec<Vec<u8>>,
}

/// Reads IdP metadata: an `EntityDescriptor`, or an `EntitiesDescriptor` of which the first
/// entity with an `IDPSSODescriptor` counts.
///
/// The metadata file is trusted as given (the operator pins it); its own signature and
/// `validUntil` are not checked here.
pub fn idp_metadaten_lesen(xml: &str) -> Result<IdpMetadaten, SamlFehler> {
    let wurzel: EntityDescriptorType = xml
        .parse()
        .map_err(|e| SamlFehler::konfiguration(format!("IdP metadata is not readable: {e}")))?;
    let entitaet = wurzel
        .iter()
        .find(|e| {
            e.idp_sso_descriptors
                .as_ref()
                .is_some_and(|d| !d.is_empty())
        })
        .ok_or_else(|| SamlFehler::konfiguration("IdP metadata has no IDPSSODescriptor"))?;
    idp_aus_entitaet(entitaet)
}

fn idp_aus_entitaet(entitaet: &EntityDescriptor) -> Result<IdpMetadaten, SamlFehler> {
    let entity_id = entitaet
        .entity_id
        .clone()
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| SamlFehler::konfiguration("IdP metadata has no entityID"))?;
    let deskriptoren = entitaet.idp_sso_descriptors.as_deref().unwrap_or_default();
    let sso_post_url = deskriptoren
        .iter()
        .flat_map(|d| &d.single_sign_on_services)
        .find(|dienst| dienst.binding == HTTP_POST_BINDING)
        .map(|dienst| dienst.location.clone())
        .ok_or_else(|| {
            SamlFehler::konfiguration(format!(
                "IdP metadata of {entity_id} has no SingleSignOnService with the HTTP-POST binding"
            ))
        })?;
    let schluessel: Vec<&KeyDescriptor> = deskriptoren
        .iter()
        .flat_map(|d| &d.key_descriptors)
        .collect();
    let zum_signieren =
        |k: &&KeyDescriptor| matches!(k.key_use.as_deref(), None | Some("signing" | ""));
    let mut signaturzertifikate = Vec::new();
    for deskriptor in schluessel.into_iter().filter(zum_signieren) {
        let daten = deskriptor.key_info.x509_data.iter();
        for text in daten.flat_map(|d| &d.certificates) {
            let der = samael::crypto::decode_x509_cert(text).map_err(|e| {
                SamlFehler::konfiguration(format!("IdP certificate is not base64: {e}"))
            })?;
            openssl::x509::X509::from_der(der.der_data()).map_err(|e| {
                SamlFehler::konfiguration(format!("IdP certificate is not a DER certificate: {e}"))
            })?;
            if !signaturzertifikate.contains(&der.der_data().to_vec()) {
                signaturzertifikate.push(der.der_data().to_vec());
            }
        }
    }
    if signaturzertifikate.is_empty() {
        return Err(SamlFehler::konfiguration(format!(
            "IdP metadata of {entity_id} has no signing certificate"
        )));
    }
    Ok(IdpMetadaten {
        entity_id,
        sso_post_url,
        signaturzertifikate,
    })
}

/// The SP metadata to register with the IdP: an `EntityDescriptor` with one `SPSSODescriptor`
/// (`AuthnRequestsSigned="true"`, `WantAssertionsSigned="true"`), the certificate as signing
/// and as encryption key (with the encryption methods the SP can decrypt), the ACS for the
/// HTTP-POST binding and the organisation (`OrganizationDisplayName` = `anzeigename`, the URL
/// is the origin of the ACS URL).
pub fn sp_metadaten(sp: &SpKonfig) -> Result<String, SamlFehler> {
    sp.pruefen()?;
    schluessel::passen_zusammen(&sp.schluessel_pem, &sp.zertifikat_pem)?;
    let zertifikat = schluessel::zertifikat_base64(&sp.zertifikat_pem)?;
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    sp_metadaten_schreiben(&mut w, sp, &zertifikat)
        .map_err(|e| SamlFehler::konfiguration(format!("writing SP metadata failed: {e}")))?;
    String::from_utf8(w.into_inner())
        .map_err(|e| SamlFehler::konfiguration(format!("SP metadata is not UTF-8: {e}")))
}

fn sp_metadaten_schreiben(
    w: &mut Writer<Vec<u8>>,
    sp: &SpKonfig,
    zertifikat: &str,
) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("md:EntityDescriptor")
        .with_attributes([
            ("xmlns:md", NS_MD),
            ("xmlns:ds", NS_DS),
            ("entityID", sp.entity_id.as_str()),
        ])
        .write_inner_content(|w| {
            w.create_element("md:SPSSODescriptor")
                .with_attributes([
                    ("AuthnRequestsSigned", "true"),
                    ("WantAssertionsSigned", "true"),
                    ("protocolSupportEnumeration", PROTOKOLL),
                ])
                .write_inner_content(|w| {
                    for verwendung in ["signing", "encryption"] {
                        w.create_element("md:KeyDescriptor")
                            .with_attribute(("use", verwendung))
                            .write_inner_content(|w| {
                                x509_key_info(w, zertifikat)?;
                                if verwendung == "encryption" {
                                    for methode in VERSCHLUESSELUNG {
                                        w.create_element("md:EncryptionMethod")
                                            .with_attribute(("Algorithm", methode))
                                            .write_empty()?;
                                    }
                                }
                                Ok(())
                            })?;
                    }
                    w.create_element("md:AssertionConsumerService")
                        .with_attributes([
                            ("Binding", HTTP_POST_BINDING),
                            ("Location", sp.acs_url.as_str()),
                            ("index", "0"),
                            ("isDefault", "true"),
                        ])
                        .write_empty()?;
                    Ok(())
                })?;
            w.create_element("md:Organization")
                .write_inner_content(|w| {
                    for element in ["md:OrganizationName", "md:OrganizationDisplayName"] {
                        w.create_element(element)
                            .with_attribute(("xml:lang", "de"))
                            .write_text_content(BytesText::new(&sp.anzeigename))?;
                    }
                    w.create_element("md:OrganizationURL")
                        .with_attribute(("xml:lang", "de"))
                        .write_text_content(BytesText::new(&herkunft(&sp.acs_url)))?;
                    Ok(())
                })?;
            Ok(())
        })?;
    Ok(())
}

/// `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>…`, the certificate as base64 DER.
pub(crate) fn x509_key_info(w: &mut Writer<Vec<u8>>, zertifikat: &str) -> io::Result<()> {
    w.create_element("ds:KeyInfo").write_inner_content(|w| {
        w.create_element("ds:X509Data").write_inner_content(|w| {
            w.create_element("ds:X509Certificate")
                .write_text_content(BytesText::new(zertifikat))?;
            Ok(())
        })?;
        Ok(())
    })?;
    Ok(())
}

/// `https://host:port/` of a URL (its origin with a slash).
fn herkunft(url: &str) -> String {
    match url.split_once("://") {
        Some((schema, rest)) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
            format!("{schema}://{host}/")
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_hilfe::{schluesselpaar, sp_konfig};

    #[test]
    fn sp_metadata_has_acs_keys_and_flags() {
        let sp = sp_konfig();
        let xml = sp_metadaten(&sp).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let wurzel = doc.root_element();
        assert!(wurzel.has_tag_name((NS_MD, "EntityDescriptor")));
        assert_eq!(wurzel.attribute("entityID"), Some(sp.entity_id.as_str()));
        let spsso = wurzel
            .children()
            .find(|n| n.has_tag_name((NS_MD, "SPSSODescriptor")))
            .unwrap();
        assert_eq!(spsso.attribute("AuthnRequestsSigned"), Some("true"));
        assert_eq!(spsso.attribute("WantAssertionsSigned"), Some("true"));
        assert_eq!(
            spsso.attribute("protocolSupportEnumeration"),
            Some(PROTOKOLL)
        );
        let verwendungen: Vec<_> = spsso
            .children()
            .filter(|n| n.has_tag_name((NS_MD, "KeyDescriptor")))
            .map(|n| n.attribute("use").unwrap())
            .collect();
        assert_eq!(verwendungen, ["signing", "encryption"]);
        let acs = spsso
            .children()
            .find(|n| n.has_tag_name((NS_MD, "AssertionConsumerService")))
            .unwrap();
        assert_eq!(acs.attribute("Binding"), Some(HTTP_POST_BINDING));
        assert_eq!(acs.attribute("Location"), Some(sp.acs_url.as_str()));
        let anzeige = doc
            .descendants()
            .find(|n| n.has_tag_name((NS_MD, "OrganizationDisplayName")))
            .unwrap();
        assert_eq!(anzeige.text(), Some("Stadt Rheine – Bürgerportal"));
        let url = doc
            .descendants()
            .find(|n| n.has_tag_name((NS_MD, "OrganizationURL")))
            .unwrap();
        assert_eq!(url.text(), Some("https://portal.example/"));
    }

    #[test]
    fn sp_metadata_round_trips_through_samael() {
        let sp = sp_konfig();
        let xml = sp_metadaten(&sp).unwrap();
        let gelesen: EntityDescriptor = xml.parse().unwrap();
        assert_eq!(gelesen.entity_id.as_deref(), Some(sp.entity_id.as_str()));
        let spsso = &gelesen.sp_sso_descriptors.unwrap()[0];
        assert_eq!(spsso.authn_requests_signed, Some(true));
        assert_eq!(spsso.want_assertions_signed, Some(true));
        assert_eq!(spsso.assertion_consumer_services[0].location, sp.acs_url);
        let schluessel = spsso.key_descriptors.as_ref().unwrap();
        let zertifikat = schluessel::zertifikat_base64(&sp.zertifikat_pem).unwrap();
        for k in schluessel {
            assert_eq!(
                k.key_info.x509_data.as_ref().unwrap().certificates,
                std::slice::from_ref(&zertifikat)
            );
        }
    }

    #[test]
    fn sp_metadata_rejects_a_certificate_of_another_key() {
        let mut sp = sp_konfig();
        sp.zertifikat_pem = schluesselpaar("anderer").1;
        let fehler = sp_metadaten(&sp).unwrap_err();
        assert!(
            matches!(fehler, SamlFehler::Konfiguration { .. }),
            "{fehler:?}"
        );
        assert!(
            fehler.detail().contains("does not belong"),
            "{}",
            fehler.detail()
        );
    }

    #[test]
    fn idp_metadata_is_read_from_entity_and_entities_descriptor() {
        let (_, zertifikat) = schluesselpaar("idp");
        let b64 = schluessel::zertifikat_base64(&zertifikat).unwrap();
        let entitaet = format!(
            r#"<md:EntityDescriptor xmlns:md="{NS_MD}" xmlns:ds="{NS_DS}" entityID="https://idp.example/idp">
  <md:IDPSSODescriptor protocolSupportEnumeration="{PROTOKOLL}" WantAuthnRequestsSigned="true">
    <md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>AAAA</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>
{b64}
</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/redirect"/>
    <md:SingleSignOnService Binding="{HTTP_POST_BINDING}" Location="https://idp.example/post"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"#
        );
        let idp = idp_metadaten_lesen(&entitaet).unwrap();
        assert_eq!(idp.entity_id, "https://idp.example/idp");
        assert_eq!(idp.sso_post_url, "https://idp.example/post");
        assert_eq!(idp.signaturzertifikate.len(), 1);
        let gesamt = format!(
            r#"<md:EntitiesDescriptor xmlns:md="{NS_MD}"><md:EntityDescriptor entityID="https://sp.example"><md:SPSSODescriptor protocolSupportEnumeration="{PROTOKOLL}"><md:AssertionConsumerService Binding="{HTTP_POST_BINDING}" Location="https://sp.example/acs" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>{}</md:EntitiesDescriptor>"#,
            entitaet.replace(&format!(r#" xmlns:md="{NS_MD}""#), "")
        );
        assert_eq!(idp_metadaten_lesen(&gesamt).unwrap(), idp);
    }

    #[test]
    fn idp_metadata_without_post_binding_or_certificate_is_refused() {
        let ohne_post = format!(
            r#"<md:EntityDescriptor xmlns:md="{NS_MD}" entityID="https://idp.example/idp"><md:IDPSSODescriptor protocolSupportEnumeration="{PROTOKOLL}"><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/redirect"/></md:IDPSSODescriptor></md:EntityDescriptor>"#
        );
        let fehler = idp_metadaten_lesen(&ohne_post).unwrap_err();
        assert!(fehler.detail().contains("HTTP-POST"), "{}", fehler.detail());
        let ohne_zertifikat = ohne_post.replace("HTTP-Redirect", "HTTP-POST");
        let fehler = idp_metadaten_lesen(&ohne_zertifikat).unwrap_err();
        assert!(
            fehler.detail().contains("no signing certificate"),
            "{}",
            fehler.detail()
        );
        assert!(idp_metadaten_lesen("<kein xml").is_err());
    }

    #[test]
    fn origin_of_a_url() {
        assert_eq!(
            herkunft("https://portal.example/saml/acs"),
            "https://portal.example/"
        );
        assert_eq!(
            herkunft("http://127.0.0.1:8080/acs?x=1"),
            "http://127.0.0.1:8080/"
        );
    }

    #[test]
    fn debug_hides_the_private_key() {
        let sp = sp_konfig();
        let text = format!("{sp:?}");
        assert!(!text.contains("PRIVATE KEY"), "{text}");
        assert!(text.contains("<geheim>"));
    }
}

//! The signed `AuthnRequest` for BundID, sent with the HTTP-POST binding.

use std::io;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use samael::crypto::{Crypto, CryptoProvider};
use samael::metadata::HTTP_POST_BINDING;

use crate::metadaten::{NS_DS, x509_key_info};
use crate::{IdpMetadaten, Niveau, SamlFehler, SpKonfig, oid, schluessel};

pub(crate) const NS_SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub(crate) const NS_SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// BundID's request extension (services-domain-rules.md 5.1).
pub(crate) const NS_AKDB: &str = "https://www.akdb.de/request/2018/09";
pub(crate) const NS_CLASSIC_UI: &str = "https://www.akdb.de/request/2018/09/classic-ui/v1";

const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

/// What the browser must POST to the IdP: an HTML form with the action `ziel` and the hidden
/// field `SAMLRequest` (plus a `RelayState` if the caller uses one), sent with a visible
/// button (no script needed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostAnfrage {
    /// The IdP SSO URL (HTTP-POST binding), the form's action.
    pub ziel: String,
    /// The base64 of the signed `AuthnRequest` XML, the value of `SAMLRequest`.
    pub saml_request: String,
}

/// The login methods of BundID's `akdb:AuthnMethods`, in the order of the reference
/// implementations, with the lowest level for which each is offered.
///
/// Benutzername is Basisregistrierung, ELSTER substanziell, eID and eIDAS hoch (domain notes
/// 5.1). Authega, FINK and Diia stay disabled: their level is not documented in the sources
/// at hand (to be checked against the Schnittstellenbeschreibung before enabling them).
const METHODEN: [(&str, Option<Niveau>); 7] = [
    ("Authega", None),
    ("Benutzername", Some(Niveau::Basisregistrierung)),
    ("Diia", None),
    ("eID", Some(Niveau::Hoch)),
    ("eIDAS", Some(Niveau::Hoch)),
    ("Elster", Some(Niveau::Substanziell)),
    ("FINK", None),
];

/// Builds the signed `AuthnRequest` asking BundID for a login of at least level `mindestens`.
///
/// `id` is the request ID: an XML NCName, `_` followed by at least 128 random bits in hex;
/// the caller keeps it (with `mindestens`) in the session and passes it to
/// [`crate::antwort_pruefen`]. `jetzt` becomes the `IssueInstant`. The caller renders
/// [`PostAnfrage`] as a form with a visible submit button (no script needed). The request carries `Destination`, `ProtocolBinding` HTTP-POST and the
/// `AssertionConsumerServiceURL`, the Issuer, an enveloped RSA-SHA256 signature (exclusive
/// C14N, SHA-256, with the SP certificate in `KeyInfo`), the BundID extension block
/// (`akdb:AuthenticationRequest Version="2"`: login methods for the level, requested
/// attributes by `urn:oid:` name with bPK2 required, display information) and
/// `RequestedAuthnContext Comparison="minimum"` with the level's STORK-QAA name.
pub fn anfrage(
    sp: &SpKonfig,
    idp: &IdpMetadaten,
    mindestens: Niveau,
    id: &str,
    jetzt: jiff::Timestamp,
) -> Result<PostAnfrage, SamlFehler> {
    sp.pruefen()?;
    if !ist_ncname(id) {
        return Err(SamlFehler::konfiguration(format!(
            "request ID {id:?} is not an XML NCName (letter or '_' first, then letters, digits, '_', '-', '.')"
        )));
    }
    if idp.sso_post_url.trim().is_empty() {
        return Err(SamlFehler::konfiguration("IdP SSO URL is empty"));
    }
    let schluessel = schluessel::privater_schluessel_der(&sp.schluessel_pem)?;
    let zertifikat = schluessel::zertifikat_base64(&sp.zertifikat_pem)?;
    let zeitpunkt = jetzt.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();

    let mut w = Writer::new(Vec::new());
    anfrage_schreiben(&mut w, sp, idp, mindestens, id, &zeitpunkt, &zertifikat)
        .map_err(|e| SamlFehler::konfiguration(format!("writing the AuthnRequest failed: {e}")))?;
    let signiert = Crypto::sign_xml(w.into_inner(), &schluessel)
        .map_err(|e| SamlFehler::konfiguration(format!("signing the AuthnRequest failed: {e}")))?;
    Ok(PostAnfrage {
        ziel: idp.sso_post_url.clone(),
        saml_request: STANDARD.encode(signiert),
    })
}

fn anfrage_schreiben(
    w: &mut Writer<Vec<u8>>,
    sp: &SpKonfig,
    idp: &IdpMetadaten,
    mindestens: Niveau,
    id: &str,
    zeitpunkt: &str,
    zertifikat: &str,
) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("samlp:AuthnRequest")
        .with_attributes([
            ("xmlns:samlp", NS_SAMLP),
            ("xmlns:saml", NS_SAML),
            ("ID", id),
            ("Version", "2.0"),
            ("IssueInstant", zeitpunkt),
            ("Destination", idp.sso_post_url.as_str()),
            ("ProtocolBinding", HTTP_POST_BINDING),
            ("AssertionConsumerServiceURL", sp.acs_url.as_str()),
        ])
        .write_inner_content(|w| {
            // Order from the schema (RequestAbstractType, AuthnRequestType): Issuer,
            // Signature, Extensions, …, RequestedAuthnContext.
            w.create_element("saml:Issuer")
                .write_text_content(BytesText::new(&sp.entity_id))?;
            signaturvorlage(w, id, zertifikat)?;
            w.create_element("samlp:Extensions")
                .write_inner_content(|w| erweiterung(w, sp, mindestens))?;
            w.create_element("samlp:RequestedAuthnContext")
                .with_attribute(("Comparison", "minimum"))
                .write_inner_content(|w| {
                    w.create_element("saml:AuthnContextClassRef")
                        .write_text_content(BytesText::new(mindestens.stork_stufe()))?;
                    Ok(())
                })?;
            Ok(())
        })?;
    Ok(())
}

/// The `ds:Signature` template xmlsec fills in (digest and signature value).
fn signaturvorlage(w: &mut Writer<Vec<u8>>, id: &str, zertifikat: &str) -> io::Result<()> {
    let referenz = format!("#{id}");
    w.create_element("ds:Signature")
        .with_attribute(("xmlns:ds", NS_DS))
        .write_inner_content(|w| {
            w.create_element("ds:SignedInfo").write_inner_content(|w| {
                w.create_element("ds:CanonicalizationMethod")
                    .with_attribute(("Algorithm", EXC_C14N))
                    .write_empty()?;
                w.create_element("ds:SignatureMethod")
                    .with_attribute(("Algorithm", RSA_SHA256))
                    .write_empty()?;
                w.create_element("ds:Reference")
                    .with_attribute(("URI", referenz.as_str()))
                    .write_inner_content(|w| {
                        w.create_element("ds:Transforms").write_inner_content(|w| {
                            for algorithmus in [ENVELOPED, EXC_C14N] {
                                w.create_element("ds:Transform")
                                    .with_attribute(("Algorithm", algorithmus))
                                    .write_empty()?;
                            }
                            Ok(())
                        })?;
                        w.create_element("ds:DigestMethod")
                            .with_attribute(("Algorithm", SHA256))
                            .write_empty()?;
                        w.create_element("ds:DigestValue").write_empty()?;
                        Ok(())
                    })?;
                Ok(())
            })?;
            w.create_element("ds:SignatureValue").write_empty()?;
            x509_key_info(w, zertifikat)
        })?;
    Ok(())
}

/// BundID's `akdb:AuthenticationRequest` (services-domain-rules.md 5.1).
fn erweiterung(w: &mut Writer<Vec<u8>>, sp: &SpKonfig, mindestens: Niveau) -> io::Result<()> {
    w.create_element("akdb:AuthenticationRequest")
        .with_attributes([("xmlns:akdb", NS_AKDB), ("Version", "2")])
        .write_inner_content(|w| {
            w.create_element("akdb:AuthnMethods")
                .write_inner_content(|w| {
                    for (methode, niveau) in METHODEN {
                        let an = niveau.is_some_and(|n| n >= mindestens);
                        w.create_element(format!("akdb:{methode}"))
                            .write_inner_content(|w| {
                                w.create_element("akdb:Enabled").write_text_content(
                                    BytesText::new(if an { "true" } else { "false" }),
                                )?;
                                Ok(())
                            })?;
                    }
                    Ok(())
                })?;
            w.create_element("akdb:RequestedAttributes")
                .write_inner_content(|w| {
                    for (name, pflicht) in oid::ANGEFRAGT {
                        w.create_element("akdb:RequestedAttribute")
                            .with_attributes([
                                ("Name", name),
                                ("RequiredAttribute", if pflicht { "true" } else { "false" }),
                            ])
                            .write_empty()?;
                    }
                    Ok(())
                })?;
            w.create_element("akdb:DisplayInformation")
                .write_inner_content(|w| {
                    w.create_element("classic-ui:Version")
                        .with_attribute(("xmlns:classic-ui", NS_CLASSIC_UI))
                        .write_inner_content(|w| {
                            let mut felder = vec![
                                ("OrganizationDisplayName", sp.anzeigename.as_str()),
                                ("Lang", "de"),
                                ("BackURL", sp.zurueck_url.as_str()),
                            ];
                            if let Some(dienst) = &sp.online_service_id {
                                felder.push(("OnlineServiceId", dienst.as_str()));
                            }
                            for (feld, wert) in felder {
                                w.create_element(format!("classic-ui:{feld}"))
                                    .write_text_content(BytesText::new(wert))?;
                            }
                            Ok(())
                        })?;
                    Ok(())
                })?;
            Ok(())
        })?;
    Ok(())
}

/// An XML NCName as far as SAML IDs need it (ASCII): a letter or `_`, then letters, digits,
/// `_`, `-` or `.`; at most 256 characters.
fn ist_ncname(id: &str) -> bool {
    let mut zeichen = id.chars();
    zeichen
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && zeichen.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && id.len() <= 256
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_hilfe::{idp_metadaten, jetzt, sp_konfig};
    use samael::crypto::CertificateDer;

    fn xml(anfrage: &PostAnfrage) -> String {
        String::from_utf8(STANDARD.decode(&anfrage.saml_request).unwrap()).unwrap()
    }

    fn kind<'a, 'i>(
        knoten: roxmltree::Node<'a, 'i>,
        ns: &str,
        name: &str,
    ) -> roxmltree::Node<'a, 'i> {
        knoten
            .children()
            .find(|n| n.has_tag_name((ns, name)))
            .unwrap_or_else(|| panic!("no {name} below {:?}", knoten.tag_name()))
    }

    fn kinder<'a, 'i>(knoten: roxmltree::Node<'a, 'i>) -> Vec<roxmltree::Node<'a, 'i>> {
        knoten
            .children()
            .filter(roxmltree::Node::is_element)
            .collect()
    }

    #[test]
    fn request_has_the_saml_structure() {
        let sp = sp_konfig();
        let idp = idp_metadaten();
        let anfrage = anfrage(&sp, &idp, Niveau::Substanziell, "_abc123", jetzt()).unwrap();
        assert_eq!(anfrage.ziel, idp.sso_post_url);
        let text = xml(&anfrage);
        let doc = roxmltree::Document::parse(&text).unwrap();
        let wurzel = doc.root_element();
        assert!(wurzel.has_tag_name((NS_SAMLP, "AuthnRequest")));
        assert_eq!(wurzel.attribute("ID"), Some("_abc123"));
        assert_eq!(wurzel.attribute("Version"), Some("2.0"));
        assert_eq!(
            wurzel.attribute("IssueInstant"),
            Some("2026-03-01T10:00:00Z")
        );
        assert_eq!(
            wurzel.attribute("Destination"),
            Some(idp.sso_post_url.as_str())
        );
        assert_eq!(wurzel.attribute("ProtocolBinding"), Some(HTTP_POST_BINDING));
        assert_eq!(
            wurzel.attribute("AssertionConsumerServiceURL"),
            Some(sp.acs_url.as_str())
        );
        let namen: Vec<_> = kinder(wurzel).iter().map(|n| n.tag_name().name()).collect();
        assert_eq!(
            namen,
            ["Issuer", "Signature", "Extensions", "RequestedAuthnContext"]
        );
        assert_eq!(
            kind(wurzel, NS_SAML, "Issuer").text(),
            Some(sp.entity_id.as_str())
        );
        let kontext = kind(wurzel, NS_SAMLP, "RequestedAuthnContext");
        assert_eq!(kontext.attribute("Comparison"), Some("minimum"));
        assert_eq!(
            kind(kontext, NS_SAML, "AuthnContextClassRef").text(),
            Some("STORK-QAA-Level-3")
        );
        let signatur = kind(wurzel, NS_DS, "Signature");
        let signed_info = kind(signatur, NS_DS, "SignedInfo");
        assert_eq!(
            kind(signed_info, NS_DS, "SignatureMethod").attribute("Algorithm"),
            Some(RSA_SHA256)
        );
        let referenz = kind(signed_info, NS_DS, "Reference");
        assert_eq!(referenz.attribute("URI"), Some("#_abc123"));
        assert!(
            !kind(referenz, NS_DS, "DigestValue")
                .text()
                .unwrap_or("")
                .is_empty()
        );
        assert!(
            !kind(signatur, NS_DS, "SignatureValue")
                .text()
                .unwrap_or("")
                .is_empty()
        );
    }

    #[test]
    fn extension_block_is_the_bundid_one() {
        let sp = sp_konfig();
        let anfrage = anfrage(&sp, &idp_metadaten(), Niveau::Hoch, "_x", jetzt()).unwrap();
        let text = xml(&anfrage);
        let doc = roxmltree::Document::parse(&text).unwrap();
        let erweiterungen = kind(doc.root_element(), NS_SAMLP, "Extensions");
        let akdb = kind(erweiterungen, NS_AKDB, "AuthenticationRequest");
        assert_eq!(akdb.attribute("Version"), Some("2"));
        let teile: Vec<_> = kinder(akdb).iter().map(|n| n.tag_name().name()).collect();
        assert_eq!(
            teile,
            ["AuthnMethods", "RequestedAttributes", "DisplayInformation"]
        );

        let methoden: Vec<_> = kinder(kind(akdb, NS_AKDB, "AuthnMethods"))
            .iter()
            .map(|m| {
                let an = kind(*m, NS_AKDB, "Enabled").text().unwrap();
                (m.tag_name().name().to_string(), an == "true")
            })
            .collect();
        let an: Vec<_> = methoden
            .iter()
            .filter(|(_, an)| *an)
            .map(|(m, _)| m.as_str())
            .collect();
        assert_eq!(an, ["eID", "eIDAS"]);
        assert_eq!(methoden.len(), 7);

        let attribute: Vec<_> = kinder(kind(akdb, NS_AKDB, "RequestedAttributes"))
            .iter()
            .map(|a| {
                assert!(a.has_tag_name((NS_AKDB, "RequestedAttribute")));
                (
                    a.attribute("Name").unwrap(),
                    a.attribute("RequiredAttribute").unwrap(),
                )
            })
            .collect();
        assert_eq!(attribute[0], (oid::BPK2, "true"));
        for name in [
            oid::VORNAME,
            oid::NACHNAME,
            oid::EMAIL,
            oid::STRASSE,
            oid::PLZ,
            oid::ORT,
            oid::GEBURTSDATUM,
        ] {
            assert!(attribute.contains(&(name, "false")), "{name}");
        }
        assert!(
            attribute
                .iter()
                .all(|(name, _)| name.starts_with("urn:oid:"))
        );

        let anzeige = kind(
            kind(akdb, NS_AKDB, "DisplayInformation"),
            NS_CLASSIC_UI,
            "Version",
        );
        let felder: Vec<_> = kinder(anzeige)
            .iter()
            .map(|f| (f.tag_name().name(), f.text().unwrap()))
            .collect();
        assert_eq!(
            felder,
            [
                ("OrganizationDisplayName", "Stadt Rheine – Bürgerportal"),
                ("Lang", "de"),
                ("BackURL", "https://portal.example/anmelden?zurueck=1&x=<y>"),
                ("OnlineServiceId", "ozg-test-123"),
            ]
        );
    }

    #[test]
    fn login_methods_follow_the_level() {
        let sp = sp_konfig();
        let an = |niveau| {
            let anfrage = anfrage(&sp, &idp_metadaten(), niveau, "_x", jetzt()).unwrap();
            let text = xml(&anfrage);
            let doc = roxmltree::Document::parse(&text).unwrap();
            let methoden = doc
                .descendants()
                .find(|n| n.has_tag_name((NS_AKDB, "AuthnMethods")))
                .unwrap();
            kinder(methoden)
                .iter()
                .filter(|m| kind(**m, NS_AKDB, "Enabled").text() == Some("true"))
                .map(|m| m.tag_name().name().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            an(Niveau::Basisregistrierung),
            ["Benutzername", "eID", "eIDAS", "Elster"]
        );
        assert_eq!(an(Niveau::Substanziell), ["eID", "eIDAS", "Elster"]);
        assert_eq!(an(Niveau::Hoch), ["eID", "eIDAS"]);
    }

    #[test]
    fn without_online_service_id_the_element_is_left_out() {
        let mut sp = sp_konfig();
        sp.online_service_id = None;
        let text = xml(&anfrage(&sp, &idp_metadaten(), Niveau::Hoch, "_x", jetzt()).unwrap());
        assert!(!text.contains("OnlineServiceId"), "{text}");
    }

    #[test]
    fn signature_verifies_with_xmlsec_and_breaks_on_change() {
        let sp = sp_konfig();
        let anfrage = anfrage(&sp, &idp_metadaten(), Niveau::Hoch, "_sig1", jetzt()).unwrap();
        let text = xml(&anfrage);
        let zertifikat = CertificateDer::from(
            openssl::x509::X509::from_pem(sp.zertifikat_pem.as_bytes())
                .unwrap()
                .to_der()
                .unwrap(),
        );
        let gepruefter = Crypto::reduce_xml_to_signed(
            &text,
            std::slice::from_ref(&zertifikat),
            samael::crypto::ReduceMode::ValidateAndMarkNoAncestors,
        )
        .unwrap();
        assert!(gepruefter.contains("STORK-QAA-Level-4"));
        assert!(gepruefter.contains("akdb:AuthenticationRequest"));

        let geaendert = text.replace("STORK-QAA-Level-4", "STORK-QAA-Level-1");
        assert!(
            Crypto::reduce_xml_to_signed(
                &geaendert,
                std::slice::from_ref(&zertifikat),
                samael::crypto::ReduceMode::ValidateAndMarkNoAncestors,
            )
            .is_err()
        );
        // The xmlsec1 command line agrees (when it is installed).
        if let Some(ergebnis) = crate::test_hilfe::xmlsec1_pruefen(&text, &sp.zertifikat_pem) {
            assert!(ergebnis, "xmlsec1 --verify rejected the request");
        }
    }

    #[test]
    fn bad_ids_and_keys_are_configuration_errors() {
        let sp = sp_konfig();
        for id in ["", "1abc", "a b", "_x\"y", "ä"] {
            let fehler = anfrage(&sp, &idp_metadaten(), Niveau::Hoch, id, jetzt()).unwrap_err();
            assert!(
                matches!(fehler, SamlFehler::Konfiguration { .. }),
                "{id}: {fehler:?}"
            );
        }
        let mut kaputt = sp_konfig();
        kaputt.schluessel_pem =
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".into();
        let fehler = anfrage(&kaputt, &idp_metadaten(), Niveau::Hoch, "_x", jetzt()).unwrap_err();
        assert!(matches!(fehler, SamlFehler::Konfiguration { .. }));
        assert!(
            !fehler.to_string().contains("PEM"),
            "no details for the citizen"
        );
    }
}

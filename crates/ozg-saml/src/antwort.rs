//! Checks the `SAMLResponse` BundID posts to the ACS and reads the identity from it.

use std::collections::HashMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jiff::{SignedDuration, Timestamp};
use samael::crypto::{
    AllowedSignatureAlgorithm, CertificateDer, Crypto, CryptoProvider, ReduceMode,
};
use samael::schema::{Assertion, CipherValue, Response};

use crate::anfrage::{NS_SAML, NS_SAMLP};
use crate::metadaten::NS_DS;
use crate::{IdpMetadaten, Niveau, SamlFehler, SpKonfig, oid, schluessel};

/// How far the clocks of IdP and SP may differ.
const ZEITTOLERANZ: SignedDuration = SignedDuration::from_secs(120);
/// How old a response or assertion (its `IssueInstant`) may be when it arrives: the browser
/// posts it right after the IdP issued it.
const HOECHSTALTER: SignedDuration = SignedDuration::from_secs(10 * 60);
/// More than any real response (a few KiB; a browser form post).
const HOECHSTLAENGE: usize = 1024 * 1024;

const NS_XENC: &str = "http://www.w3.org/2001/04/xmlenc#";
const STATUS_ERFOLG: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/// Signature algorithms accepted from the IdP (no SHA-1).
const ERLAUBTE_ALGORITHMEN: [AllowedSignatureAlgorithm; 6] = [
    AllowedSignatureAlgorithm::RsaSha256,
    AllowedSignatureAlgorithm::RsaSha384,
    AllowedSignatureAlgorithm::RsaSha512,
    AllowedSignatureAlgorithm::EcdsaSha256,
    AllowedSignatureAlgorithm::EcdsaSha384,
    AllowedSignatureAlgorithm::EcdsaSha512,
];

/// The citizen as BundID identified them.
#[derive(Clone, PartialEq, Eq)]
pub struct Identitaet {
    /// The stable person key: the bPK2 if the response has one, else the NameID.
    pub schluessel: String,
    /// The trust level of this login (from `EID-CITIZEN-QAA-LEVEL`, else the
    /// `AuthnContextClassRef`).
    pub niveau: Niveau,
    /// givenName.
    pub vorname: Option<String>,
    /// surname.
    pub nachname: Option<String>,
    /// mail.
    pub email: Option<String>,
    /// postalAddress (street and house number).
    pub strasse: Option<String>,
    /// postalCode.
    pub plz: Option<String>,
    /// locality.
    pub ort: Option<String>,
    /// birthdate, as BundID sends it.
    pub geburtsdatum: Option<String>,
}

impl Identitaet {
    /// This identity if its level is at least `verlangt`, else
    /// [`SamlFehler::NiveauZuNiedrig`]. The caller passes the level it requested with
    /// [`crate::anfrage`] (kept in the session with the request ID): BundID may answer a
    /// `minimum` request with a lower level, e.g. when the citizen has no eID.
    pub fn mindestens(self, verlangt: Niveau) -> Result<Self, SamlFehler> {
        if self.niveau >= verlangt {
            Ok(self)
        } else {
            Err(SamlFehler::NiveauZuNiedrig {
                erreicht: self.niveau,
                verlangt,
            })
        }
    }
}

/// Personal data stays out of logs: `Debug` shows only the level and which fields are set.
impl fmt::Debug for Identitaet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gesetzt = |feld: &Option<String>| if feld.is_some() { "gesetzt" } else { "-" };
        f.debug_struct("Identitaet")
            .field(
                "schluessel",
                &format_args!("<{} Zeichen>", self.schluessel.chars().count()),
            )
            .field("niveau", &self.niveau)
            .field("vorname", &gesetzt(&self.vorname))
            .field("nachname", &gesetzt(&self.nachname))
            .field("email", &gesetzt(&self.email))
            .field("strasse", &gesetzt(&self.strasse))
            .field("plz", &gesetzt(&self.plz))
            .field("ort", &gesetzt(&self.ort))
            .field("geburtsdatum", &gesetzt(&self.geburtsdatum))
            .finish()
    }
}

/// Checks a `SAMLResponse` (the base64 form value) and returns the identity in it.
///
/// - A status other than Success is [`SamlFehler::Abgebrochen`] (whether signed or not: it
///   only ever ends the login).
/// - The Response or the Assertion must carry a valid signature (RSA or ECDSA with SHA-2) by
///   one of the IdP's metadata certificates; only the signed part is read (samael reduces the
///   document to it). A signature on the Response that does not verify is refused even if the
///   assertion inside is signed.
/// - An `EncryptedAssertion` is decrypted with the SP key (samael: RSA-OAEP or RSA 1.5 key
///   transport, AES-128-GCM or -CBC content). Inside a signed Response it is covered by that
///   signature; in an unsigned Response the decrypted assertion must be signed itself.
/// - A signed Response must have `Destination` = ACS URL, an `InResponseTo` (if present) equal
///   to `erwartete_anfrage_id`, the IdP as Issuer (if present) and a recent `IssueInstant`.
/// - The assertion: Issuer = IdP entity ID; `IssueInstant` at most ten minutes old;
///   `Conditions` with `NotBefore`/`NotOnOrAfter` around `jetzt` (two minutes tolerance) and
///   an `AudienceRestriction` naming the SP entity ID; a bearer `SubjectConfirmationData`
///   with `Recipient` = ACS URL, `InResponseTo` = `erwartete_anfrage_id` and a
///   `NotOnOrAfter` after `jetzt`.
///
/// The level is not compared with the requested one here: use [`Identitaet::mindestens`].
/// Replays: the caller keeps `erwartete_anfrage_id` in the session and removes it after this
/// call, whatever its result, so that each request is answered at most once (an empty ID, as
/// when nothing is pending, is [`SamlFehler::FremdeAnfrage`]).
pub fn antwort_pruefen(
    sp: &SpKonfig,
    idp: &IdpMetadaten,
    saml_response_b64: &str,
    erwartete_anfrage_id: &str,
    jetzt: Timestamp,
) -> Result<Identitaet, SamlFehler> {
    sp.pruefen()?;
    if erwartete_anfrage_id.is_empty() {
        return Err(SamlFehler::FremdeAnfrage {
            detail: "no request is pending in this session".into(),
        });
    }
    let xml = dekodieren(saml_response_b64)?;
    let vorab = vorpruefen(&xml)?;
    if let Some(status) = vorab.fehlerstatus {
        return Err(SamlFehler::Abgebrochen { status });
    }
    let zertifikate: Vec<CertificateDer> = idp
        .signaturzertifikate
        .iter()
        .map(|der| CertificateDer::from(der.clone()))
        .collect();
    if zertifikate.is_empty() {
        return Err(SamlFehler::konfiguration(
            "IdP metadata has no signing certificate",
        ));
    }
    let pruefung = Pruefung {
        sp,
        idp,
        erwartete_anfrage_id,
        jetzt,
    };

    let assertion = match signiert(&xml, &zertifikate) {
        Ok(reduziert) => match wurzel(&reduziert)? {
            Wurzel::Antwort => pruefung.signierte_antwort(&reduziert)?,
            Wurzel::Assertion => assertion_lesen(&reduziert)?,
        },
        // An unsigned Response with an encrypted assertion: the assertion must be signed.
        Err(_) if !vorab.antwort_signiert && vorab.verschluesselt => {
            let doc = roxmltree::Document::parse(&xml)
                .map_err(|e| SamlFehler::ungueltig(format!("Response is not readable: {e}")))?;
            let verschluesselt = einzige_assertion(doc.root_element())?;
            let klartext = entschluesseln(verschluesselt, sp)?;
            let reduziert = signiert(&klartext, &zertifikate).map_err(|e| {
                SamlFehler::ungueltig(format!(
                    "neither the Response nor the decrypted Assertion has a valid signature: {e}"
                ))
            })?;
            assertion_lesen(&reduziert)?
        }
        Err(e) if vorab.signaturen == 0 => {
            return Err(SamlFehler::ungueltig(format!(
                "neither the Response nor the Assertion is signed ({e})"
            )));
        }
        Err(e) => {
            return Err(SamlFehler::ungueltig(format!(
                "signature does not verify with the IdP certificates: {e}"
            )));
        }
    };
    pruefung.assertion(&assertion)?;
    identitaet(&assertion)
}

/// The base64 form value as XML text.
fn dekodieren(b64: &str) -> Result<String, SamlFehler> {
    if b64.len() > HOECHSTLAENGE {
        return Err(SamlFehler::ungueltig(format!(
            "SAMLResponse has {} bytes, more than {HOECHSTLAENGE}",
            b64.len()
        )));
    }
    let ohne_leerraum: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = STANDARD
        .decode(ohne_leerraum)
        .map_err(|e| SamlFehler::ungueltig(format!("SAMLResponse is not base64: {e}")))?;
    String::from_utf8(bytes)
        .map_err(|e| SamlFehler::ungueltig(format!("SAMLResponse is not UTF-8: {e}")))
}

/// What the unverified document says before any signature is checked.
struct Vorab {
    /// The status, when it is not Success.
    fehlerstatus: Option<String>,
    /// The Response itself carries a `ds:Signature`.
    antwort_signiert: bool,
    /// `ds:Signature` elements anywhere.
    signaturen: usize,
    /// The Response has an `EncryptedAssertion`.
    verschluesselt: bool,
}

/// Parses the document once without trusting it: well-formed, no DTD (roxmltree refuses
/// one, so no entity tricks reach libxml2), a `samlp:Response` root, and its status.
fn vorpruefen(xml: &str) -> Result<Vorab, SamlFehler> {
    let doc = roxmltree::Document::parse(xml)
        .map_err(|e| SamlFehler::ungueltig(format!("SAMLResponse is not acceptable XML: {e}")))?;
    let wurzel = doc.root_element();
    if !wurzel.has_tag_name((NS_SAMLP, "Response")) {
        return Err(SamlFehler::ungueltig(format!(
            "root element is {:?}, not samlp:Response",
            wurzel.tag_name()
        )));
    }
    let status = kind(wurzel, NS_SAMLP, "Status")
        .ok_or_else(|| SamlFehler::ungueltig("Response has no Status"))?;
    let code = kind(status, NS_SAMLP, "StatusCode")
        .ok_or_else(|| SamlFehler::ungueltig("Status has no StatusCode"))?;
    let fehlerstatus = if code.attribute("Value") == Some(STATUS_ERFOLG) {
        None
    } else {
        let mut teile: Vec<String> =
            std::iter::successors(Some(code), |c| kind(*c, NS_SAMLP, "StatusCode"))
                .map(|c| c.attribute("Value").unwrap_or("(ohne Wert)").to_string())
                .collect();
        if let Some(text) = kind(status, NS_SAMLP, "StatusMessage").and_then(|m| m.text()) {
            teile.push(format!(
                "\"{}\"",
                text.chars().take(200).collect::<String>()
            ));
        }
        Some(teile.join(" "))
    };
    Ok(Vorab {
        fehlerstatus,
        antwort_signiert: kind(wurzel, NS_DS, "Signature").is_some(),
        signaturen: doc
            .descendants()
            .filter(|n| n.has_tag_name((NS_DS, "Signature")))
            .count(),
        verschluesselt: kind(wurzel, NS_SAML, "EncryptedAssertion").is_some(),
    })
}

fn kind<'a, 'i>(
    knoten: roxmltree::Node<'a, 'i>,
    ns: &str,
    name: &str,
) -> Option<roxmltree::Node<'a, 'i>> {
    knoten.children().find(|n| n.has_tag_name((ns, name)))
}

/// Verifies every signature in `xml` against the IdP certificates and returns only the
/// signed part (samael/xmlsec; the root is the Response if it was signed, else the signed
/// Assertion).
fn signiert(
    xml: &str,
    zertifikate: &[CertificateDer],
) -> Result<String, samael::crypto::CryptoError> {
    Crypto::reduce_xml_to_signed_with_allowed_algorithms(
        xml,
        zertifikate,
        ReduceMode::ValidateAndMarkNoAncestors,
        Some(&ERLAUBTE_ALGORITHMEN),
    )
}

enum Wurzel {
    Antwort,
    Assertion,
}

fn wurzel(xml: &str) -> Result<Wurzel, SamlFehler> {
    let doc = roxmltree::Document::parse(xml)
        .map_err(|e| SamlFehler::ungueltig(format!("signed part is not readable: {e}")))?;
    let wurzel = doc.root_element();
    if wurzel.has_tag_name((NS_SAMLP, "Response")) {
        Ok(Wurzel::Antwort)
    } else if wurzel.has_tag_name((NS_SAML, "Assertion")) {
        Ok(Wurzel::Assertion)
    } else {
        Err(SamlFehler::ungueltig(format!(
            "signed part is {:?}, neither a Response nor an Assertion",
            wurzel.tag_name()
        )))
    }
}

fn assertion_lesen(xml: &str) -> Result<Assertion, SamlFehler> {
    if !matches!(wurzel(xml)?, Wurzel::Assertion) {
        return Err(SamlFehler::ungueltig("expected an Assertion"));
    }
    xml.parse()
        .map_err(|e| SamlFehler::ungueltig(format!("Assertion is not readable: {e}")))
}

/// The one `Assertion` or `EncryptedAssertion` child of a Response.
fn einzige_assertion<'a, 'i>(
    antwort: roxmltree::Node<'a, 'i>,
) -> Result<roxmltree::Node<'a, 'i>, SamlFehler> {
    let mut assertionen = antwort.children().filter(|n| {
        n.has_tag_name((NS_SAML, "Assertion")) || n.has_tag_name((NS_SAML, "EncryptedAssertion"))
    });
    match (assertionen.next(), assertionen.next()) {
        (Some(assertion), None) => Ok(assertion),
        (None, _) => Err(SamlFehler::ungueltig("Response has no assertion")),
        (Some(_), Some(_)) => Err(SamlFehler::ungueltig(
            "Response has more than one assertion",
        )),
    }
}

/// Decrypts an `EncryptedAssertion` with the SP key and returns the assertion XML.
///
/// The XML Encryption structure is read here (namespace-aware; samael's own reader wants an
/// `xmlns:ds` declaration on the `KeyInfo` element, which pysaml2 and others put on the root);
/// the decryption itself is samael's (key transport RSA-OAEP with SHA-1 or RSA 1.5, content
/// AES-128-GCM or AES-128-CBC).
fn entschluesseln(
    verschluesselt: roxmltree::Node<'_, '_>,
    sp: &SpKonfig,
) -> Result<String, SamlFehler> {
    let fehlt = |was: &str| SamlFehler::ungueltig(format!("EncryptedAssertion has no {was}"));
    let daten =
        kind(verschluesselt, NS_XENC, "EncryptedData").ok_or_else(|| fehlt("EncryptedData"))?;
    let schluessel_element = kind(daten, NS_DS, "KeyInfo")
        .and_then(|k| kind(k, NS_XENC, "EncryptedKey"))
        .or_else(|| kind(verschluesselt, NS_XENC, "EncryptedKey"))
        .ok_or_else(|| fehlt("EncryptedKey"))?;
    let (schluessel_wert, schluessel_methode) = chiffrat(schluessel_element)?;
    if let Some(digest) = kind(schluessel_element, NS_XENC, "EncryptionMethod")
        .and_then(|m| kind(m, NS_DS, "DigestMethod"))
        .and_then(|d| d.attribute("Algorithm"))
        && digest != "http://www.w3.org/2000/09/xmldsig#sha1"
    {
        return Err(SamlFehler::ungueltig(format!(
            "assertion key uses OAEP with {digest}; only SHA-1 is supported"
        )));
    }
    let (inhalt_wert, inhalt_methode) = chiffrat(daten)?;

    let schluessel = schluessel::privater_schluessel(&sp.schluessel_pem)?;
    let inhaltsschluessel =
        Crypto::decrypt_assertion_key_info(&schluessel_wert, schluessel_methode, &schluessel)
            .map_err(|e| {
                SamlFehler::ungueltig(format!(
                    "assertion key ({schluessel_methode}) cannot be decrypted: {e}"
                ))
            })?;
    let mut klartext =
        Crypto::decrypt_assertion_value_info(&inhalt_wert, inhalt_methode, &inhaltsschluessel)
            .map_err(|e| {
                SamlFehler::ungueltig(format!(
                    "assertion ({inhalt_methode}) cannot be decrypted: {e}"
                ))
            })?;
    if inhalt_methode.ends_with("-cbc") {
        // samael leaves the XML Encryption padding in place: the last byte is its length.
        let polster = klartext.last().copied().map_or(0, usize::from);
        if polster == 0 || polster > 16 || polster > klartext.len() {
            return Err(SamlFehler::ungueltig(
                "decrypted assertion has a bad padding",
            ));
        }
        klartext.truncate(klartext.len() - polster);
    }
    String::from_utf8(klartext)
        .map_err(|e| SamlFehler::ungueltig(format!("decrypted assertion is not UTF-8: {e}")))
}

/// The `CipherValue` and the `EncryptionMethod` algorithm of an `EncryptedData` or
/// `EncryptedKey`.
fn chiffrat<'a>(element: roxmltree::Node<'a, '_>) -> Result<(CipherValue, &'a str), SamlFehler> {
    let name = element.tag_name().name();
    let methode = kind(element, NS_XENC, "EncryptionMethod")
        .and_then(|m| m.attribute("Algorithm"))
        .ok_or_else(|| SamlFehler::ungueltig(format!("{name} has no EncryptionMethod")))?;
    let wert = kind(element, NS_XENC, "CipherData")
        .and_then(|d| kind(d, NS_XENC, "CipherValue"))
        .and_then(|v| v.text())
        .ok_or_else(|| SamlFehler::ungueltig(format!("{name} has no CipherValue")))?;
    let wert: String = wert.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    Ok((CipherValue { value: wert }, methode))
}

struct Pruefung<'a> {
    sp: &'a SpKonfig,
    idp: &'a IdpMetadaten,
    erwartete_anfrage_id: &'a str,
    jetzt: Timestamp,
}

impl Pruefung<'_> {
    /// A signed Response (the reduced XML): its own fields, then its one assertion, decrypted
    /// if need be (the Response signature covers it).
    fn signierte_antwort(&self, reduziert: &str) -> Result<Assertion, SamlFehler> {
        let doc = roxmltree::Document::parse(reduziert)
            .map_err(|e| SamlFehler::ungueltig(format!("signed Response is not readable: {e}")))?;
        let assertion = einzige_assertion(doc.root_element())?;
        let verschluesselt = assertion.has_tag_name((NS_SAML, "EncryptedAssertion"));
        // samael reads the Response without the EncryptedAssertion (see `entschluesseln`).
        let ohne = if verschluesselt {
            let bereich = assertion.range();
            format!(
                "{}{}",
                &reduziert[..bereich.start],
                &reduziert[bereich.end..]
            )
        } else {
            reduziert.to_string()
        };
        let antwort: Response = ohne
            .parse()
            .map_err(|e| SamlFehler::ungueltig(format!("signed Response is not readable: {e}")))?;
        self.antwort(&antwort)?;
        if verschluesselt {
            assertion_lesen(&entschluesseln(assertion, self.sp)?)
        } else {
            antwort
                .assertion
                .ok_or_else(|| SamlFehler::ungueltig("Assertion of the Response is not readable"))
        }
    }

    /// The signed Response's own fields.
    fn antwort(&self, antwort: &Response) -> Result<(), SamlFehler> {
        if let Some(status) = antwort
            .status
            .as_ref()
            .and_then(|s| s.status_code.value.as_deref())
            && status != STATUS_ERFOLG
        {
            return Err(SamlFehler::Abgebrochen {
                status: status.to_string(),
            });
        }
        if let Some(aussteller) = antwort.issuer.as_ref().and_then(|i| i.value.as_deref())
            && aussteller != self.idp.entity_id
        {
            return Err(SamlFehler::ungueltig(format!(
                "Response Issuer {aussteller:?} is not the IdP {:?}",
                self.idp.entity_id
            )));
        }
        if antwort.destination.as_deref() != Some(self.sp.acs_url.as_str()) {
            return Err(SamlFehler::ungueltig(format!(
                "Response Destination {:?} is not the ACS URL {:?}",
                antwort.destination, self.sp.acs_url
            )));
        }
        if let Some(id) = &antwort.in_response_to
            && id != self.erwartete_anfrage_id
        {
            return Err(self.fremde_anfrage("Response", Some(id)));
        }
        self.ausgestellt("Response", zeit(&antwort.issue_instant)?)
    }

    /// The assertion (signed, or inside a signed Response).
    fn assertion(&self, assertion: &Assertion) -> Result<(), SamlFehler> {
        if assertion.issuer.value.as_deref() != Some(self.idp.entity_id.as_str()) {
            return Err(SamlFehler::ungueltig(format!(
                "Assertion Issuer {:?} is not the IdP {:?}",
                assertion.issuer.value, self.idp.entity_id
            )));
        }
        self.ausgestellt("Assertion", zeit(&assertion.issue_instant)?)?;

        let bedingungen = assertion
            .conditions
            .as_ref()
            .ok_or_else(|| SamlFehler::ungueltig("Assertion has no Conditions"))?;
        if let Some(ab) = &bedingungen.not_before {
            self.nicht_vor("Conditions", zeit(ab)?)?;
        }
        if let Some(bis) = &bedingungen.not_on_or_after {
            self.nicht_ab("Conditions", zeit(bis)?)?;
        }
        let zielgruppen = bedingungen
            .audience_restrictions
            .as_deref()
            .unwrap_or_default();
        if zielgruppen.is_empty() {
            return Err(SamlFehler::ungueltig(
                "Assertion has no AudienceRestriction",
            ));
        }
        if let Some(fremd) = zielgruppen
            .iter()
            .find(|z| !z.audience.iter().any(|a| a == &self.sp.entity_id))
        {
            return Err(SamlFehler::ungueltig(format!(
                "AudienceRestriction {:?} does not name the SP {:?}",
                fremd.audience, self.sp.entity_id
            )));
        }
        self.bestaetigung(assertion)
    }

    /// A bearer `SubjectConfirmation` for this SP, this request and now.
    fn bestaetigung(&self, assertion: &Assertion) -> Result<(), SamlFehler> {
        let bestaetigungen = assertion
            .subject
            .as_ref()
            .and_then(|s| s.subject_confirmations.as_deref())
            .unwrap_or_default()
            .iter()
            .filter(|b| b.method.as_deref() == Some(BEARER));
        let mut erster_fehler = None;
        for bestaetigung in bestaetigungen {
            let ergebnis = match &bestaetigung.subject_confirmation_data {
                None => Err(SamlFehler::ungueltig(
                    "bearer SubjectConfirmation without data",
                )),
                Some(daten) => self.bestaetigungsdaten(daten),
            };
            match ergebnis {
                Ok(()) => return Ok(()),
                Err(fehler) => {
                    erster_fehler.get_or_insert(fehler);
                }
            }
        }
        Err(erster_fehler.unwrap_or_else(|| {
            SamlFehler::ungueltig("Assertion has no bearer SubjectConfirmation")
        }))
    }

    fn bestaetigungsdaten(
        &self,
        daten: &samael::schema::SubjectConfirmationData,
    ) -> Result<(), SamlFehler> {
        if daten.recipient.as_deref() != Some(self.sp.acs_url.as_str()) {
            return Err(SamlFehler::ungueltig(format!(
                "SubjectConfirmationData Recipient {:?} is not the ACS URL {:?}",
                daten.recipient, self.sp.acs_url
            )));
        }
        if daten.in_response_to.as_deref() != Some(self.erwartete_anfrage_id) {
            return Err(
                self.fremde_anfrage("SubjectConfirmationData", daten.in_response_to.as_ref())
            );
        }
        let bis = daten
            .not_on_or_after
            .as_ref()
            .ok_or_else(|| SamlFehler::ungueltig("SubjectConfirmationData has no NotOnOrAfter"))?;
        self.nicht_ab("SubjectConfirmationData", zeit(bis)?)?;
        if let Some(ab) = &daten.not_before {
            self.nicht_vor("SubjectConfirmationData", zeit(ab)?)?;
        }
        Ok(())
    }

    fn fremde_anfrage(&self, wo: &str, erhalten: Option<&String>) -> SamlFehler {
        SamlFehler::FremdeAnfrage {
            detail: format!(
                "{wo} InResponseTo {erhalten:?}, expected {:?}",
                self.erwartete_anfrage_id
            ),
        }
    }

    /// `IssueInstant`: not in the future, not older than [`HOECHSTALTER`].
    fn ausgestellt(&self, wo: &str, zeitpunkt: Timestamp) -> Result<(), SamlFehler> {
        self.nicht_vor(&format!("{wo} IssueInstant"), zeitpunkt)?;
        let frist = zeitpunkt
            .checked_add(HOECHSTALTER + ZEITTOLERANZ)
            .unwrap_or(Timestamp::MAX);
        if self.jetzt >= frist {
            return Err(SamlFehler::Abgelaufen {
                detail: format!(
                    "{wo} IssueInstant {zeitpunkt} is older than {HOECHSTALTER:#} at {}",
                    self.jetzt
                ),
            });
        }
        Ok(())
    }

    /// A `NotBefore` (or issue time) that must have been reached.
    fn nicht_vor(&self, wo: &str, ab: Timestamp) -> Result<(), SamlFehler> {
        let grenze = self
            .jetzt
            .checked_add(ZEITTOLERANZ)
            .unwrap_or(Timestamp::MAX);
        if ab > grenze {
            return Err(SamlFehler::Abgelaufen {
                detail: format!("{wo} {ab} is not yet reached at {}", self.jetzt),
            });
        }
        Ok(())
    }

    /// A `NotOnOrAfter` that must not have passed.
    fn nicht_ab(&self, wo: &str, bis: Timestamp) -> Result<(), SamlFehler> {
        let grenze = bis.checked_add(ZEITTOLERANZ).unwrap_or(Timestamp::MAX);
        if self.jetzt >= grenze {
            return Err(SamlFehler::Abgelaufen {
                detail: format!("{wo} NotOnOrAfter {bis} has passed at {}", self.jetzt),
            });
        }
        Ok(())
    }
}

fn zeit(zeitpunkt: &chrono::DateTime<chrono::Utc>) -> Result<Timestamp, SamlFehler> {
    let nanos = i32::try_from(zeitpunkt.timestamp_subsec_nanos()).unwrap_or(0);
    Timestamp::new(zeitpunkt.timestamp(), nanos)
        .map_err(|e| SamlFehler::ungueltig(format!("time {zeitpunkt} out of range: {e}")))
}

/// Reads the attributes (by `urn:oid:` name; the first non-empty value counts), the person
/// key and the level.
fn identitaet(assertion: &Assertion) -> Result<Identitaet, SamlFehler> {
    let mut werte: HashMap<&str, String> = HashMap::new();
    let attribute = assertion
        .attribute_statements
        .iter()
        .flatten()
        .flat_map(|aussage| &aussage.attributes);
    for attribut in attribute {
        let Some(name) = attribut.name.as_deref() else {
            continue;
        };
        let wert = attribut
            .values
            .iter()
            .filter_map(|v| v.value.as_deref())
            .map(str::trim)
            .find(|v| !v.is_empty());
        if let Some(wert) = wert {
            werte.entry(name).or_insert_with(|| wert.to_string());
        }
    }

    let name_id = assertion
        .subject
        .as_ref()
        .and_then(|s| s.name_id.as_ref())
        .map(|n| n.value.trim().to_string())
        .filter(|n| !n.is_empty());
    let schluessel = werte
        .get(oid::BPK2)
        .cloned()
        .or(name_id)
        .ok_or_else(|| SamlFehler::ungueltig("Assertion has neither a bPK2 nor a NameID"))?;

    let niveau = match werte.get(oid::EID_CITIZEN_QAA_LEVEL) {
        Some(wert) => Niveau::aus_stork(wert).ok_or_else(|| {
            SamlFehler::ungueltig(format!("unknown EID-CITIZEN-QAA-LEVEL {wert:?}"))
        })?,
        None => {
            let klasse = assertion
                .authn_statements
                .iter()
                .flatten()
                .filter_map(|a| a.authn_context.as_ref()?.value.as_ref()?.value.as_deref())
                .next()
                .ok_or_else(|| {
                    SamlFehler::ungueltig(
                        "Assertion names no level (neither EID-CITIZEN-QAA-LEVEL nor AuthnContextClassRef)",
                    )
                })?;
            Niveau::aus_stork(klasse).ok_or_else(|| {
                SamlFehler::ungueltig(format!("unknown AuthnContextClassRef {klasse:?}"))
            })?
        }
    };

    let mut feld = |name: &str| werte.remove(name);
    Ok(Identitaet {
        schluessel,
        niveau,
        vorname: feld(oid::VORNAME),
        nachname: feld(oid::NACHNAME),
        email: feld(oid::EMAIL),
        strasse: feld(oid::STRASSE),
        plz: feld(oid::PLZ),
        ort: feld(oid::ORT),
        geburtsdatum: feld(oid::GEBURTSDATUM),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_hilfe::{idp_metadaten, jetzt, signieren, sp_konfig};

    const ANFRAGE: &str = "_anfrage1";

    #[derive(Clone, Copy, PartialEq)]
    enum Signatur {
        Antwort,
        Assertion,
        Keine,
    }

    /// A response as an IdP would send it, signed in-process with the test IdP key.
    #[derive(Clone)]
    struct Vorlage {
        signatur: Signatur,
        signaturschluessel: &'static str,
        algorithmus: (&'static str, &'static str),
        status: String,
        in_response_to: String,
        destination: String,
        aussteller: String,
        ausgestellt: Timestamp,
        gueltig_bis: Timestamp,
        zielgruppe: String,
        empfaenger: String,
        name_id: String,
        klasse: Option<&'static str>,
        attribute: Vec<(&'static str, &'static str)>,
    }

    impl Vorlage {
        fn neu() -> Self {
            let sp = sp_konfig();
            Vorlage {
                signatur: Signatur::Antwort,
                signaturschluessel: "idp",
                algorithmus: (
                    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                    "http://www.w3.org/2001/04/xmlenc#sha256",
                ),
                status: format!(r#"<samlp:StatusCode Value="{STATUS_ERFOLG}"/>"#),
                in_response_to: ANFRAGE.into(),
                destination: sp.acs_url.clone(),
                aussteller: idp_metadaten().entity_id,
                ausgestellt: jetzt(),
                gueltig_bis: jetzt() + SignedDuration::from_mins(5),
                zielgruppe: sp.entity_id,
                empfaenger: sp.acs_url,
                name_id: "persistent-4711".into(),
                klasse: Some("STORK-QAA-Level-4"),
                attribute: vec![
                    (oid::BPK2, "bpk2-eid-0001"),
                    (oid::EID_CITIZEN_QAA_LEVEL, "STORK-QAA-Level-4"),
                    (oid::VORNAME, "Erika"),
                    (oid::NACHNAME, "Mustermann"),
                    (oid::EMAIL, "erika@example.org"),
                    (oid::STRASSE, "Heidestraße 17"),
                    (oid::PLZ, "48431"),
                    (oid::ORT, "Rheine"),
                    (oid::GEBURTSDATUM, "1964-08-12"),
                ],
            }
        }

        fn vorlage(&self, id: &str) -> String {
            let (signatur, digest) = self.algorithmus;
            format!(
                r##"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="{signatur}"/><ds:Reference URI="#{id}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="{digest}"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature>"##
            )
        }

        fn xml(&self) -> String {
            let zeit = |t: Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
            let attribute: String = self
                .attribute
                .iter()
                .map(|(name, wert)| {
                    format!(
                        r#"<saml:Attribute Name="{name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml:AttributeValue xsi:type="xs:string">{wert}</saml:AttributeValue></saml:Attribute>"#
                    )
                })
                .collect();
            let klasse = self.klasse.map_or(String::new(), |k| {
                format!(
                    r#"<saml:AuthnStatement AuthnInstant="{}"><saml:AuthnContext><saml:AuthnContextClassRef>{k}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>"#,
                    zeit(self.ausgestellt)
                )
            });
            let signatur = |wo| {
                if self.signatur == wo {
                    self.vorlage(if wo == Signatur::Antwort {
                        "_r1"
                    } else {
                        "_a1"
                    })
                } else {
                    String::new()
                }
            };
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<samlp:Response xmlns:samlp="{NS_SAMLP}" xmlns:saml="{NS_SAML}" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_r1" Version="2.0" IssueInstant="{ausgestellt}" Destination="{destination}" InResponseTo="{irt}"><saml:Issuer>{aussteller}</saml:Issuer>{antwortsignatur}<samlp:Status>{status}</samlp:Status><saml:Assertion xmlns:saml="{NS_SAML}" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_a1" Version="2.0" IssueInstant="{ausgestellt}"><saml:Issuer>{aussteller}</saml:Issuer>{assertionsignatur}<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{name_id}</saml:NameID><saml:SubjectConfirmation Method="{BEARER}"><saml:SubjectConfirmationData InResponseTo="{irt}" NotOnOrAfter="{bis}" Recipient="{empfaenger}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{ausgestellt}" NotOnOrAfter="{bis}"><saml:AudienceRestriction><saml:Audience>{zielgruppe}</saml:Audience></saml:AudienceRestriction></saml:Conditions>{klasse}<saml:AttributeStatement>{attribute}</saml:AttributeStatement></saml:Assertion></samlp:Response>"#,
                ausgestellt = zeit(self.ausgestellt),
                bis = zeit(self.gueltig_bis),
                destination = self.destination,
                irt = self.in_response_to,
                aussteller = self.aussteller,
                antwortsignatur = signatur(Signatur::Antwort),
                assertionsignatur = signatur(Signatur::Assertion),
                status = self.status,
                name_id = self.name_id,
                empfaenger = self.empfaenger,
                zielgruppe = self.zielgruppe,
            )
        }

        fn signiert(&self) -> String {
            let xml = self.xml();
            match self.signatur {
                Signatur::Keine => xml,
                _ => signieren(&xml, self.signaturschluessel),
            }
        }

        fn b64(&self) -> String {
            STANDARD.encode(self.signiert())
        }

        fn pruefen(&self) -> Result<Identitaet, SamlFehler> {
            antwort_pruefen(
                &sp_konfig(),
                &idp_metadaten(),
                &self.b64(),
                ANFRAGE,
                jetzt(),
            )
        }
    }

    #[test]
    fn signed_response_yields_the_identity() {
        let identitaet = Vorlage::neu().pruefen().unwrap();
        assert_eq!(
            identitaet,
            Identitaet {
                schluessel: "bpk2-eid-0001".into(),
                niveau: Niveau::Hoch,
                vorname: Some("Erika".into()),
                nachname: Some("Mustermann".into()),
                email: Some("erika@example.org".into()),
                strasse: Some("Heidestraße 17".into()),
                plz: Some("48431".into()),
                ort: Some("Rheine".into()),
                geburtsdatum: Some("1964-08-12".into()),
            }
        );
        let protokoll = format!("{identitaet:?}");
        assert!(
            !protokoll.contains("Erika") && !protokoll.contains("bpk2"),
            "{protokoll}"
        );
    }

    #[test]
    fn a_signed_assertion_in_an_unsigned_response_is_enough() {
        let mut vorlage = Vorlage::neu();
        vorlage.signatur = Signatur::Assertion;
        assert_eq!(vorlage.pruefen().unwrap().niveau, Niveau::Hoch);
    }

    #[test]
    fn unsigned_tampered_foreign_or_sha1_signed_responses_are_refused() {
        let mut unsigniert = Vorlage::neu();
        unsigniert.signatur = Signatur::Keine;
        let fehler = unsigniert.pruefen().unwrap_err();
        assert!(matches!(fehler, SamlFehler::Ungueltig { .. }), "{fehler:?}");
        assert!(fehler.detail().contains("is signed"), "{}", fehler.detail());

        for signatur in [Signatur::Antwort, Signatur::Assertion] {
            let mut vorlage = Vorlage::neu();
            vorlage.signatur = signatur;
            let manipuliert = vorlage.signiert().replace("Mustermann", "Musterfrau");
            let fehler = antwort_pruefen(
                &sp_konfig(),
                &idp_metadaten(),
                &STANDARD.encode(manipuliert),
                ANFRAGE,
                jetzt(),
            )
            .unwrap_err();
            assert!(matches!(fehler, SamlFehler::Ungueltig { .. }), "{fehler:?}");
        }

        let mut fremd = Vorlage::neu();
        fremd.signaturschluessel = "angreifer";
        assert!(matches!(fremd.pruefen(), Err(SamlFehler::Ungueltig { .. })));

        let mut sha1 = Vorlage::neu();
        sha1.algorithmus = (
            "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
            "http://www.w3.org/2000/09/xmldsig#sha1",
        );
        assert!(matches!(sha1.pruefen(), Err(SamlFehler::Ungueltig { .. })));
    }

    #[test]
    fn an_unsigned_assertion_added_next_to_the_signed_one_is_never_read() {
        let mut vorlage = Vorlage::neu();
        vorlage.signatur = Signatur::Assertion;
        let signiert = vorlage.signiert();
        let mut boese = Vorlage::neu();
        boese.signatur = Signatur::Keine;
        boese.attribute = vec![
            (oid::BPK2, "bpk2-angreifer"),
            (oid::EID_CITIZEN_QAA_LEVEL, "STORK-QAA-Level-4"),
        ];
        let boese_xml = boese.xml();
        let start = boese_xml.find("<saml:Assertion").unwrap();
        let ende = boese_xml.find("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
        let eingeschleust = boese_xml[start..ende].replace("ID=\"_a1\"", "ID=\"_a2\"");
        let doppelt = signiert.replacen(
            "<saml:Assertion ",
            &format!("{eingeschleust}<saml:Assertion "),
            1,
        );
        // samael keeps only the signed assertion; the injected one is dropped unread.
        let identitaet = antwort_pruefen(
            &sp_konfig(),
            &idp_metadaten(),
            &STANDARD.encode(doppelt),
            ANFRAGE,
            jetzt(),
        )
        .unwrap();
        assert_eq!(identitaet.schluessel, "bpk2-eid-0001");
    }

    #[test]
    fn a_non_success_status_is_a_cancelled_login() {
        for signatur in [Signatur::Antwort, Signatur::Keine] {
            let mut vorlage = Vorlage::neu();
            vorlage.signatur = signatur;
            vorlage.status = r#"<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/></samlp:StatusCode><samlp:StatusMessage>Abbruch durch den Nutzer</samlp:StatusMessage>"#.into();
            let fehler = vorlage.pruefen().unwrap_err();
            let SamlFehler::Abgebrochen { status } = &fehler else {
                panic!("{fehler:?}");
            };
            assert!(
                status.contains("status:Responder urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"),
                "{status}"
            );
            assert!(status.contains("Abbruch durch den Nutzer"), "{status}");
            assert_eq!(fehler.to_string(), "Die Anmeldung wurde abgebrochen.");
        }
    }

    #[test]
    fn a_response_without_a_pending_request_is_refused() {
        let fehler = antwort_pruefen(
            &sp_konfig(),
            &idp_metadaten(),
            &Vorlage::neu().b64(),
            "",
            jetzt(),
        )
        .unwrap_err();
        assert!(
            matches!(fehler, SamlFehler::FremdeAnfrage { .. }),
            "{fehler:?}"
        );
    }

    #[test]
    fn a_response_to_another_request_is_refused() {
        let vorlage = Vorlage::neu();
        let fehler = antwort_pruefen(
            &sp_konfig(),
            &idp_metadaten(),
            &vorlage.b64(),
            "_andere",
            jetzt(),
        )
        .unwrap_err();
        assert!(
            matches!(fehler, SamlFehler::FremdeAnfrage { .. }),
            "{fehler:?}"
        );
        let mut nur_assertion = Vorlage::neu();
        nur_assertion.signatur = Signatur::Assertion;
        let fehler = antwort_pruefen(
            &sp_konfig(),
            &idp_metadaten(),
            &nur_assertion.b64(),
            "_andere",
            jetzt(),
        )
        .unwrap_err();
        assert!(
            matches!(fehler, SamlFehler::FremdeAnfrage { .. }),
            "{fehler:?}"
        );
    }

    #[test]
    fn the_time_window_is_checked_against_jetzt() {
        let vorlage = Vorlage::neu();
        let b64 = vorlage.b64();
        let pruefen =
            |t: Timestamp| antwort_pruefen(&sp_konfig(), &idp_metadaten(), &b64, ANFRAGE, t);
        assert!(pruefen(jetzt() + SignedDuration::from_secs(60)).is_ok());
        assert!(
            pruefen(jetzt() - SignedDuration::from_secs(60)).is_ok(),
            "clock skew"
        );
        for spaeter in [SignedDuration::from_mins(8), SignedDuration::from_hours(24)] {
            let fehler = pruefen(jetzt() + spaeter).unwrap_err();
            assert!(
                matches!(fehler, SamlFehler::Abgelaufen { .. }),
                "{fehler:?}"
            );
        }
        let fehler = pruefen(jetzt() - SignedDuration::from_mins(10)).unwrap_err();
        assert!(
            matches!(fehler, SamlFehler::Abgelaufen { .. }),
            "{fehler:?}"
        );
        assert_eq!(
            fehler.to_string(),
            "Die Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an."
        );
    }

    #[test]
    fn destination_recipient_audience_and_issuer_must_fit() {
        type Aenderung = fn(&mut Vorlage);
        let faelle: [(&str, Aenderung); 4] = [
            ("Destination", |v| {
                v.destination = "https://boese.example/acs".into();
            }),
            ("Recipient", |v| {
                v.signatur = Signatur::Assertion;
                v.empfaenger = "https://boese.example/acs".into();
            }),
            ("AudienceRestriction", |v| {
                v.zielgruppe = "https://anderes-portal.example".into();
            }),
            ("Issuer", |v| {
                v.aussteller = "https://anderer-idp.example".into();
            }),
        ];
        for (was, aendern) in faelle {
            let mut vorlage = Vorlage::neu();
            aendern(&mut vorlage);
            let fehler = vorlage.pruefen().unwrap_err();
            assert!(
                matches!(fehler, SamlFehler::Ungueltig { .. }),
                "{was}: {fehler:?}"
            );
            assert!(fehler.detail().contains(was), "{was}: {}", fehler.detail());
        }
    }

    #[test]
    fn level_comes_from_the_attribute_else_from_the_class_reference() {
        let mut vorlage = Vorlage::neu();
        vorlage
            .attribute
            .retain(|(name, _)| *name != oid::EID_CITIZEN_QAA_LEVEL);
        vorlage.klasse = Some("STORK-QAA-Level-3");
        assert_eq!(vorlage.pruefen().unwrap().niveau, Niveau::Substanziell);

        vorlage.klasse = None;
        assert!(matches!(
            vorlage.pruefen(),
            Err(SamlFehler::Ungueltig { .. })
        ));

        let mut vorlage = Vorlage::neu();
        vorlage
            .attribute
            .retain(|(name, _)| *name != oid::EID_CITIZEN_QAA_LEVEL);
        vorlage
            .attribute
            .push((oid::EID_CITIZEN_QAA_LEVEL, "STORK-QAA-Level-1"));
        let identitaet = vorlage.pruefen().unwrap();
        assert_eq!(
            identitaet.niveau,
            Niveau::Basisregistrierung,
            "attribute wins over the class"
        );
        assert_eq!(
            identitaet
                .clone()
                .mindestens(Niveau::Basisregistrierung)
                .unwrap(),
            identitaet
        );
        let fehler = identitaet.mindestens(Niveau::Substanziell).unwrap_err();
        assert!(
            matches!(
                fehler,
                SamlFehler::NiveauZuNiedrig {
                    erreicht: Niveau::Basisregistrierung,
                    verlangt: Niveau::Substanziell
                }
            ),
            "{fehler:?}"
        );
    }

    #[test]
    fn without_bpk2_the_name_id_is_the_key_and_missing_attributes_are_none() {
        let mut vorlage = Vorlage::neu();
        vorlage.attribute = vec![(oid::EID_CITIZEN_QAA_LEVEL, "STORK-QAA-Level-1")];
        let identitaet = vorlage.pruefen().unwrap();
        assert_eq!(identitaet.schluessel, "persistent-4711");
        assert_eq!(identitaet.vorname, None);
        assert_eq!(identitaet.ort, None);
    }

    #[test]
    fn garbage_is_refused_before_xmlsec_sees_it() {
        let sp = sp_konfig();
        let idp = idp_metadaten();
        for eingabe in [
            "!!!".to_string(),
            STANDARD.encode("kein xml"),
            STANDARD.encode(r#"<!DOCTYPE x [<!ENTITY a "b">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&a;</samlp:Response>"#),
            STANDARD.encode(r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>"#),
            "A".repeat(HOECHSTLAENGE + 1),
        ] {
            let fehler = antwort_pruefen(&sp, &idp, &eingabe, ANFRAGE, jetzt()).unwrap_err();
            assert!(matches!(fehler, SamlFehler::Ungueltig { .. }), "{fehler:?}");
        }
    }

    /// The response with its assertion (signed if `vorlage` says so) encrypted to the SP
    /// certificate (RSA-OAEP, `methode` AES-128-GCM or -CBC), the prefixes `xenc`/`ds`
    /// declared on the Response as pysaml2 does; the Response signed if `antwort_signieren`.
    fn verschluesselt(vorlage: &Vorlage, methode: &str, antwort_signieren: bool) -> String {
        use openssl::rsa::Padding;
        use openssl::symm::{Cipher, encrypt, encrypt_aead};
        let xml = vorlage.signiert();
        let start = xml.find("<saml:Assertion").unwrap();
        let ende = xml.find("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
        let klartext = &xml[start..ende];
        let mut schluessel = [0u8; 16];
        openssl::rand::rand_bytes(&mut schluessel).unwrap();
        let chiffrat = if methode.ends_with("gcm") {
            let mut iv = [0u8; 12];
            openssl::rand::rand_bytes(&mut iv).unwrap();
            let mut etikett = [0u8; 16];
            let inhalt = encrypt_aead(
                Cipher::aes_128_gcm(),
                &schluessel,
                Some(&iv),
                &[],
                klartext.as_bytes(),
                &mut etikett,
            )
            .unwrap();
            [&iv[..], &inhalt, &etikett].concat()
        } else {
            let mut iv = [0u8; 16];
            openssl::rand::rand_bytes(&mut iv).unwrap();
            let inhalt = encrypt(
                Cipher::aes_128_cbc(),
                &schluessel,
                Some(&iv),
                klartext.as_bytes(),
            )
            .unwrap();
            [&iv[..], &inhalt].concat()
        };
        let zertifikat =
            openssl::x509::X509::from_pem(sp_konfig().zertifikat_pem.as_bytes()).unwrap();
        let rsa = zertifikat.public_key().unwrap().rsa().unwrap();
        let mut verpackt = vec![0u8; rsa.size() as usize];
        let laenge = rsa
            .public_encrypt(&schluessel, &mut verpackt, Padding::PKCS1_OAEP)
            .unwrap();
        verpackt.truncate(laenge);
        let verschluesselt = format!(
            r#"<saml:EncryptedAssertion><xenc:EncryptedData Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="{methode}"/><ds:KeyInfo><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>"#,
            STANDARD.encode(verpackt),
            STANDARD.encode(chiffrat)
        );
        let mut antwort = format!("{}{verschluesselt}{}", &xml[..start], &xml[ende..]).replacen(
            "<samlp:Response ",
            &format!(r#"<samlp:Response xmlns:xenc="{NS_XENC}" xmlns:ds="{NS_DS}" "#),
            1,
        );
        if antwort_signieren {
            antwort = antwort.replacen(
                "<samlp:Status>",
                &format!("{}<samlp:Status>", vorlage.vorlage("_r1")),
                1,
            );
            antwort = signieren(&antwort, "idp");
        }
        STANDARD.encode(antwort)
    }

    #[test]
    fn an_encrypted_assertion_is_decrypted_with_gcm_and_cbc() {
        let sp = sp_konfig();
        let idp = idp_metadaten();
        for methode in [
            "http://www.w3.org/2009/xmlenc11#aes128-gcm",
            "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
        ] {
            // Signed Response around an unsigned assertion; unsigned Response around a signed one.
            for (antwort_signiert, signatur) in
                [(true, Signatur::Keine), (false, Signatur::Assertion)]
            {
                let mut vorlage = Vorlage::neu();
                vorlage.signatur = signatur;
                let b64 = verschluesselt(&vorlage, methode, antwort_signiert);
                assert!(
                    !String::from_utf8(STANDARD.decode(&b64).unwrap())
                        .unwrap()
                        .contains("Mustermann")
                );
                let identitaet = antwort_pruefen(&sp, &idp, &b64, ANFRAGE, jetzt())
                    .unwrap_or_else(|e| panic!("{methode} {antwort_signiert}: {e:?}"));
                assert_eq!(identitaet.nachname.as_deref(), Some("Mustermann"));
                assert_eq!(identitaet.strasse.as_deref(), Some("Heidestraße 17"));
            }
            // Neither signed: refused after decryption.
            let mut vorlage = Vorlage::neu();
            vorlage.signatur = Signatur::Keine;
            let fehler = antwort_pruefen(
                &sp,
                &idp,
                &verschluesselt(&vorlage, methode, false),
                ANFRAGE,
                jetzt(),
            )
            .unwrap_err();
            assert!(matches!(fehler, SamlFehler::Ungueltig { .. }), "{fehler:?}");
            assert!(
                fehler.detail().contains("decrypted Assertion"),
                "{}",
                fehler.detail()
            );
        }
    }

    #[test]
    fn base64_with_line_breaks_is_accepted() {
        let b64 = Vorlage::neu().b64();
        let umbrochen: String = b64
            .as_bytes()
            .chunks(76)
            .map(|z| format!("{}\r\n", std::str::from_utf8(z).unwrap()))
            .collect();
        assert!(
            antwort_pruefen(&sp_konfig(), &idp_metadaten(), &umbrochen, ANFRAGE, jetzt()).is_ok()
        );
    }
}

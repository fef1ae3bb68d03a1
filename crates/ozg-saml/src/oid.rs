//! BundID attribute names (`urn:oid:…`, NameFormat `uri`).
//!
//! From the domain notes (services-domain-rules.md 5.1, taken from an open-source BundID
//! client; to be cross-checked against the BundID_Schnittstellenbeschreibung). Only the
//! attributes this crate requests and reads are listed.

/// bPK2, the pseudonymous person key: the stable key of a citizen towards this portal.
pub const BPK2: &str = "urn:oid:1.3.6.1.4.1.25484.494450.3";
/// The trust level of the login (`STORK-QAA-Level-…`).
pub const EID_CITIZEN_QAA_LEVEL: &str = "urn:oid:1.2.40.0.10.2.1.1.261.94";
/// givenName.
pub const VORNAME: &str = "urn:oid:2.5.4.42";
/// surname.
pub const NACHNAME: &str = "urn:oid:2.5.4.4";
/// mail.
pub const EMAIL: &str = "urn:oid:0.9.2342.19200300.100.1.3";
/// postalAddress (street and house number).
pub const STRASSE: &str = "urn:oid:2.5.4.16";
/// postalCode.
pub const PLZ: &str = "urn:oid:2.5.4.17";
/// locality.
pub const ORT: &str = "urn:oid:2.5.4.7";
/// birthdate.
pub const GEBURTSDATUM: &str = "urn:oid:1.2.40.0.10.2.1.1.55";

/// The attributes the request asks for, with `RequiredAttribute`: bPK2 required, the rest not.
pub(crate) const ANGEFRAGT: [(&str, bool); 9] = [
    (BPK2, true),
    (EID_CITIZEN_QAA_LEVEL, false),
    (VORNAME, false),
    (NACHNAME, false),
    (EMAIL, false),
    (STRASSE, false),
    (PLZ, false),
    (ORT, false),
    (GEBURTSDATUM, false),
];

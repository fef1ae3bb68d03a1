//! Domain rules of the OZG programme database, free of IO and async.
//!
//! - [`antrag`]: the lifecycle of an Antrag (states, events, who may act, reasons).
//! - [`formular`]: a service's form as typed data (steps, fields, conditions, validation).
//! - [`portal`]: trust levels of citizens' logins, staff roles of authorities, Antragsnummern.
//! - [`access`]: roles, permissions, password rules, login throttling and session lifetime.
//! - [`charts`]: the data of the plan document's two charts (start timeline, priority matrix).
//! - [`ids`]: parse-don't-validate newtypes (OZG-ID, Leistungsschlüssel, AGS, ARS, Quartal).
//! - [`project`]: Projektstart, priorities, Zielportal, roles, phases and the derived status.
//! - [`fachlichkeit`]: the reviewed vocabulary of Fachlichkeiten (canonical terms, spellings).
//! - [`orgs`]: organisation kinds and the resolution of names as the plan writes them.
//! - [`search`]: German search normalisation (umlaut folding, stemming, prefix terms).
//! - [`plan`]: the TOML file format of the transcribed Umsetzungsplan.
//! - [`dataset`]: builds and validates the complete dataset from the data files.
//! - [`governance`]: IT-Lenkungsausschuss votes (Umlaufverfahren), quorum, majority and decisions.
//! - [`anhang`]: checks for uploaded attachments (size, type by content, safe file names).
//! - [`rueckmeldung`]: feedback on accessibility (required fields, throttling, retention).
//! - [`zustaendigkeit`]: which authority is responsible for a service in a Gemeinde; PLZ/Ort → Gemeinde.
//! - [`schluessel!`]: one declaration for the keyed enums (key, label, parse with German errors).

pub mod access;
pub mod anhang;
pub mod antrag;
pub mod charts;
pub mod dataset;
pub mod fachlichkeit;
pub mod formular;
pub mod governance;
pub mod ids;
pub mod meldung;
pub mod netz;
pub mod orgs;
pub mod plan;
pub mod portal;
pub mod project;
pub mod rueckmeldung;
pub mod schluessel;
pub mod search;
pub mod zustaendigkeit;

//! The platform core: what every capability uses, and nothing any one capability owns.
//!
//! - [`zustand`]: the application state ([`AppState`]) with per-capability caches.
//! - [`fehler`]: the one error type [`Fehler`] (HTML page or problem JSON) and [`Feldfehler`].
//! - [`db`]: the storage (SQLite, PostgreSQL), [`sql!`](crate::sql) and [`db::SqlBuilder`],
//!   typed database errors.
//! - [`sitzung`], [`formular`]: who is logged in; forms that pass one Origin/CSRF/permission
//!   check ([`Formular`], [`Hochladen`]); [`abfrage`]: query parameters with German errors.
//! - [`passwort`]: Argon2id on a bounded pool, login attempts for throttling.
//! - [`person`]: sessions of the citizens' portal (citizens, staff of an authority), the
//!   extractor [`person::Portal`].
//! - [`routen`], [`schreibrouten`], [`app`]: route declaration (write routes with their
//!   `Aktion`) and building the portal from the capabilities' [`Baustein`]s.
//! - [`audit`]: the append-only audit log with typed records; [`anhang`], [`ablage`]:
//!   attachments and their store.
//! - [`virenpruefung`]: the configurable virus scan of uploads (ClamAV in the tests).
//! - [`uhr`]: the one clock, in German time; [`token`]: random tokens.
//! - [`adresse`]: the client's address behind trusted proxies.
//! - [`sicherheit`]: the security event log.
//! - [`server`]: the accept loop with time limits and graceful shutdown.
//! - [`warteschlange`]: bounded places for expensive work, cancel-safe.
//! - [`pdf`]: PDF/UA documents set in-process with Typst from a template and JSON data.
//! - [`hintergrund`]: scheduled tasks; [`mail`]: SMTP; [`postausgang`]: the outbox; [`tabelle`]: CSV/XLSX/JSON exports.
//!
//! The core never imports a capability (checked by `tests/integration/architektur.rs`).

pub mod abfrage;
pub mod ablage;
pub mod adresse;
pub mod anhang;
pub mod app;
pub mod audit;
pub mod datenstand;
pub mod db;
pub mod fehler;
pub mod formular;
pub mod hintergrund;
pub mod mail;
pub mod passwort;
pub mod pdf;
pub mod person;
pub mod postausgang;
pub mod routen;
pub mod schreibrouten;
pub mod server;
pub mod sicherheit;
pub mod sitzung;
pub mod tabelle;
pub mod token;
pub mod uhr;
pub mod virenpruefung;
pub mod warteschlange;
pub mod zahl;
pub mod zustand;

pub use abfrage::Abfrage;
pub use app::{Baustein, Portal};
pub use fehler::{Fehler, Feldfehler, Verweis};
pub use formular::{Formular, Hochladen, Leer};
pub use routen::Routen;
pub use sitzung::{Angemeldet, Sitzung};
pub use uhr::Uhr;
pub use zustand::AppState;

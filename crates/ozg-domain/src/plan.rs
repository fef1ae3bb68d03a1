//! The file format of the transcribed Umsetzungsplan (`data/plan/`, documented in its README).
//!
//! These types mirror the TOML files one to one; unknown fields are rejected so that a typo in a
//! file is reported instead of silently ignored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// A doubt recorded next to values: field name → reason.
pub type Unsicher = BTreeMap<String, String>;

/// An organisation as a table cell names it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum OrgEntry {
    /// Just the name as written.
    Name(String),
    /// A name with an annotation from the cell.
    Detail {
        /// The name as written.
        name: String,
        /// Additional text from the cell ("z.B. fachlicher Content").
        #[serde(default)]
        hinweis: Option<String>,
        /// Why this reading is uncertain.
        #[serde(default)]
        unsicher: Option<String>,
    },
}

impl OrgEntry {
    /// The name.
    pub fn name(&self) -> &str {
        match self {
            OrgEntry::Name(n) | OrgEntry::Detail { name: n, .. } => n,
        }
    }
    /// The annotation.
    pub fn hinweis(&self) -> Option<&str> {
        match self {
            OrgEntry::Name(_) => None,
            OrgEntry::Detail { hinweis, .. } => hinweis.as_deref(),
        }
    }
    /// The recorded doubt.
    pub fn unsicher(&self) -> Option<&str> {
        match self {
            OrgEntry::Name(_) => None,
            OrgEntry::Detail { unsicher, .. } => unsicher.as_deref(),
        }
    }
    /// Whether the cell says "noch offen".
    pub fn is_offen(&self) -> bool {
        crate::orgs::name_key(self.name()) == "noch offen"
    }
}

/// `themenfelder/NN-slug.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemenfeldFile {
    /// "2.1".
    pub abschnitt: String,
    /// Catalogue name of the Themenfeld.
    pub themenfeld: String,
    /// Projektleitung for the whole section.
    #[serde(default)]
    pub projektleitung: Vec<OrgEntry>,
    /// Verbatim text of the Projektleitung line.
    #[serde(default)]
    pub projektleitung_text: Option<String>,
    /// Text under the heading (e.g. why there are no projects).
    #[serde(default)]
    pub hinweis: Option<String>,
    /// Project rows in document order.
    #[serde(default)]
    pub projekt: Vec<Spanned<ProjektRow>>,
    /// Leistungen table (Forschung & Förderung).
    #[serde(default)]
    pub leistung: Vec<Spanned<LeistungRow>>,
    /// Doubts about section-level values.
    #[serde(default)]
    pub unsicher: Unsicher,
}

/// One row of a Themenfeld table.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ProjektRow {
    /// Unique key (slug).
    pub id: Option<String>,
    /// Reference to a project defined in another Themenfeld file.
    pub verweis: Option<String>,
    /// Project name.
    pub name: Option<String>,
    /// Sub-section (Querschnitt: Bürger / Unternehmen).
    pub teilabschnitt: Option<String>,
    /// Responsible offices.
    #[serde(default)]
    pub fachlichkeit: Vec<String>,
    /// Mitarbeit zugesichert.
    #[serde(default)]
    pub mitarbeit: Vec<OrgEntry>,
    /// Interesse an Mitarbeit.
    #[serde(default)]
    pub interesse: Vec<OrgEntry>,
    /// Row-level Projektleitung.
    #[serde(default)]
    pub projektleitung: Vec<OrgEntry>,
    /// Projektstart as written.
    pub projektstart: Option<String>,
    /// ozg.kdn.de numbers.
    #[serde(default)]
    pub kdn_nr: Vec<u32>,
    /// ozg.kdn.de admin numbers.
    #[serde(default)]
    pub kdn_admin_nr: Vec<u32>,
    /// OZG-IDs named by the document.
    #[serde(default)]
    pub ozg_ids: Vec<u32>,
    /// Kommunale Priorität NRW.
    pub prioritaet_nrw: Option<i64>,
    /// Bund-Länder-Priorität.
    pub prioritaet_bund: Option<i64>,
    /// Priority of the OZG-Informationsveranstaltungen.
    pub prioritaet_veranstaltungen: Option<String>,
    /// Zielportal key.
    pub zielportal: Option<String>,
    /// Working structure among the Kommunen exists.
    pub arbeitsstruktur: Option<bool>,
    /// Notes from the document.
    pub anmerkung: Option<String>,
    /// Free text of cells that are no organisation, per field.
    #[serde(default)]
    pub hinweise: BTreeMap<String, String>,
    /// Doubts per field.
    #[serde(default)]
    pub unsicher: Unsicher,
}

/// A row of the Forschung & Förderung Leistungen table.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LeistungRow {
    /// Lage.
    pub lage: Option<String>,
    /// OZG-Leistung name.
    pub ozg_leistung: String,
    /// OZG-ID if unambiguous.
    pub ozg_id: Option<u32>,
    /// Umsetzungsbündel.
    pub umsetzungsbuendel: Option<String>,
    /// Priorität Workshop.
    pub prioritaet_workshop: Option<String>,
    /// Priorität Bund.
    pub prioritaet_bund: Option<String>,
    /// Priorität der OZG-Veranstaltungen.
    pub prioritaet_veranstaltungen: Option<String>,
    /// Informationsplattform link.
    pub link: Option<String>,
    /// Notes.
    pub anmerkung: Option<String>,
    /// Doubts.
    #[serde(default)]
    pub unsicher: Unsicher,
}

/// `steckbriefe/<projekt>.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SteckbriefFile {
    /// Project id.
    pub projekt: String,
    /// Title.
    pub titel: String,
    /// Introductory text.
    pub einleitung: Option<String>,
    /// Projektstart as written.
    pub projektstart: Option<String>,
    /// Themenfelder.
    #[serde(default)]
    pub themenfelder: Vec<String>,
    /// Kommunale Priorität NRW.
    pub prioritaet_nrw: Option<i64>,
    /// OZG-Leistungen.
    #[serde(default)]
    pub ozg_leistungen: Vec<SteckbriefLeistung>,
    /// Projektziel.
    pub projektziel: Option<String>,
    /// Abgrenzung.
    pub abgrenzung: Option<String>,
    /// Text about the target process.
    pub zielprozess_text: Option<String>,
    /// Target process steps.
    #[serde(default)]
    pub zielprozess: Vec<ProzessSchritt>,
    /// Text about the variants before the list.
    pub varianten_text: Option<String>,
    /// Variants.
    #[serde(default)]
    pub variante: Vec<Variante>,
    /// Risks.
    #[serde(default)]
    pub risiken: Vec<String>,
    /// Sketches and attachments as described.
    #[serde(default)]
    pub anlage: Vec<Anlage>,
    /// Auftraggeber.
    #[serde(default)]
    pub auftraggeber: Vec<OrgEntry>,
    /// Kommunalpartner.
    #[serde(default)]
    pub kommunalpartner: Vec<OrgEntry>,
    /// IT-Partner.
    #[serde(default)]
    pub it_partner: Vec<OrgEntry>,
    /// Notes.
    pub anmerkung: Option<String>,
    /// Doubts.
    #[serde(default)]
    pub unsicher: Unsicher,
}

/// An OZG-Leistung named by a Steckbrief.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SteckbriefLeistung {
    /// The (corrected) OZG-ID.
    pub ozg_id: u32,
    /// What the document printed, when it differs.
    pub dokument_ozg_id: Option<u32>,
    /// Name as written.
    pub name: Option<String>,
    /// Note on the correction.
    pub hinweis: Option<String>,
}

/// One step of the Zielprozess.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProzessSchritt {
    /// Step number.
    pub nr: u32,
    /// Who performs it.
    pub rolle: Option<String>,
    /// What happens.
    pub schritt: String,
    /// Details.
    pub details: Option<String>,
}

/// An implementation variant.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Variante {
    /// "A", "B", ….
    pub kennung: String,
    /// Title.
    pub titel: Option<String>,
    /// Description.
    pub beschreibung: String,
    /// Recommended by the document / favoured by the workshop.
    #[serde(default)]
    pub empfohlen: bool,
    /// Verbatim recommendation.
    pub empfehlung: Option<String>,
}

/// A sketch or attachment.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Anlage {
    /// Title.
    pub titel: String,
    /// What the text says about it.
    pub beschreibung: Option<String>,
}

/// `workshops.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkshopFile {
    /// Workshops.
    #[serde(default)]
    pub workshop: Vec<Spanned<WorkshopRow>>,
    /// Introductory text of the annex.
    pub hinweis: Option<String>,
    /// Link of the annex.
    pub link: Option<String>,
}

/// A workshop of the annex.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkshopRow {
    /// ISO date.
    pub datum: String,
    /// Themenfelder.
    #[serde(default)]
    pub themenfelder: Vec<String>,
    /// Place.
    pub ort: Option<String>,
    /// Where the document names it.
    pub quelle: Option<String>,
    /// Note.
    pub anmerkung: Option<String>,
    /// Doubts.
    #[serde(default)]
    pub unsicher: Unsicher,
}

/// `programm.toml`.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ProgrammFile {
    /// Title.
    pub titel: String,
    /// Stand as written.
    pub stand: Option<String>,
    /// Publisher.
    pub herausgeber: Option<String>,
    /// Introduction paragraphs.
    #[serde(default)]
    pub absatz: Vec<Absatz>,
    /// Governance bodies.
    #[serde(default)]
    pub gremium: Vec<Gremium>,
    /// Footnotes.
    #[serde(default)]
    pub fussnote: Vec<Fussnote>,
    /// Priority divergences.
    #[serde(default)]
    pub divergenz: Vec<Divergenz>,
    /// Section 1.
    #[serde(default)]
    pub uebersicht: Uebersicht,
    /// Legend.
    #[serde(default)]
    pub legende: Vec<Legende>,
    /// Next steps.
    #[serde(default)]
    pub naechster_schritt: Vec<NaechsterSchritt>,
    /// Doubts.
    #[serde(default)]
    pub unsicher: Unsicher,
}

/// A paragraph.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Absatz {
    /// Heading.
    pub ueberschrift: Option<String>,
    /// Text.
    pub text: String,
}

/// A governance body.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Gremium {
    /// Name.
    pub name: String,
    /// Role and how it decides.
    pub beschreibung: String,
}

/// A footnote.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fussnote {
    /// Number.
    pub nr: u32,
    /// Text.
    pub text: String,
}

/// A priority divergence named by the document.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Divergenz {
    /// Project name.
    pub projekt: String,
    /// OZG-ID.
    pub ozg_id: Option<u32>,
    /// Bund-Länder priority.
    pub prioritaet_bund: Option<i64>,
    /// NRW priority.
    pub prioritaet_nrw: Option<i64>,
    /// Explanation and negotiation status.
    pub text: String,
}

/// Section 1.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Uebersicht {
    /// Note.
    pub hinweis: Option<String>,
    /// Entries.
    #[serde(default)]
    pub eintrag: Vec<UebersichtEintrag>,
}

/// An entry of section 1.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UebersichtEintrag {
    /// As listed.
    pub name: String,
    /// Project name in the tables when it differs.
    pub projekt: Option<String>,
    /// Zielportal key.
    pub zielportal: Option<String>,
    /// Working structure exists.
    pub arbeitsstruktur: Option<bool>,
    /// Doubts.
    #[serde(default)]
    pub unsicher: Unsicher,
}

/// A legend entry.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Legende {
    /// Key.
    pub kennung: String,
    /// Colour word.
    pub farbe: Option<String>,
    /// Text.
    pub text: String,
}

/// A next step.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NaechsterSchritt {
    /// Text.
    pub text: String,
}

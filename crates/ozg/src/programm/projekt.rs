//! The project as the portal and the API show it: its list entry ([`ProjektItem`]) and its
//! full record ([`ProjektDetail`]). Plain types, shared by the read model, the lists and the
//! project page.

use std::collections::BTreeMap;

use ozg_domain::plan::SteckbriefFile;
use ozg_domain::project::{Phase, Rolle, Status, Zielportal, prioritaet_nrw_label};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::kern::db::{int_bool, opt_int_bool};

/// A project in lists.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProjektItem {
    /// ID.
    pub id: i64,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Themenfelder, separated by "; ".
    pub themenfelder: String,
    /// Fachlichkeiten, separated by "; ".
    pub fachlichkeiten: String,
    /// Projektstart as written.
    pub projektstart: Option<String>,
    /// Kommunale Priorität NRW (1–3), null if unknown.
    pub prioritaet_nrw: Option<i64>,
    /// Bund-Länder-Priorität (1–4).
    pub prioritaet_bund: Option<i64>,
    /// Zielportal key.
    pub zielportal: Option<String>,
    /// Status key.
    pub status: String,
    /// Kommunal- or IT-Partner still open.
    #[serde(deserialize_with = "int_bool::deserialize")]
    pub partner_gesucht: bool,
    /// Working structure exists.
    #[serde(default, deserialize_with = "opt_int_bool::deserialize")]
    pub arbeitsstruktur: Option<bool>,
    /// Whether some value is uncertain in the source.
    #[serde(default)]
    pub unsicher: bool,
    /// The fields whose value is uncertain in the source (reasons in the project detail).
    #[serde(default)]
    pub unsicher_in: Vec<String>,
    /// Organisations with Mitarbeit zugesichert.
    #[serde(default)]
    pub mitarbeit: Vec<String>,
    /// Organisations interested.
    #[serde(default)]
    pub interesse: Vec<String>,
    /// ozg.kdn.de numbers.
    #[serde(default)]
    pub kdn_nr: Vec<i64>,
}

impl ProjektItem {
    /// Whether the value of `feld` is uncertain in the source (OCR).
    pub fn zweifel(&self, feld: &str) -> bool {
        self.unsicher_in.iter().any(|f| f == feld)
    }
    /// German status label.
    pub fn status_label(&self) -> &'static str {
        Status::parse(&self.status)
            .map(Status::label)
            .unwrap_or("unbekannt")
    }
    /// Priority label with colour word.
    pub fn prioritaet_label(&self) -> &'static str {
        prioritaet_nrw_label(self.prioritaet_nrw.unwrap_or(0) as u8)
    }
    /// Zielportal label.
    pub fn zielportal_label(&self) -> &'static str {
        self.zielportal
            .as_deref()
            .and_then(|z| Zielportal::parse(z).ok())
            .map(Zielportal::label)
            .unwrap_or("unbekannt")
    }
}

/// An organisation (or "noch offen") in a role.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RolleView {
    /// Role key.
    pub rolle: String,
    /// Name as the plan writes it.
    pub text: String,
    /// Resolved organisation name.
    pub organisation: Option<String>,
    /// Resolved organisation slug.
    pub organisation_slug: Option<String>,
    /// Annotation.
    pub hinweis: Option<String>,
    /// "noch offen".
    #[serde(deserialize_with = "int_bool::deserialize")]
    pub offen: bool,
    /// Doubt.
    pub unsicher: Option<String>,
}

/// A link to an OZG-Leistung.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OzgLinkView {
    /// OZG-ID.
    pub ozg_id: i64,
    /// Name.
    pub name: String,
    /// Why linked: dokument, steckbrief, namensgleich.
    pub quelle: String,
    /// Note.
    pub hinweis: Option<String>,
}

/// A Themenfeld of a project.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ThemenfeldRef {
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Sub-section.
    pub teilabschnitt: Option<String>,
    /// The Projektstart this Themenfeld's table prints, where it differs from the project's.
    pub projektstart: Option<String>,
}

/// A named link target.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NamedRef {
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: String,
}

/// A Fachlichkeit of a project: the document's text and the canonical terms it maps to
/// (`data/plan/fachlichkeiten.toml`); the list filter takes a term's slug.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FachlichkeitRef {
    /// Name as the document writes it.
    pub name: String,
    /// Slug of the document's text.
    pub slug: String,
    /// Canonical terms (filter value: their slug).
    pub begriffe: Vec<NamedRef>,
}

impl FachlichkeitRef {
    /// Whether the document's text is its one canonical term.
    pub fn ist_begriff(&self) -> bool {
        matches!(self.begriffe.as_slice(), [b] if b.name == self.name)
    }
}

/// The full project.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjektDetail {
    /// List fields.
    #[serde(flatten)]
    pub item: ProjektItem,
    /// Notes.
    pub anmerkung: Option<String>,
    /// Priority of the OZG-Informationsveranstaltungen.
    pub prioritaet_veranstaltungen: Option<String>,
    /// EfA classification.
    pub efa: Option<i64>,
    /// Phase dates by phase key.
    pub phasen: BTreeMap<String, Option<String>>,
    /// Themenfelder.
    pub themenfeld_refs: Vec<ThemenfeldRef>,
    /// Fachlichkeiten as the document writes them, with their canonical terms.
    pub fachlichkeit_refs: Vec<FachlichkeitRef>,
    /// Roles in display order.
    pub rollen: Vec<RolleView>,
    /// OZG-Leistungen.
    pub ozg_leistungen: Vec<OzgLinkView>,
    /// ozg.kdn.de admin numbers.
    pub kdn_admin_nr: Vec<i64>,
    /// Cell texts that are not organisations, per field.
    pub hinweise: BTreeMap<String, String>,
    /// Doubts from the OCR, per field.
    pub unsicher_felder: BTreeMap<String, String>,
    /// Steckbrief.
    #[schema(value_type = Option<Object>)]
    pub steckbrief: Option<SteckbriefFile>,
    /// Source file and line.
    pub quelle: Option<String>,
}

impl ProjektDetail {
    /// Roles of one kind.
    pub fn rollen_von(&self, key: &str) -> Vec<&RolleView> {
        self.rollen.iter().filter(|r| r.rolle == key).collect()
    }
    /// Roles grouped for display: (label, key, entries), only non-empty roles.
    pub fn rollen_gruppen(&self) -> Vec<(&'static str, &'static str, Vec<&RolleView>)> {
        Rolle::ALL
            .iter()
            .map(|r| (r.label(), r.key(), self.rollen_von(r.key())))
            .filter(|(_, _, v)| !v.is_empty())
            .collect()
    }
    /// Phases with labels and dates.
    pub fn phasen_liste(&self) -> Vec<(&'static str, String)> {
        Phase::ALL
            .iter()
            .map(|p| {
                (
                    p.label(),
                    self.phasen
                        .get(p.key())
                        .cloned()
                        .flatten()
                        .unwrap_or_else(|| "–".into()),
                )
            })
            .collect()
    }
    /// Cell text for a field, if any.
    pub fn hinweis(&self, feld: &str) -> Option<&String> {
        self.hinweise.get(feld)
    }
    /// Doubt for a field, if any.
    pub fn zweifel(&self, feld: &str) -> Option<&String> {
        self.unsicher_felder.get(feld)
    }
}

/// The German name of a project field as the plan data names it (`prioritaet_nrw` →
/// „Kommunale Priorität NRW“), for the list of uncertain values.
pub fn feld_label(feld: &str) -> &str {
    match feld {
        "name" | "projekt" => "Name des Projekts",
        "fachlichkeit" => "Fachlichkeit",
        "projektstart" => "Projektstart",
        "prioritaet_nrw" => "Kommunale Priorität NRW",
        "prioritaet_bund" => "Bund-Länder-Priorität",
        "zielportal" => "Zielportal",
        "kdn_nr" => "Nummer in ozg.kdn.de",
        "mitarbeit" => "Mitarbeit",
        "interesse" => "Interesse",
        "lage" => "Lage",
        "themenfeld" => "Themenfeld",
        andere => andere,
    }
}

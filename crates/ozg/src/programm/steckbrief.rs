//! The Steckbrief editor: Projektziel, Abgrenzung, Zielprozess steps, Varianten with the
//! recommended one, Risiken, Auftraggeber/Kommunalpartner/IT-Partner.
//!
//! A draft is kept in `projekt.steckbrief_entwurf`, which only members see; publishing writes
//! the Steckbrief the public sees, updates the project's partner roles (an open Kommunal- or
//! IT-Partner puts the project into "Partner gesucht") and changes the data revision. Both saves
//! are guarded by the project's version (optimistic concurrency) and leave one audit entry.

use ozg_domain::plan::{OrgEntry, ProzessSchritt, SteckbriefFile, Variante};
use serde::{Deserialize, Serialize};

use crate::kern::audit;
use crate::kern::db::{Db, DbFehler, Stmt};
use crate::kern::{Fehler, Feldfehler, Uhr};
use crate::sql;

/// One variant as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct VarianteFeld {
    /// "A", "B", ….
    pub kennung: String,
    /// Title.
    pub titel: String,
    /// Description.
    pub beschreibung: String,
}

/// The form as typed (text, so what was typed survives an error).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SteckbriefFormular {
    /// Projektziel.
    pub projektziel: String,
    /// Abgrenzung.
    pub abgrenzung: String,
    /// Zielprozess: one step per line, "Rolle | Schritt | Details".
    pub zielprozess: String,
    /// Variants (one empty slot more than stored, to add one).
    pub varianten: Vec<VarianteFeld>,
    /// Kennung of the recommended variant.
    pub empfohlen: String,
    /// Risks, one per line.
    pub risiken: String,
    /// Auftraggeber, one per line.
    pub auftraggeber: String,
    /// Kommunalpartner, one per line ("noch offen" for an open role).
    pub kommunalpartner: String,
    /// IT-Partner, one per line.
    pub it_partner: String,
    /// Version of the project the form was loaded with.
    pub version: String,
    /// "entwurf" or "veroeffentlichen".
    pub aktion: String,
    /// The newest audit entry when the form was loaded.
    pub protokoll_stand: String,
}

/// Most variants a Steckbrief can have in the form.
pub const MAX_VARIANTEN: usize = 8;

impl SteckbriefFormular {
    /// Reads the submitted pairs (variants come as `v0_kennung`, `v0_titel`, …).
    pub fn aus_paaren(paare: &[(String, String)]) -> SteckbriefFormular {
        let feld = |k: &str| {
            paare
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let mut varianten = Vec::new();
        for i in 0..MAX_VARIANTEN {
            let v = VarianteFeld {
                kennung: feld(&format!("v{i}_kennung")),
                titel: feld(&format!("v{i}_titel")),
                beschreibung: feld(&format!("v{i}_beschreibung")),
            };
            if paare.iter().any(|(n, _)| n.starts_with(&format!("v{i}_"))) {
                varianten.push(v);
            }
        }
        SteckbriefFormular {
            projektziel: feld("projektziel"),
            abgrenzung: feld("abgrenzung"),
            zielprozess: feld("zielprozess"),
            varianten,
            empfohlen: feld("empfohlen"),
            risiken: feld("risiken"),
            auftraggeber: feld("auftraggeber"),
            kommunalpartner: feld("kommunalpartner"),
            it_partner: feld("it_partner"),
            version: feld("version"),
            aktion: feld("aktion"),
            protokoll_stand: feld("protokoll_stand"),
        }
    }

    /// The form filled from a Steckbrief (plus one empty variant slot).
    pub fn aus_steckbrief(sb: &SteckbriefFile, version: i64) -> SteckbriefFormular {
        let zeilen = |v: &[OrgEntry]| {
            v.iter()
                .map(|o| o.name().to_owned())
                .collect::<Vec<_>>()
                .join("\n")
        };
        let mut varianten: Vec<VarianteFeld> = sb
            .variante
            .iter()
            .map(|v| VarianteFeld {
                kennung: v.kennung.clone(),
                titel: v.titel.clone().unwrap_or_default(),
                beschreibung: v.beschreibung.clone(),
            })
            .collect();
        if varianten.len() < MAX_VARIANTEN {
            varianten.push(VarianteFeld::default());
        }
        SteckbriefFormular {
            projektziel: sb.projektziel.clone().unwrap_or_default(),
            abgrenzung: sb.abgrenzung.clone().unwrap_or_default(),
            zielprozess: sb
                .zielprozess
                .iter()
                .map(|s| {
                    let mut z = match &s.rolle {
                        Some(r) => format!("{r} | {}", s.schritt),
                        None if s.details.is_some() => format!(" | {}", s.schritt),
                        None => s.schritt.clone(),
                    };
                    if let Some(d) = &s.details {
                        z.push_str(" | ");
                        z.push_str(d);
                    }
                    z
                })
                .collect::<Vec<_>>()
                .join("\n"),
            varianten,
            empfohlen: sb
                .variante
                .iter()
                .find(|v| v.empfohlen)
                .map(|v| v.kennung.clone())
                .unwrap_or_default(),
            risiken: sb.risiken.join("\n"),
            auftraggeber: zeilen(&sb.auftraggeber),
            kommunalpartner: zeilen(&sb.kommunalpartner),
            it_partner: zeilen(&sb.it_partner),
            version: version.to_string(),
            aktion: String::new(),
            protokoll_stand: String::new(),
        }
    }
}

/// A new, empty Steckbrief for a project that has none.
pub fn leer(slug: &str, name: &str) -> SteckbriefFile {
    SteckbriefFile {
        projekt: slug.to_owned(),
        titel: format!("Steckbrief {name}"),
        einleitung: None,
        projektstart: None,
        themenfelder: Vec::new(),
        prioritaet_nrw: None,
        ozg_leistungen: Vec::new(),
        projektziel: None,
        abgrenzung: None,
        zielprozess_text: None,
        zielprozess: Vec::new(),
        varianten_text: None,
        variante: Vec::new(),
        risiken: Vec::new(),
        anlage: Vec::new(),
        auftraggeber: Vec::new(),
        kommunalpartner: Vec::new(),
        it_partner: Vec::new(),
        anmerkung: None,
        unsicher: Default::default(),
    }
}

fn zeilen(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn text(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Whether a partner line means "still open".
pub fn ist_offen(zeile: &str) -> bool {
    matches!(
        zeile.trim().to_lowercase().as_str(),
        "noch offen" | "offen" | "n. n." | "n.n." | "gesucht"
    )
}

/// Checks the form and builds the new Steckbrief from the old one (fields the editor does not
/// show, like the OZG-Leistungen and the OCR doubts, are kept). Every error names its field.
pub fn pruefen(
    f: &SteckbriefFormular,
    alt: &SteckbriefFile,
) -> Result<(SteckbriefFile, i64), Feldfehler> {
    let mut e = Feldfehler::new();
    for (feld, wert) in [
        ("projektziel", &f.projektziel),
        ("abgrenzung", &f.abgrenzung),
        ("risiken", &f.risiken),
    ] {
        if wert.chars().count() > 10_000 {
            e.push(feld, "Höchstens 10 000 Zeichen.");
        }
    }
    let mut schritte = Vec::new();
    for (i, z) in zeilen(&f.zielprozess).iter().enumerate() {
        let teile: Vec<&str> = z.split('|').map(str::trim).collect();
        let (rolle, schritt, details) = match teile.as_slice() {
            [s] => (None, *s, None),
            [r, s] => (text(r), *s, None),
            [r, s, d] => (text(r), *s, text(d)),
            _ => {
                e.push(
                    "zielprozess",
                    format!(
                        "Zeile {}: höchstens drei Teile „Rolle | Schritt | Details“.",
                        i + 1
                    ),
                );
                continue;
            }
        };
        if schritt.is_empty() {
            e.push(
                "zielprozess",
                format!(
                    "Zeile {}: der Schritt fehlt (Form „Rolle | Schritt | Details“).",
                    i + 1
                ),
            );
            continue;
        }
        schritte.push(ProzessSchritt {
            nr: (schritte.len() + 1) as u32,
            rolle,
            schritt: schritt.to_owned(),
            details,
        });
    }
    if schritte.len() > 50 {
        e.push("zielprozess", "Höchstens 50 Schritte.");
    }
    let mut varianten: Vec<Variante> = Vec::new();
    for (i, v) in f.varianten.iter().enumerate() {
        let kennung = v.kennung.trim();
        let leer =
            kennung.is_empty() && v.titel.trim().is_empty() && v.beschreibung.trim().is_empty();
        if leer {
            continue;
        }
        let mut ok = true;
        if kennung.is_empty() || kennung.chars().count() > 10 {
            e.push(
                VARIANTE_KENNUNG[i.min(MAX_VARIANTEN - 1)],
                "Bitte geben Sie eine Kennung an (z. B. A; höchstens 10 Zeichen).",
            );
            ok = false;
        } else if varianten.iter().any(|x| x.kennung == kennung) {
            e.push(
                VARIANTE_KENNUNG[i.min(MAX_VARIANTEN - 1)],
                format!("Die Kennung „{kennung}“ ist doppelt."),
            );
            ok = false;
        }
        if v.beschreibung.trim().is_empty() {
            e.push(
                VARIANTE_BESCHREIBUNG[i.min(MAX_VARIANTEN - 1)],
                "Bitte beschreiben Sie die Variante.",
            );
            ok = false;
        }
        if ok {
            let alt_v = alt.variante.iter().find(|x| x.kennung == kennung);
            varianten.push(Variante {
                kennung: kennung.to_owned(),
                titel: text(&v.titel),
                beschreibung: v.beschreibung.trim().to_owned(),
                empfohlen: f.empfohlen.trim() == kennung,
                empfehlung: alt_v.and_then(|x| x.empfehlung.clone()),
            });
        }
    }
    let empfohlen = f.empfohlen.trim();
    if !empfohlen.is_empty() && !f.varianten.iter().any(|v| v.kennung.trim() == empfohlen) {
        e.push(
            "empfohlen",
            format!("„{empfohlen}“ ist keine der Varianten."),
        );
    }
    let orgs = |feld: &'static str, s: &str, alte: &[OrgEntry], e: &mut Feldfehler| {
        let mut out = Vec::new();
        for z in zeilen(s) {
            if z.chars().count() > 200 {
                e.push(feld, "Eine Zeile darf höchstens 200 Zeichen lang sein.");
                continue;
            }
            // Keep the plan's annotations where the name is unchanged.
            out.push(
                alte.iter()
                    .find(|o| o.name() == z)
                    .cloned()
                    .unwrap_or(OrgEntry::Name(z)),
            );
        }
        out
    };
    let auftraggeber = orgs("auftraggeber", &f.auftraggeber, &alt.auftraggeber, &mut e);
    let kommunalpartner = orgs(
        "kommunalpartner",
        &f.kommunalpartner,
        &alt.kommunalpartner,
        &mut e,
    );
    let it_partner = orgs("it_partner", &f.it_partner, &alt.it_partner, &mut e);
    let version = e.version(&f.version);
    if !matches!(f.aktion.as_str(), "entwurf" | "veroeffentlichen") {
        e.push(
            "aktion",
            "Bitte wählen Sie „Entwurf speichern“ oder „Veröffentlichen“.",
        );
    }
    if !e.is_empty() {
        return Err(e);
    }
    let mut sb = alt.clone();
    sb.projektziel = text(&f.projektziel);
    sb.abgrenzung = text(&f.abgrenzung);
    sb.zielprozess = schritte;
    sb.variante = varianten;
    sb.risiken = zeilen(&f.risiken);
    sb.auftraggeber = auftraggeber;
    sb.kommunalpartner = kommunalpartner;
    sb.it_partner = it_partner;
    Ok((sb, version))
}

/// Form field names of the variant slots (static, for the error list).
pub const VARIANTE_KENNUNG: [&str; MAX_VARIANTEN] = [
    "v0_kennung",
    "v1_kennung",
    "v2_kennung",
    "v3_kennung",
    "v4_kennung",
    "v5_kennung",
    "v6_kennung",
    "v7_kennung",
];
/// Form field names of the variant descriptions.
pub const VARIANTE_BESCHREIBUNG: [&str; MAX_VARIANTEN] = [
    "v0_beschreibung",
    "v1_beschreibung",
    "v2_beschreibung",
    "v3_beschreibung",
    "v4_beschreibung",
    "v5_beschreibung",
    "v6_beschreibung",
    "v7_beschreibung",
];

/// The fields of a Steckbrief as text, for the audit entry's before → after.
fn als_text(sb: &SteckbriefFile) -> Vec<(&'static str, String)> {
    let f = SteckbriefFormular::aus_steckbrief(sb, 0);
    vec![
        ("steckbrief.projektziel", f.projektziel),
        ("steckbrief.abgrenzung", f.abgrenzung),
        ("steckbrief.zielprozess", f.zielprozess),
        (
            "steckbrief.varianten",
            sb.variante
                .iter()
                .map(|v| {
                    format!(
                        "{}{}: {}",
                        v.kennung,
                        if v.empfohlen { " (empfohlen)" } else { "" },
                        v.titel.clone().unwrap_or_else(|| v.beschreibung.clone())
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        ("steckbrief.risiken", f.risiken),
        ("steckbrief.auftraggeber", f.auftraggeber),
        ("steckbrief.kommunalpartner", f.kommunalpartner),
        ("steckbrief.it_partner", f.it_partner),
    ]
}

/// The project's published Steckbrief and draft, with its id, name and version.
pub struct Stand {
    /// Project id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Version.
    pub version: i64,
    /// Published Steckbrief.
    pub veroeffentlicht: Option<SteckbriefFile>,
    /// Draft.
    pub entwurf: Option<SteckbriefFile>,
}

impl Stand {
    /// What the editor starts from: the draft, else the published one, else a new one.
    pub fn arbeitsfassung(&self, slug: &str) -> SteckbriefFile {
        self.entwurf
            .clone()
            .or_else(|| self.veroeffentlicht.clone())
            .unwrap_or_else(|| leer(slug, &self.name))
    }
}

/// Loads the Steckbrief state of a project.
pub async fn laden(db: &Db, slug: &str) -> Result<Option<Stand>, DbFehler> {
    #[derive(Deserialize)]
    struct R {
        id: i64,
        name: String,
        version: i64,
        steckbrief: Option<String>,
        steckbrief_entwurf: Option<String>,
    }
    let r: Option<R> = db
        .query_opt(sql!(
            "SELECT id, name, version, steckbrief, steckbrief_entwurf FROM projekt WHERE slug = $1",
            slug
        ))
        .await?;
    Ok(r.map(|r| Stand {
        id: r.id,
        name: r.name,
        version: r.version,
        veroeffentlicht: r.steckbrief.and_then(|s| serde_json::from_str(&s).ok()),
        entwurf: r
            .steckbrief_entwurf
            .and_then(|s| serde_json::from_str(&s).ok()),
    }))
}

/// Saves the checked Steckbrief as draft or publishes it. `false`: someone saved the project in
/// between (nothing written).
pub async fn speichern(
    db: &Db,
    uhr: &Uhr,
    slug: &str,
    stand: &Stand,
    (neu, version): (&SteckbriefFile, i64),
    veroeffentlichen: bool,
    wer: &str,
) -> Result<bool, Fehler> {
    let json = serde_json::to_string(neu).map_err(anyhow::Error::from)?;
    let vorher = als_text(&stand.arbeitsfassung(slug));
    let nachher = als_text(neu);
    let mut felder: Vec<(&str, &str, &str)> = vorher
        .iter()
        .zip(&nachher)
        .map(|((f, a), (_, n))| (*f, a.as_str(), n.as_str()))
        .collect();
    let aktion = if veroeffentlichen {
        felder.push(("steckbrief", "", "veröffentlicht"));
        "steckbrief-veroeffentlicht"
    } else {
        "steckbrief-entwurf"
    };
    let mut stmts = vec![if veroeffentlichen {
        sql!(
            "UPDATE projekt SET steckbrief = $1, steckbrief_entwurf = NULL, version = version + 1 WHERE id = $2 AND version = $3",
            json,
            stand.id,
            version
        )
    } else {
        sql!(
            "UPDATE projekt SET steckbrief_entwurf = $1, version = version + 1 WHERE id = $2 AND version = $3",
            json,
            stand.id,
            version
        )
    }];
    if veroeffentlichen {
        stmts.extend(rollen_stmts(db, stand.id, neu).await?);
        stmts.extend(crate::kern::datenstand::neuer_datenstand(
            uhr,
            "steckbrief",
        )?);
    }
    stmts.push(audit::eintrag(
        uhr,
        wer,
        aktion,
        &audit::Objekt::new(crate::programm::objekte::PROJEKT, slug),
        &felder,
    ));
    Ok(db.execute_guarded(&stmts, 0).await?)
}

/// Replaces the project's Auftraggeber, Kommunal- and IT-Partner roles with the Steckbrief's;
/// names are matched to organisations by name or short name; "noch offen" marks an open role.
async fn rollen_stmts(
    db: &Db,
    projekt_id: i64,
    sb: &SteckbriefFile,
) -> Result<Vec<Stmt>, DbFehler> {
    #[derive(Deserialize)]
    struct O {
        id: i64,
        name: String,
        kurzname: Option<String>,
    }
    let orgs: Vec<O> = db
        .query(sql!("SELECT id, name, kurzname FROM organisation"))
        .await?;
    let pos = db
        .scalar(sql!(
            "SELECT COALESCE(MAX(position), 0) + 1 FROM projekt_rolle WHERE projekt_id = $1",
            projekt_id
        ))
        .await?;
    let mut stmts = vec![sql!(
        "DELETE FROM projekt_rolle WHERE projekt_id = $1 AND rolle IN ('auftraggeber', 'kommunalpartner', 'it-partner')",
        projekt_id
    )];
    let mut offen_gesamt = false;
    let mut n = 0;
    for (rolle, liste) in [
        ("auftraggeber", &sb.auftraggeber),
        ("kommunalpartner", &sb.kommunalpartner),
        ("it-partner", &sb.it_partner),
    ] {
        for o in liste {
            let name = o.name();
            let offen = ist_offen(name);
            offen_gesamt |= offen && rolle != "auftraggeber";
            let org = (!offen)
                .then(|| {
                    orgs.iter().find(|x| {
                        x.name.eq_ignore_ascii_case(name)
                            || x.kurzname
                                .as_deref()
                                .is_some_and(|k| k.eq_ignore_ascii_case(name))
                    })
                })
                .flatten()
                .map(|x| x.id);
            let id = db.neue_id("projekt_rolle").await?;
            stmts.push(sql!(
                "INSERT INTO projekt_rolle (id, projekt_id, rolle, organisation_id, text, hinweis, offen, unsicher, position) \
                 VALUES ($1, $2, $3, $4, $5, NULL, $6, NULL, $7)",
                id,
                projekt_id,
                rolle,
                org,
                name,
                i64::from(offen),
                pos + n
            ));
            n += 1;
        }
    }
    stmts.push(sql!(
        "UPDATE projekt SET partner_gesucht = $1 WHERE id = $2",
        i64::from(offen_gesamt),
        projekt_id
    ));
    Ok(stmts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paare(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn every_bad_field_is_named_and_good_input_builds_the_steckbrief() {
        let alt = leer("x", "X");
        let f = SteckbriefFormular::aus_paaren(&paare(&[
            ("zielprozess", "Bürger | Antrag stellen\n | \nA | B | C | D"),
            ("v0_kennung", "A"),
            ("v0_beschreibung", ""),
            ("v1_kennung", ""),
            ("v1_titel", "ohne Kennung"),
            ("v1_beschreibung", "x"),
            ("empfohlen", "Z"),
            ("version", "1"),
            ("aktion", "entwurf"),
        ]));
        let e = pruefen(&f, &alt).unwrap_err();
        let felder: Vec<&str> = e.iter().map(|x| x.0).collect();
        assert_eq!(
            felder,
            [
                "zielprozess",
                "zielprozess",
                "v0_beschreibung",
                "v1_kennung",
                "empfohlen"
            ]
        );
        let erste = e.erstes().unwrap();
        assert!(erste.1.starts_with("Zeile 2"), "{erste:?}");
        let f = SteckbriefFormular::aus_paaren(&paare(&[
            ("projektziel", " Online beantragen "),
            (
                "zielprozess",
                "Bürger | Antrag stellen | online\nKita | Platz anbieten",
            ),
            ("v0_kennung", "A"),
            ("v0_beschreibung", "Landeslösung"),
            ("v1_kennung", "B"),
            ("v1_beschreibung", "Kommunale Lösung"),
            ("v2_kennung", ""),
            ("empfohlen", "B"),
            ("kommunalpartner", "noch offen"),
            ("version", "3"),
            ("aktion", "veroeffentlichen"),
        ]));
        let (sb, v) = pruefen(&f, &alt).unwrap();
        assert_eq!(v, 3);
        assert_eq!(sb.projektziel.as_deref(), Some("Online beantragen"));
        assert_eq!(sb.zielprozess.len(), 2);
        assert_eq!(sb.zielprozess[1].nr, 2);
        assert_eq!(sb.variante.iter().filter(|v| v.empfohlen).count(), 1);
        assert!(sb.variante[1].empfohlen);
        assert!(ist_offen(sb.kommunalpartner[0].name()));
        // The form shows what is stored, plus an empty slot for a new variant.
        let back = SteckbriefFormular::aus_steckbrief(&sb, 3);
        assert_eq!(back.varianten.len(), 3);
        assert_eq!(back.empfohlen, "B");
        assert_eq!(
            back.zielprozess,
            "Bürger | Antrag stellen | online\nKita | Platz anbieten"
        );
    }
}

//! Partner sourcing: which projects look for partners, the Mitarbeit and Interesse that members
//! register for their own organisation (Mitarbeit needs the coordinator's confirmation), the
//! coordinators' call for more Mitarbeit, and the Verteiler (distribution list) that follows
//! from the plan's roles and the registrations.
//!
//! Registrations live beside the imported plan (keyed by slugs), so a re-import keeps them.

use serde::{Deserialize, Serialize};

use crate::kern::audit::{self, Objekt};
use crate::kern::datenstand::neue_revision;
use crate::kern::db::{Db, DbFehler, Stmt};
use crate::kern::tabelle::csv_zelle;
use crate::kern::uhr::datum_de;
use crate::kern::{Fehler, Uhr};
use crate::programm::objekte::PROJEKT;
use crate::programm::projekt_bearbeiten::nicht_gefunden;
use crate::sql;

type Result<T, E = DbFehler> = std::result::Result<T, E>;

ozg_domain::schluessel! {
    /// What an organisation registers for.
    pub enum Art: "keine Art der Beteiligung" {
        /// Mitarbeit (core team; the coordinator confirms).
        Mitarbeit = "mitarbeit" / "Mitarbeit",
        /// Interesse an Mitarbeit (extended team; informed, no confirmation).
        Interesse = "interesse" / "Interesse an Mitarbeit",
    }
}

/// Parses the form's choice; an empty choice asks for one.
fn art_lesen(s: &str) -> Result<Art, String> {
    if s.trim().is_empty() {
        return Err("Bitte wählen Sie Mitarbeit oder Interesse.".into());
    }
    Art::parse(s)
}

/// Label of an Art key.
pub fn art_label(key: &str) -> &'static str {
    Art::parse(key).map(Art::label).unwrap_or("unbekannt")
}

/// Label of a status key.
pub fn status_label(key: &str) -> &'static str {
    match key {
        "angefragt" => "Mitarbeit angeboten, Bestätigung durch die Koordination ausstehend",
        "bestaetigt" => "Mitarbeit bestätigt",
        "gemeldet" => "Interesse gemeldet",
        "plan" => "laut Umsetzungsplan",
        _ => "unbekannt",
    }
}

/// A registration through the members' area.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meldung {
    /// Project slug.
    pub projekt: String,
    /// Organisation slug.
    pub organisation: String,
    /// Organisation name (from the organisation table; the slug if unknown).
    #[serde(default)]
    pub organisation_name: Option<String>,
    /// "mitarbeit" or "interesse".
    pub art: String,
    /// "angefragt", "bestaetigt" (Mitarbeit) or "gemeldet" (Interesse).
    pub status: String,
    /// Who registered.
    pub gemeldet_von: String,
    /// When.
    pub gemeldet_am: String,
    /// Who confirmed.
    pub bestaetigt_von: Option<String>,
}

impl Meldung {
    /// Shown name of the organisation.
    pub fn name(&self) -> &str {
        self.organisation_name
            .as_deref()
            .unwrap_or(&self.organisation)
    }
    /// Art label.
    pub fn art_text(&self) -> &'static str {
        art_label(&self.art)
    }
    /// Status label.
    pub fn status_text(&self) -> &'static str {
        status_label(&self.status)
    }
    /// Whether the public sees it (not while a Mitarbeit awaits confirmation).
    pub fn oeffentlich(&self) -> bool {
        self.status != "angefragt"
    }
    /// Date of the registration (German).
    pub fn datum(&self) -> String {
        datum_de(&self.gemeldet_am)
    }
}

/// Every registration, per project Mitarbeit first (the read model loads them).
pub(crate) fn alle_meldungen() -> Stmt {
    sql!(
        "SELECT b.projekt, b.organisation, o.name AS organisation_name, b.art, b.status, b.gemeldet_von, b.gemeldet_am, b.bestaetigt_von \
         FROM beteiligung b LEFT JOIN organisation o ON o.slug = b.organisation \
         ORDER BY b.projekt, b.art DESC, b.gemeldet_am, b.organisation"
    )
}

/// All registrations of a project, Mitarbeit first.
pub async fn meldungen(db: &Db, projekt: &str) -> Result<Vec<Meldung>> {
    db.query(sql!("SELECT b.projekt, b.organisation, o.name AS organisation_name, b.art, b.status, b.gemeldet_von, b.gemeldet_am, b.bestaetigt_von \
         FROM beteiligung b LEFT JOIN organisation o ON o.slug = b.organisation \
         WHERE b.projekt = $1 ORDER BY b.art DESC, b.gemeldet_am, b.organisation", projekt))
    .await
}

/// A project that looks for partners.
#[derive(Debug, Clone, Serialize)]
pub struct Gesucht {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Themenfelder as text.
    pub themenfelder: String,
    /// Themenfeld slugs.
    pub themenfeld_slugs: Vec<String>,
    /// Kommunale Priorität NRW.
    pub prioritaet_nrw: Option<i64>,
    /// Projektstart as written.
    pub projektstart: Option<String>,
    /// Open partner roles: "kommunalpartner", "it-partner".
    pub offene_rollen: Vec<String>,
    /// The coordinators' call for more Mitarbeit (their note), if any.
    pub mitarbeit_gesucht: Option<String>,
    /// Organisations with Mitarbeit (plan and confirmed registrations).
    pub mitarbeit: usize,
    /// Organisations interested (plan and registrations).
    pub interesse: usize,
}

impl Gesucht {
    /// What is sought, in words.
    pub fn gesucht_text(&self) -> String {
        let mut v: Vec<&str> = self
            .offene_rollen
            .iter()
            .map(|r| match r.as_str() {
                "kommunalpartner" => "Kommunalpartner",
                "it-partner" => "IT-Partner",
                _ => "Partner",
            })
            .collect();
        if self.mitarbeit_gesucht.is_some() {
            v.push("weitere Mitarbeit");
        }
        v.join(", ")
    }
    /// Whether `was` ("kommunalpartner", "it-partner", "mitarbeit") is sought.
    pub fn sucht(&self, was: &str) -> bool {
        if was == "mitarbeit" {
            self.mitarbeit_gesucht.is_some()
        } else {
            self.offene_rollen.iter().any(|r| r == was)
        }
    }
}

/// What the "Partner gesucht" list can be filtered by.
pub const GESUCHT_ARTEN: [(&str, &str); 3] = [
    ("kommunalpartner", "Kommunalpartner"),
    ("it-partner", "IT-Partner"),
    ("mitarbeit", "weitere Mitarbeit"),
];

/// Projects whose Kommunal- or IT-Partner is open or that ask for more Mitarbeit, in plan order.
pub async fn gesucht(db: &Db) -> Result<Vec<Gesucht>> {
    #[derive(Deserialize)]
    struct P {
        id: i64,
        slug: String,
        name: String,
        themenfelder_text: String,
        prioritaet_nrw: Option<i64>,
        projektstart_text: Option<String>,
        hinweis: Option<String>,
    }
    let projekte: Vec<P> = db
        .query(sql!("SELECT p.id, p.slug, p.name, p.themenfelder_text, p.prioritaet_nrw, p.projektstart_text, s.hinweis \
             FROM projekt p LEFT JOIN partnersuche s ON s.projekt = p.slug \
             WHERE s.projekt IS NOT NULL OR p.partner_gesucht <> 0 \
                OR EXISTS (SELECT 1 FROM projekt_rolle r WHERE r.projekt_id = p.id AND r.offen <> 0) \
             ORDER BY p.position"))
        .await?;
    #[derive(Deserialize)]
    struct R {
        projekt_id: i64,
        rolle: String,
        offen: i64,
    }
    let rollen: Vec<R> = db
        .query(sql!("SELECT projekt_id, rolle, offen FROM projekt_rolle WHERE rolle IN ('kommunalpartner', 'it-partner', 'mitarbeit', 'interesse')"))
        .await?;
    #[derive(Deserialize)]
    struct B {
        projekt: String,
        art: String,
        status: String,
    }
    let meldungen: Vec<B> = db
        .query(sql!("SELECT projekt, art, status FROM beteiligung"))
        .await?;
    #[derive(Deserialize)]
    struct T {
        projekt_id: i64,
        slug: String,
    }
    let tfs: Vec<T> = db
        .query(sql!("SELECT pt.projekt_id, t.slug FROM projekt_themenfeld pt JOIN themenfeld t ON t.id = pt.themenfeld_id"))
        .await?;
    Ok(projekte
        .into_iter()
        .map(|p| {
            let mut offene_rollen: Vec<String> = rollen
                .iter()
                .filter(|r| r.projekt_id == p.id && r.offen != 0)
                .map(|r| r.rolle.clone())
                .collect();
            offene_rollen.dedup();
            let plan = |rolle: &str| {
                rollen
                    .iter()
                    .filter(|r| r.projekt_id == p.id && r.offen == 0 && r.rolle == rolle)
                    .count()
            };
            let gemeldet = |art: &str, status: &str| {
                meldungen
                    .iter()
                    .filter(|m| m.projekt == p.slug && m.art == art && m.status == status)
                    .count()
            };
            Gesucht {
                mitarbeit: plan("mitarbeit") + gemeldet("mitarbeit", "bestaetigt"),
                interesse: plan("interesse") + gemeldet("interesse", "gemeldet"),
                themenfeld_slugs: tfs
                    .iter()
                    .filter(|t| t.projekt_id == p.id)
                    .map(|t| t.slug.clone())
                    .collect(),
                offene_rollen,
                mitarbeit_gesucht: p.hinweis,
                slug: p.slug,
                name: p.name,
                themenfelder: p.themenfelder_text,
                prioritaet_nrw: p.prioritaet_nrw,
                projektstart: p.projektstart_text,
            }
        })
        .collect())
}

async fn projekt_gibt_es(db: &Db, slug: &str) -> Result<bool> {
    Ok(db
        .scalar(sql!("SELECT COUNT(*) FROM projekt WHERE slug = $1", slug))
        .await?
        > 0)
}

fn objekt(projekt: &str) -> Objekt {
    Objekt::new(PROJEKT, projekt)
}

/// Registers `organisation` (the member's own) for a project. Mitarbeit waits for the
/// coordinator's confirmation; Interesse stands at once. A second registration replaces the
/// first (e.g. Interesse → Mitarbeit).
pub async fn melden(
    db: &Db,
    uhr: &Uhr,
    projekt: &str,
    organisation: Option<&str>,
    art: &str,
    wer: &str,
) -> Result<(), Fehler> {
    let Some(org) = organisation.filter(|o| !o.is_empty()) else {
        return Err(Fehler::feld(
            "organisation",
            "Ihrem Konto ist keine Organisation zugeordnet; bitte wenden Sie sich an die Koordinierungsstelle.",
        ));
    };
    if !projekt_gibt_es(db, projekt).await? {
        return Err(nicht_gefunden(projekt));
    }
    let art = match art_lesen(art) {
        Ok(a) => a,
        Err(m) => return Err(Fehler::feld("art", m)),
    };
    let alt = meldungen(db, projekt)
        .await?
        .into_iter()
        .find(|m| m.organisation == org);
    if alt.as_ref().is_some_and(|m| m.art == art.key()) {
        return Err(Fehler::feld(
            "art",
            format!(
                "Ihre Organisation ist für dieses Projekt bereits mit „{}“ gemeldet.",
                art_label(art.key())
            ),
        ));
    }
    let status = match art {
        Art::Mitarbeit => "angefragt",
        Art::Interesse => "gemeldet",
    };
    let vorher = alt
        .as_ref()
        .map(|m| format!("{} ({})", m.art, m.status))
        .unwrap_or_default();
    db.execute_all(&[
        sql!("DELETE FROM beteiligung WHERE projekt = $1 AND organisation = $2", projekt, org),
        sql!("INSERT INTO beteiligung (projekt, organisation, art, status, gemeldet_von, gemeldet_am) VALUES ($1, $2, $3, $4, $5, $6)", projekt, org, art.key(), status, wer, uhr.jetzt_iso()),
        neue_revision("beteiligung")?,
        audit::eintrag(
uhr,
wer,
"beteiligung-melden",
&objekt(projekt),
&[(
                &format!("beteiligung {org}"),
                &vorher,
                &format!("{} ({status})", art.key()),
            )],
),
    ])
    .await?;
    Ok(())
}

/// Withdraws the registration of the member's own organisation.
pub async fn zurueckziehen(
    db: &Db,
    uhr: &Uhr,
    projekt: &str,
    organisation: Option<&str>,
    wer: &str,
) -> Result<(), Fehler> {
    let Some(org) = organisation.filter(|o| !o.is_empty()) else {
        return Err(Fehler::feld(
            "organisation",
            "Ihrem Konto ist keine Organisation zugeordnet.",
        ));
    };
    let Some(alt) = meldungen(db, projekt)
        .await?
        .into_iter()
        .find(|m| m.organisation == org)
    else {
        return Err(Fehler::feld(
            "beteiligung",
            "Ihre Organisation hat für dieses Projekt nichts gemeldet, das sich zurückziehen ließe.",
        ));
    };
    let ok = db
        .execute_guarded(
            &[
                sql!("DELETE FROM beteiligung WHERE projekt = $1 AND organisation = $2 AND art = $3 AND status = $4", projekt, org, alt.art.clone(), alt.status.clone()),
                neue_revision("beteiligung")?,
                audit::eintrag(
uhr,
wer,
"beteiligung-zurueckziehen",
&objekt(projekt),
&[(
                        &format!("beteiligung {org}"),
                        &format!("{} ({})", alt.art, alt.status),
                        "",
                    )],
),
            ],
            0,
        )
        .await?;
    if ok {
        Ok(())
    } else {
        Err(Fehler::feld(
            "beteiligung",
            "Die Meldung wurde inzwischen geändert; bitte laden Sie die Seite neu.",
        ))
    }
}

/// The coordinator confirms an offered Mitarbeit.
pub async fn bestaetigen(
    db: &Db,
    uhr: &Uhr,
    projekt: &str,
    organisation: &str,
    wer: &str,
) -> Result<(), Fehler> {
    let organisation = organisation.trim();
    if organisation.is_empty() {
        return Err(Fehler::feld(
            "organisation",
            "Bitte geben Sie an, wessen Mitarbeit Sie bestätigen.",
        ));
    }
    let ok = db
        .execute_guarded(
            &[
                sql!("UPDATE beteiligung SET status = 'bestaetigt', bestaetigt_von = $3, bestaetigt_am = $4 \
                          WHERE projekt = $1 AND organisation = $2 AND art = 'mitarbeit' AND status = 'angefragt'"
                        , projekt, organisation, wer, uhr.jetzt_iso()),
                neue_revision("beteiligung")?,
                audit::eintrag(
uhr,
wer,
"beteiligung-bestaetigen",
&objekt(projekt),
&[(
                        &format!("beteiligung {organisation}"),
                        "mitarbeit (angefragt)",
                        "mitarbeit (bestaetigt)",
                    )],
),
            ],
            0,
        )
        .await?;
    if ok {
        Ok(())
    } else {
        Err(Fehler::feld(
            "organisation",
            format!("„{organisation}“ hat für dieses Projekt keine offene Mitarbeit angeboten."),
        ))
    }
}

/// Sets or ends the call for more Mitarbeit (`hinweis` empty and `aktiv` false: ended).
pub async fn partnersuche(
    db: &Db,
    uhr: &Uhr,
    projekt: &str,
    aktiv: bool,
    hinweis: &str,
    wer: &str,
) -> Result<(), Fehler> {
    if !projekt_gibt_es(db, projekt).await? {
        return Err(nicht_gefunden(projekt));
    }
    let hinweis = hinweis.trim();
    if hinweis.chars().count() > 2000 {
        return Err(Fehler::feld(
            "hinweis",
            "Der Hinweis darf höchstens 2000 Zeichen lang sein.",
        ));
    }
    if aktiv && hinweis.is_empty() {
        return Err(Fehler::feld(
            "hinweis",
            "Bitte beschreiben Sie, welche Mitarbeit gesucht wird (z. B. „zwei Kreise für die Pilotierung“).",
        ));
    }
    let alt = db
        .scalar_text(sql!(
            "SELECT hinweis FROM partnersuche WHERE projekt = $1",
            projekt
        ))
        .await?
        .unwrap_or_default();
    let neu = if aktiv { hinweis } else { "" };
    if alt == neu {
        return Err(Fehler::feld(
            "hinweis",
            "Nichts geändert: die Partnersuche steht bereits so.",
        ));
    }
    let mut stmts = vec![
        sql!("DELETE FROM partnersuche WHERE projekt = $1", projekt),
        neue_revision("partnersuche")?,
    ];
    if aktiv {
        stmts.push(sql!(
            "INSERT INTO partnersuche (projekt, hinweis, geaendert, konto) VALUES ($1, $2, $3, $4)",
            projekt,
            neu,
            uhr.jetzt_iso(),
            wer
        ));
    }
    stmts.push(audit::eintrag(
        uhr,
        wer,
        "partnersuche",
        &objekt(projekt),
        &[("mitarbeit gesucht", &alt, neu)],
    ));
    db.execute_all(&stmts).await?;
    Ok(())
}

/// One line of a project's Verteiler.
#[derive(Debug, Clone, Serialize)]
pub struct Empfaenger {
    /// Organisation name.
    pub organisation: String,
    /// Organisation slug (None: a plan entry without a known organisation).
    pub organisation_slug: Option<String>,
    /// "mitarbeit" or "interesse".
    pub art: String,
    /// "plan", "angefragt", "bestaetigt", "gemeldet".
    pub status: String,
    /// Contact person (an active account of the organisation), if any.
    pub person: Option<String>,
    /// Their e-mail.
    pub email: Option<String>,
}

impl Empfaenger {
    /// Art label.
    pub fn art_text(&self) -> &'static str {
        art_label(&self.art)
    }
    /// Status label.
    pub fn status_text(&self) -> &'static str {
        status_label(&self.status)
    }
}

/// The Verteiler of a project: every organisation with Mitarbeit or Interesse (plan roles and
/// registrations; a registration overrides the plan's entry for the same organisation), one
/// line per contact person (active accounts of the organisation), organisations without an
/// account with an empty address.
pub async fn verteiler(db: &Db, projekt: &str) -> Result<Vec<Empfaenger>> {
    #[derive(Deserialize)]
    struct Org {
        name: String,
        slug: Option<String>,
        rolle: String,
    }
    let plan: Vec<Org> = db
        .query(sql!("SELECT COALESCE(o.name, r.text) AS name, o.slug, r.rolle FROM projekt_rolle r \
             JOIN projekt p ON p.id = r.projekt_id LEFT JOIN organisation o ON o.id = r.organisation_id \
             WHERE p.slug = $1 AND r.rolle IN ('mitarbeit', 'interesse') AND r.offen = 0 ORDER BY r.position", projekt))
        .await?;
    let gemeldet = meldungen(db, projekt).await?;
    let mut orgs: Vec<(String, Option<String>, String, String)> = Vec::new();
    for m in &gemeldet {
        orgs.push((
            m.name().to_owned(),
            Some(m.organisation.clone()),
            m.art.clone(),
            m.status.clone(),
        ));
    }
    for o in plan {
        if o.slug
            .as_ref()
            .is_some_and(|s| orgs.iter().any(|x| x.1.as_deref() == Some(s)))
        {
            continue;
        }
        orgs.push((o.name, o.slug, o.rolle, "plan".into()));
    }
    #[derive(Deserialize)]
    struct K {
        name: String,
        email: String,
        organisation: String,
    }
    let konten: Vec<K> = db
        .query(sql!("SELECT name, email, organisation FROM konto WHERE aktiv <> 0 AND organisation IS NOT NULL ORDER BY name"))
        .await?;
    let mut out = Vec::new();
    orgs.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    for (name, slug, art, status) in orgs {
        let personen: Vec<&K> = konten
            .iter()
            .filter(|k| slug.as_deref() == Some(k.organisation.as_str()))
            .collect();
        if personen.is_empty() {
            out.push(Empfaenger {
                organisation: name,
                organisation_slug: slug,
                art,
                status,
                person: None,
                email: None,
            });
        } else {
            for k in personen {
                out.push(Empfaenger {
                    organisation: name.clone(),
                    organisation_slug: slug.clone(),
                    art: art.clone(),
                    status: status.clone(),
                    person: Some(k.name.clone()),
                    email: Some(k.email.clone()),
                });
            }
        }
    }
    Ok(out)
}

/// The Verteiler as CSV (semicolon-separated with BOM, as German spreadsheet programs expect).
pub fn verteiler_csv(v: &[Empfaenger]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record([
        "Organisation",
        "Beteiligung",
        "Stand",
        "Ansprechperson",
        "E-Mail",
    ])?;
    for e in v {
        w.write_record([
            csv_zelle(&e.organisation).as_ref(),
            e.art_text(),
            e.status_text(),
            csv_zelle(e.person.as_deref().unwrap_or("")).as_ref(),
            csv_zelle(e.email.as_deref().unwrap_or("")).as_ref(),
        ])?;
    }
    Ok(w.into_inner()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn art_parse_names_the_allowed_values() {
        assert_eq!(art_lesen("mitarbeit"), Ok(Art::Mitarbeit));
        assert!(
            art_lesen("")
                .unwrap_err()
                .contains("Mitarbeit oder Interesse")
        );
        assert!(
            art_lesen("chef")
                .unwrap_err()
                .contains("mitarbeit, interesse")
        );
    }

    #[test]
    fn csv_neutralises_formulas() {
        let v = vec![Empfaenger {
            organisation: "=HYPERLINK(\"x\")".into(),
            organisation_slug: None,
            art: "interesse".into(),
            status: "plan".into(),
            person: None,
            email: None,
        }];
        let text = String::from_utf8(verteiler_csv(&v).unwrap()).unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert!(text.contains("'=HYPERLINK"), "{text}");
        assert!(text.contains("Interesse an Mitarbeit;laut Umsetzungsplan"));
    }
}

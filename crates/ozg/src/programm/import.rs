//! Writes a validated [`Dataset`] into the database in one transaction (all or nothing).
//!
//! IDs are assigned here with a different offset per table (themenfeld 1…, lage 100…, LeiKa
//! 20000…, organisation 30000…, projekt 70000…), so a query that mixes up IDs of two tables
//! finds nothing and the tests notice.

use ozg_domain::dataset::Dataset;
use ozg_domain::project::{Projektstart, Rolle, slugify};
use ozg_domain::search::index_string;
use serde::Deserialize;
use serde_json::json;

use crate::kern::db::{Arg, Db, DbFehler, SqlBuilder, Stmt};
use crate::sql;

/// ID offsets per table.
pub const LAGE_ID: i64 = 100;
/// LeiKa offset.
pub const LEIKA_ID: i64 = 20_000;
/// Organisation offset.
pub const ORG_ID: i64 = 30_000;
/// Fachlichkeit offset.
pub const FACH_ID: i64 = 60_000;
/// Projekt offset.
pub const PROJEKT_ID: i64 = 70_000;
/// Rolle offset.
pub const ROLLE_ID: i64 = 80_000;
/// Workshop offset.
pub const WORKSHOP_ID: i64 = 90_000;

/// Tables in deletion order (children first). A workshop's participants and resulting
/// projects recorded on the web go with it: the import numbers workshops by their place in
/// the file, so kept rows would attach to whichever workshop gets that number (the import
/// lists "Workshop bearbeitet" among the web edits it replaces).
const TABLES: [&str; 17] = [
    "search_doc",
    "workshop_teilnehmer",
    "workshop_projekt",
    "workshop_themenfeld",
    "workshop",
    "projekt_kdn_nr",
    "projekt_ozg_leistung",
    "projekt_rolle",
    "projekt_fachlichkeit",
    "projekt_themenfeld",
    "projekt",
    "fachlichkeit",
    "organisation",
    "leika_leistung",
    "ozg_leistung",
    "lage",
    "themenfeld",
];

/// Multi-row INSERTs, chunked below both databases' parameter limits.
fn insert_rows(
    out: &mut Vec<Stmt>,
    table: &'static str,
    cols: &[&'static str],
    rows: Vec<Vec<Arg>>,
) {
    let per_stmt = (30_000 / cols.len()).clamp(1, 400);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Arg>> = rows.by_ref().take(per_stmt).collect();
        let mut q = SqlBuilder::new("INSERT INTO ");
        q.push(table).push(" (");
        for (i, c) in cols.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push(c);
        }
        q.push(") VALUES ");
        for (i, r) in chunk.into_iter().enumerate() {
            debug_assert_eq!(r.len(), cols.len());
            if i > 0 {
                q.push(", ");
            }
            q.push("(").bind_liste(r).push(")");
        }
        out.push(q.stmt());
    }
}

fn ids(v: impl IntoIterator<Item = i64>) -> Arg {
    Arg::Int(v.into_iter().next())
}

/// Builds every statement that replaces the programme data with `ds`, setting the data
/// revision to `revision`.
fn statements(ds: &Dataset, revision: &str, jetzt: &str) -> Vec<Stmt> {
    let mut out: Vec<Stmt> = TABLES
        .iter()
        .map(|t| {
            let mut q = SqlBuilder::new("DELETE FROM ");
            q.push(t);
            q.stmt()
        })
        .collect();
    let tf_id = |i: usize| i as i64 + 1;

    insert_rows(
        &mut out,
        "themenfeld",
        &[
            "id",
            "name",
            "slug",
            "abschnitt",
            "hinweis",
            "projektleitung_text",
            "leistungstabelle",
        ],
        ds.themenfelder
            .iter()
            .enumerate()
            .map(|(i, t)| {
                vec![
                    tf_id(i).into(),
                    (&t.name).into(),
                    (&t.slug).into(),
                    t.abschnitt.clone().into(),
                    t.hinweis.clone().into(),
                    t.projektleitung_text.clone().into(),
                    serde_json::to_string(&t.leistungstabelle)
                        .unwrap_or_else(|_| "[]".into())
                        .into(),
                ]
            })
            .collect(),
    );
    insert_rows(
        &mut out,
        "lage",
        &["id", "themenfeld_id", "name", "slug"],
        ds.lagen
            .iter()
            .enumerate()
            .map(|(i, l)| {
                vec![
                    (LAGE_ID + i as i64).into(),
                    tf_id(l.themenfeld).into(),
                    (&l.name).into(),
                    (&l.slug).into(),
                ]
            })
            .collect(),
    );
    insert_rows(
        &mut out,
        "ozg_leistung",
        &["ozg_id", "name", "lage_id", "themenfeld_id"],
        ds.ozg_leistungen
            .iter()
            .map(|l| {
                vec![
                    i64::from(l.ozg_id.get()).into(),
                    (&l.name).into(),
                    (LAGE_ID + l.lage as i64).into(),
                    tf_id(l.themenfeld).into(),
                ]
            })
            .collect(),
    );
    insert_rows(
        &mut out,
        "leika_leistung",
        &[
            "id",
            "schluessel",
            "schluessel_roh",
            "name",
            "ozg_id",
            "typisierung",
            "typisierung_roh",
            "rechtsgrundlagen",
        ],
        ds.leika
            .iter()
            .enumerate()
            .map(|(i, l)| {
                vec![
                    (LEIKA_ID + i as i64).into(),
                    l.schluessel.as_ref().map(|k| k.as_str().to_owned()).into(),
                    (&l.schluessel_roh).into(),
                    (&l.name).into(),
                    l.ozg_id.map(|o| i64::from(o.get())).into(),
                    l.typisierung.map(i64::from).into(),
                    (&l.typisierung_roh).into(),
                    (&l.rechtsgrundlagen).into(),
                ]
            })
            .collect(),
    );
    insert_rows(
        &mut out,
        "organisation",
        &[
            "id",
            "slug",
            "name",
            "amtlicher_name",
            "kurzname",
            "art",
            "it_dienstleister",
            "ags",
            "ars",
            "kreis_id",
            "regierungsbezirk_id",
            "lat",
            "lon",
            "ort",
            "url",
            "beschreibung",
            "aliases",
        ],
        ds.organisationen
            .iter()
            .enumerate()
            .map(|(i, o)| {
                vec![
                    (ORG_ID + i as i64).into(),
                    (&o.slug).into(),
                    (&o.name).into(),
                    o.amtlicher_name.clone().into(),
                    o.kurzname.clone().into(),
                    o.art.key().into(),
                    o.it_dienstleister.into(),
                    o.ags.as_ref().map(|a| a.as_str().to_owned()).into(),
                    o.ars.as_ref().map(|a| a.as_str().to_owned()).into(),
                    ids(o.kreis.map(|k| ORG_ID + k as i64)),
                    ids(o.regierungsbezirk.map(|k| ORG_ID + k as i64)),
                    o.lat.into(),
                    o.lon.into(),
                    o.ort.clone().into(),
                    o.url.clone().into(),
                    o.beschreibung.clone().into(),
                    o.aliases.join("; ").into(),
                ]
            })
            .collect(),
    );

    // Fachlichkeiten: distinct names in first-seen order.
    let mut fach: Vec<&str> = Vec::new();
    for p in &ds.projekte {
        for f in &p.fachlichkeiten {
            if !fach.contains(&f.as_str()) {
                fach.push(f);
            }
        }
    }
    let mut fach_slugs: Vec<String> = Vec::new();
    insert_rows(
        &mut out,
        "fachlichkeit",
        &["id", "name", "slug", "begriffe"],
        fach.iter()
            .enumerate()
            .map(|(i, f)| {
                let mut s = slugify(f);
                if fach_slugs.contains(&s) {
                    s = format!("{s}-{i}");
                }
                fach_slugs.push(s.clone());
                let begriffe = ds.fachlichkeit_vokabular.zuordnen(f).join("; ");
                vec![
                    (FACH_ID + i as i64).into(),
                    (*f).into(),
                    s.into(),
                    begriffe.into(),
                ]
            })
            .collect(),
    );

    let mut projekt_rows = Vec::new();
    let mut tf_rows = Vec::new();
    let mut fach_rows = Vec::new();
    let mut rolle_rows = Vec::new();
    let mut ozg_rows = Vec::new();
    let mut kdn_rows = Vec::new();
    for (i, p) in ds.projekte.iter().enumerate() {
        let pid = PROJEKT_ID + i as i64;
        let partner_gesucht = p
            .rollen
            .iter()
            .any(|r| r.offen && matches!(r.rolle, Rolle::Kommunalpartner | Rolle::ItPartner));
        let tf_text = p
            .themenfelder
            .iter()
            .map(|(t, _)| ds.themenfelder[*t].name.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        projekt_rows.push(vec![
            pid.into(),
            (&p.slug).into(),
            (&p.name).into(),
            p.position.into(),
            Arg::Text(None),
            p.anmerkung.clone().into(),
            p.projektstart
                .map(|s| s.to_string())
                .or_else(|| p.projektstart_text.clone())
                .into(),
            p.projektstart.map(|s| s.kind().to_owned()).into(),
            p.projektstart.and_then(Projektstart::ordinal).into(),
            p.prioritaet_nrw.map(i64::from).into(),
            p.prioritaet_bund.map(i64::from).into(),
            p.prioritaet_veranstaltungen.clone().into(),
            p.zielportal.map(|z| z.key().to_owned()).into(),
            p.arbeitsstruktur.into(),
            Arg::Int(None),
            partner_gesucht.into(),
            tf_text.into(),
            p.fachlichkeiten.join("; ").into(),
            json!(p.hinweise).to_string().into(),
            json!(p.unsicher).to_string().into(),
            p.steckbrief.as_ref().map(|s| json!(s).to_string()).into(),
            (&p.quelle).into(),
        ]);
        for (t, teil) in &p.themenfelder {
            tf_rows.push(vec![
                pid.into(),
                tf_id(*t).into(),
                teil.clone().into(),
                p.listen_start.get(t).cloned().into(),
                p.listen_start
                    .get(t)
                    .and_then(|ps| Projektstart::parse(ps).ok())
                    .and_then(Projektstart::ordinal)
                    .into(),
            ]);
        }
        for (pos, f) in p.fachlichkeiten.iter().enumerate() {
            let fi = fach.iter().position(|x| x == f).unwrap_or_default();
            fach_rows.push(vec![
                pid.into(),
                (FACH_ID + fi as i64).into(),
                (pos as i64).into(),
            ]);
        }
        for (pos, r) in p.rollen.iter().enumerate() {
            rolle_rows.push(vec![
                (ROLLE_ID + rolle_rows.len() as i64).into(),
                pid.into(),
                r.rolle.key().into(),
                ids(r.organisation.map(|o| ORG_ID + o as i64)),
                (&r.text).into(),
                r.hinweis.clone().into(),
                r.offen.into(),
                r.unsicher.clone().into(),
                (pos as i64).into(),
            ]);
        }
        for l in &p.ozg {
            ozg_rows.push(vec![
                pid.into(),
                i64::from(l.ozg_id.get()).into(),
                l.quelle.into(),
                l.hinweis.clone().into(),
            ]);
        }
        for n in &p.kdn_nr {
            kdn_rows.push(vec![i64::from(*n).into(), false.into(), pid.into()]);
        }
        for n in &p.kdn_admin_nr {
            kdn_rows.push(vec![i64::from(*n).into(), true.into(), pid.into()]);
        }
    }
    insert_rows(
        &mut out,
        "projekt",
        &[
            "id",
            "slug",
            "name",
            "position",
            "beschreibung",
            "anmerkung",
            "projektstart_text",
            "projektstart_art",
            "start_ordinal",
            "prioritaet_nrw",
            "prioritaet_bund",
            "prioritaet_veranstaltungen",
            "zielportal",
            "arbeitsstruktur",
            "efa",
            "partner_gesucht",
            "themenfelder_text",
            "fachlichkeit_text",
            "hinweise",
            "unsicher",
            "steckbrief",
            "quelle",
        ],
        projekt_rows,
    );
    insert_rows(
        &mut out,
        "projekt_themenfeld",
        &[
            "projekt_id",
            "themenfeld_id",
            "teilabschnitt",
            "projektstart_text",
            "start_ordinal",
        ],
        tf_rows,
    );
    insert_rows(
        &mut out,
        "projekt_fachlichkeit",
        &["projekt_id", "fachlichkeit_id", "position"],
        fach_rows,
    );
    insert_rows(
        &mut out,
        "projekt_rolle",
        &[
            "id",
            "projekt_id",
            "rolle",
            "organisation_id",
            "text",
            "hinweis",
            "offen",
            "unsicher",
            "position",
        ],
        rolle_rows,
    );
    insert_rows(
        &mut out,
        "projekt_ozg_leistung",
        &["projekt_id", "ozg_id", "quelle", "hinweis"],
        ozg_rows,
    );
    insert_rows(
        &mut out,
        "projekt_kdn_nr",
        &["kdn_nr", "admin", "projekt_id"],
        kdn_rows,
    );

    let mut ws_rows = Vec::new();
    let mut ws_tf = Vec::new();
    for (i, w) in ds.workshops.iter().enumerate() {
        let wid = WORKSHOP_ID + i as i64;
        ws_rows.push(vec![
            wid.into(),
            (&w.row.datum).into(),
            w.row.ort.clone().into(),
            w.row.quelle.clone().into(),
            w.row.anmerkung.clone().into(),
            w.row.themenfelder.join("; ").into(),
            json!(w.row.unsicher).to_string().into(),
        ]);
        for t in &w.themenfelder {
            if !ws_tf
                .iter()
                .any(|r: &Vec<Arg>| r[0] == Arg::from(wid) && r[1] == Arg::from(tf_id(*t)))
            {
                ws_tf.push(vec![wid.into(), tf_id(*t).into()]);
            }
        }
    }
    insert_rows(
        &mut out,
        "workshop",
        &[
            "id",
            "datum",
            "ort",
            "quelle",
            "anmerkung",
            "themenfelder",
            "unsicher",
        ],
        ws_rows,
    );
    insert_rows(
        &mut out,
        "workshop_themenfeld",
        &["workshop_id", "themenfeld_id"],
        ws_tf,
    );

    let uebersicht: Vec<Option<String>> = ds
        .uebersicht_projekte
        .iter()
        .map(|o| o.map(|i| ds.projekte[i].slug.clone()))
        .collect();
    out.push(sql!("DELETE FROM dokument"));
    insert_rows(
        &mut out,
        "dokument",
        &["key", "body"],
        vec![
            vec!["programm".into(), json!(ds.programm).to_string().into()],
            vec![
                "uebersicht_projekte".into(),
                json!(uebersicht).to_string().into(),
            ],
        ],
    );

    insert_rows(
        &mut out,
        "search_doc",
        &[
            "id",
            "kind",
            "title",
            "subtitle",
            "url",
            "rank",
            "terms",
            "title_terms",
        ],
        search_docs(ds),
    );

    out.push(sql!("DELETE FROM meta WHERE key = $1", "datenstand"));
    out.push(sql!(
        "INSERT INTO meta (key, value) VALUES ($1, $2)",
        "datenstand",
        revision
    ));
    out.push(sql!("DELETE FROM meta WHERE key = $1", "erststart"));
    // The plan's Stand of this import is made after the commit (it is rendered from the
    // database); until it exists this mark says it is owed, so a crash in between is made
    // good at the next start (`cli::stand_nach_import`).
    out.push(sql!("DELETE FROM meta WHERE key = $1", "stand_offen"));
    out.push(sql!(
        "INSERT INTO meta (key, value) VALUES ($1, $2)",
        "stand_offen",
        "Datenimport"
    ));
    // Where the audit log stood at the import: web edits after it are what the next import
    // would undo (numbers, not times: an edit in the same second still counts).
    out.push(sql!("DELETE FROM meta WHERE key = $1", "import_audit"));
    out.push(sql!(
        "INSERT INTO meta (key, value) SELECT $1, CAST(COALESCE(MAX(id), 0) AS TEXT) FROM audit",
        "import_audit"
    ));
    // When the data last changed: a plan "as of" a later date is the live data.
    out.push(sql!("DELETE FROM meta WHERE key = $1", "geaendert"));
    out.push(sql!(
        "INSERT INTO meta (key, value) VALUES ($1, $2)",
        "geaendert",
        jetzt
    ));
    out
}

fn search_docs(ds: &Dataset) -> Vec<Vec<Arg>> {
    let mut rows = Vec::new();
    let mut push =
        |kind: &str, rank: i64, title: &str, subtitle: String, url: String, extra: &str| {
            let id = rows.len() as i64 + 1;
            rows.push(vec![
                id.into(),
                kind.into(),
                title.into(),
                subtitle.into(),
                url.into(),
                rank.into(),
                index_string(&format!("{title} {extra}")).into(),
                index_string(title).into(),
            ]);
        };
    for p in &ds.projekte {
        let tfs: Vec<&str> = p
            .themenfelder
            .iter()
            .map(|(t, _)| ds.themenfelder[*t].name.as_str())
            .collect();
        let orgs: Vec<&str> = p.rollen.iter().map(|r| r.text.as_str()).collect();
        push(
            "projekt",
            1,
            &p.name,
            tfs.join(", "),
            format!("/projekte/{}", p.slug),
            &format!(
                "{} {} {} {}",
                p.fachlichkeiten.join(" "),
                p.fachlichkeiten
                    .iter()
                    .flat_map(|f| ds.fachlichkeit_vokabular.zuordnen(f))
                    .collect::<Vec<_>>()
                    .join(" "),
                tfs.join(" "),
                orgs.join(" ")
            ),
        );
    }
    for l in &ds.ozg_leistungen {
        push(
            "ozg-leistung",
            2,
            &l.name,
            format!("OZG-ID {} · {}", l.ozg_id, ds.lagen[l.lage].name),
            format!("/ozg-leistungen/{}", l.ozg_id),
            &format!("{} {}", l.ozg_id, ds.lagen[l.lage].name),
        );
    }
    for (i, l) in ds.leika.iter().enumerate() {
        push(
            "leika-leistung",
            3,
            &l.name,
            format!("Leistungsschlüssel {}", l.schluessel_roh),
            format!("/leika-leistungen/{}", LEIKA_ID + i as i64),
            &format!("{} {}", l.schluessel_roh, l.rechtsgrundlagen),
        );
    }
    for o in &ds.organisationen {
        push(
            "organisation",
            4,
            &o.name,
            o.art.label().to_owned(),
            format!("/organisationen/{}", o.slug),
            &format!(
                "{} {} {} {}",
                o.kurzname.as_deref().unwrap_or(""),
                o.aliases.join(" "),
                o.ags
                    .as_ref()
                    .map(ozg_domain::ids::Ags::as_str)
                    .unwrap_or(""),
                o.amtlicher_name.as_deref().unwrap_or("")
            ),
        );
    }
    rows
}

/// The kinds of web edits an import replaces with the plan files' content, with their German
/// names: project fields and roles, organisations, Steckbriefe (and their drafts), workshops,
/// the start of the Umsetzung set by a decision.
pub const VOM_IMPORT_ERSETZT: [(&str, &str); 9] = [
    ("projekt-bearbeitet", "Projekt bearbeitet"),
    (
        "beteiligte-bearbeitet",
        "Beteiligte und Leistungen bearbeitet",
    ),
    ("organisation-bearbeitet", "Organisation bearbeitet"),
    ("steckbrief-entwurf", "Steckbrief-Entwurf gespeichert"),
    ("steckbrief-veroeffentlicht", "Steckbrief veröffentlicht"),
    ("workshop-angelegt", "Workshop angelegt"),
    ("workshop-bearbeitet", "Workshop bearbeitet"),
    ("beschluss", "Beschluss erfasst (Beginn der Umsetzung)"),
    (
        "umlauf-ausgezaehlt",
        "Umlaufverfahren ausgezählt (Beginn der Umsetzung)",
    ),
];

/// A web edit since the last import.
#[derive(Debug, Clone, Deserialize)]
pub struct WebAenderung {
    /// When (UTC, ISO).
    pub zeit: String,
    /// Who.
    pub konto: String,
    /// What kind (audit action).
    pub aktion: String,
    /// Of what (`projekt:kinderbetreuung`).
    pub objekt: String,
}

impl WebAenderung {
    /// The German name of the kind.
    pub fn art(&self) -> &'static str {
        VOM_IMPORT_ERSETZT
            .iter()
            .find(|(k, _)| *k == self.aktion)
            .map_or("Änderung", |(_, l)| l)
    }
}

/// The web edits since the last import that a new import would undo (from the audit log).
pub async fn web_aenderungen(db: &Db) -> Result<Vec<WebAenderung>, DbFehler> {
    let seit: i64 = db
        .meta("import_audit")
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut q = SqlBuilder::new("SELECT zeit, konto, aktion, objekt FROM audit WHERE id > ");
    q.bind(seit).push(" AND aktion IN (");
    q.bind_liste(VOM_IMPORT_ERSETZT.iter().map(|(k, _)| *k));
    q.push(") ORDER BY id");
    db.query(q.stmt()).await
}

/// The data revision an import writes: new every time, also for the same files. Caches
/// compare revisions for equality, so setting the files' fingerprint again after other
/// writes had moved the revision on would make an instance that cached it before those
/// writes serve them stale.
fn import_revision(version: &str) -> Result<String, DbFehler> {
    Ok(format!("import-{version}-{}", crate::kern::token::token()?))
}

/// Imports the dataset in one transaction, unless a web edit of the kinds the import
/// replaces was made after audit entry `geprueft_bis` (the newest when the operator was shown
/// what the import replaces): then nothing changes and the answer is `false`. The check is
/// the transaction's first statement, so no edit slips in between check and import.
pub async fn import_dataset(
    db: &Db,
    uhr: &crate::kern::Uhr,
    ds: &Dataset,
    version: &str,
    geprueft_bis: i64,
) -> Result<bool, DbFehler> {
    let revision = import_revision(version)?;
    let mut waechter = SqlBuilder::new(
        "INSERT INTO meta (key, value) SELECT 'import_pruefung', '1' WHERE NOT EXISTS \
         (SELECT 1 FROM audit WHERE id > ",
    );
    waechter.bind(geprueft_bis).push(" AND aktion IN (");
    waechter.bind_liste(VOM_IMPORT_ERSETZT.iter().map(|(k, _)| *k));
    waechter.push("))");
    let mut stmts = vec![
        sql!("DELETE FROM meta WHERE key = $1", "import_pruefung"),
        waechter.stmt(),
    ];
    stmts.extend(statements(ds, &revision, &uhr.jetzt_iso()));
    stmts.push(sql!("DELETE FROM meta WHERE key = $1", "import_pruefung"));
    db.execute_exklusiv(&stmts, Some(1)).await
}

/// The newest audit entry (0 without any): what an import's check of web edits saw.
pub async fn audit_stand(db: &Db) -> Result<i64, DbFehler> {
    db.scalar(sql!("SELECT COALESCE(MAX(id), 0) FROM audit"))
        .await
}

/// The first import of an empty database, once across instances that start at the same
/// time: the first writes, the others find the data there (guard) and import nothing.
/// Returns whether this call imported.
pub async fn erstimport(
    db: &Db,
    uhr: &crate::kern::Uhr,
    ds: &Dataset,
    version: &str,
) -> Result<bool, DbFehler> {
    let mut stmts = vec![sql!(
        "INSERT INTO meta (key, value) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = $3)",
        "erststart",
        uhr.jetzt_iso(),
        "datenstand"
    )];
    stmts.extend(statements(ds, &import_revision(version)?, &uhr.jetzt_iso()));
    db.execute_exklusiv(&stmts, Some(0)).await
}

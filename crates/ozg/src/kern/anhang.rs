//! Attachments: files that belong to a record of some capability (a Steckbrief's documents, a
//! workshop's photo protocol, later the documents of an Antrag).
//!
//! The type is checked by content (`ozg_domain::anhang`), never by the name; the size is
//! limited. Files are stored outside any served directory, under the data directory, named by
//! their SHA-256 (so a file name from the client never reaches the file system), and only the
//! application serves them ([`ausliefern`]), with headers that stop a browser from running
//! them. The metadata lives in the database; the file is written before the row, so a row
//! never points to a missing file.
//!
//! Who may remove an attachment depends on its owner: each capability registers a
//! [`Besitzer`] for its kinds of record.

use axum::extract::{Path as UrlPfad, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::access::{Aktion, darf_fuer};
use ozg_domain::anhang::{self, Dateiart};
use serde::{Deserialize, Serialize};

use crate::kern::ablage::{Ablage, Eingang};
use crate::kern::audit::{self, Art, Objekt};
use crate::kern::db::{Db, int_bool};
use crate::kern::fehler::Fehler;
use crate::kern::formular::{Formular, Leer};
use crate::kern::sitzung::{Angemeldet, angemeldet};
use crate::kern::uhr::{Uhr, datum_de};
use crate::kern::zustand::{AppState, Zukunft};
use crate::sql;

/// An attachment's metadata.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Anhang {
    /// Number.
    pub id: i64,
    /// What it belongs to, as stored ("steckbrief:<slug>", "workshop:<id>").
    pub objekt: String,
    /// Title.
    pub titel: String,
    /// Cleaned file name.
    pub dateiname: String,
    /// Dateiart key.
    pub art: String,
    /// Size in bytes.
    pub groesse: i64,
    /// Content hash (file name in the store).
    pub sha256: String,
    /// Visible to the public (else members only).
    #[serde(deserialize_with = "int_bool::deserialize")]
    pub oeffentlich: bool,
    /// Who uploaded.
    pub hochgeladen_von: String,
    /// When (ISO).
    pub hochgeladen_am: String,
}

impl Anhang {
    /// The Dateiart.
    pub fn dateiart(&self) -> Option<Dateiart> {
        Dateiart::parse(&self.art).ok()
    }
    /// Label of the type.
    pub fn art_text(&self) -> &'static str {
        self.dateiart().map(Dateiart::label).unwrap_or("Datei")
    }
    /// Whether it is an image.
    pub fn ist_bild(&self) -> bool {
        self.dateiart().is_some_and(Dateiart::ist_bild)
    }
    /// Size for people ("1,4 MB", "320 kB").
    pub fn groesse_text(&self) -> String {
        let b = self.groesse as f64;
        if b >= 1024.0 * 1024.0 {
            format!("{:.1} MB", b / 1024.0 / 1024.0).replace('.', ",")
        } else {
            format!("{} kB", (b / 1024.0).ceil() as i64)
        }
    }
    /// Upload date (German).
    pub fn datum(&self) -> String {
        datum_de(&self.hochgeladen_am)
    }
    /// Address in the portal.
    pub fn url(&self) -> String {
        format!("/anhaenge/{}/{}", self.id, self.dateiname)
    }
}

/// Attachments of a record, oldest first; `intern`: include those for members only.
pub async fn liste(db: &Db, objekt: &Objekt, intern: bool) -> Result<Vec<Anhang>, Fehler> {
    Ok(db
        .query(sql!(
            "SELECT id, objekt, titel, dateiname, art, groesse, sha256, oeffentlich, hochgeladen_von, hochgeladen_am \
             FROM anhang WHERE objekt = $1 AND ($2 = 1 OR oeffentlich <> 0) ORDER BY id",
            objekt.to_string(),
            intern
        ))
        .await?)
}

/// One attachment.
pub async fn laden(db: &Db, id: i64) -> Result<Option<Anhang>, Fehler> {
    Ok(db
        .query_opt(sql!(
            "SELECT id, objekt, titel, dateiname, art, groesse, sha256, oeffentlich, hochgeladen_von, hochgeladen_am \
             FROM anhang WHERE id = $1",
            id
        ))
        .await?)
}

/// An upload as received.
pub struct Upload<'a> {
    /// The client's file name.
    pub dateiname: String,
    /// The file as it arrived (in the store's intake), if one was sent.
    pub eingang: Option<&'a Eingang>,
    /// Title typed.
    pub titel: String,
    /// Public or members only.
    pub oeffentlich: bool,
}

/// Where an upload goes and who records it.
pub struct Ziel<'a> {
    /// The record the file belongs to.
    pub objekt: &'a Objekt,
    /// The record whose history notes the upload.
    pub audit: &'a Objekt,
    /// The accepted types.
    pub erlaubt: &'a [Dateiart],
    /// Who uploads.
    pub wer: &'a str,
    /// Further statements for the same transaction (e.g. a new revision of a cache that
    /// lists the owner's attachments).
    pub dazu: Vec<crate::kern::db::Stmt>,
}

/// Checks and stores an upload. A wrong file or title is [`Fehler::Ungueltig`] (fields
/// `datei`, `titel`) and stores nothing.
pub async fn hochladen(
    db: &Db,
    uhr: &Uhr,
    ablage: &Ablage,
    ziel: &Ziel<'_>,
    u: &Upload<'_>,
) -> Result<i64, Fehler> {
    let Some(e) = u
        .eingang
        .filter(|e| e.groesse() > 0 || !u.dateiname.is_empty())
    else {
        return Err(Fehler::feld("datei", "Bitte wählen Sie eine Datei aus."));
    };
    let groesse = e.groesse();
    let art = anhang::pruefen_anfang(&u.dateiname, groesse, e.anfang(), ziel.erlaubt)
        .map_err(|m| Fehler::feld("datei", m))?;
    let titel = u.titel.trim();
    if titel.chars().count() > 200 {
        return Err(Fehler::feld(
            "titel",
            "Der Titel darf höchstens 200 Zeichen lang sein.",
        ));
    }
    let name = anhang::dateiname_bereinigen(&u.dateiname, art);
    let titel = if titel.is_empty() {
        name.clone()
    } else {
        titel.to_owned()
    };
    let sha = ablage.uebernehmen(e).await?;
    let id = db
        .mit_neuer_id("anhang", |id| {
            let mut stmts = vec![
                sql!(
                    "INSERT INTO anhang (id, objekt, titel, dateiname, art, groesse, sha256, oeffentlich, hochgeladen_von, hochgeladen_am) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    id,
                    ziel.objekt.to_string(),
                    titel.as_str(),
                    name.as_str(),
                    art.key(),
                    groesse as i64,
                    sha.as_str(),
                    u.oeffentlich,
                    ziel.wer,
                    uhr.jetzt_iso()
                ),
                audit::eintrag(
                    uhr,
                    ziel.wer,
                    "anhang-hochgeladen",
                    ziel.audit,
                    &[(
                        &format!("anhang {id}"),
                        "",
                        &format!(
                            "{titel} ({name}, {}, {} Bytes, {})",
                            art.label(),
                            groesse,
                            if u.oeffentlich {
                                "öffentlich"
                            } else {
                                "nur Mitglieder"
                            }
                        ),
                    )],
                ),
            ];
            stmts.extend(ziel.dazu.iter().cloned());
            stmts
        })
        .await?;
    Ok(id)
}

/// Which Themenfelder an owner record belongs to, in whose history a removal is noted, and
/// where the visitor goes afterwards.
pub struct BesitzerRecht {
    /// The Themenfelder (ids) of the owner record, for the permission.
    pub themenfelder: Vec<i64>,
    /// The record whose history notes the removal.
    pub audit: Objekt,
    /// Where to go after the removal.
    pub zurueck: String,
    /// Further statements for the removal's transaction.
    pub dazu: Vec<crate::kern::db::Stmt>,
}

/// The rights of a kind of owner record, registered by the capability that owns it.
#[derive(Clone, Copy)]
pub struct Besitzer {
    /// The kind of owner.
    pub art: Art,
    /// The action a removal needs (decided for the owner's Themenfelder).
    pub aktion: Aktion,
    /// Loads the owner's rights by its key (404 when it does not exist).
    pub recht: for<'a> fn(&'a AppState, &'a str) -> Zukunft<'a, Result<BesitzerRecht, Fehler>>,
}

/// The owners registered by the capabilities (kept in the state's extensions).
#[derive(Default)]
pub struct AnhangBesitzer(pub Vec<Besitzer>);

/// `POST /anhaenge/{id}/entfernen`: removes an attachment from its record (the file stays in
/// the store: another attachment may share its content, and the audit log names it).
pub async fn entfernen(
    State(st): State<AppState>,
    UrlPfad(id): UrlPfad<i64>,
    f: Formular<Leer>,
) -> Result<Response, Fehler> {
    let s = angemeldet(f.sitzung.as_ref())?;
    let Some(a) = laden(&st.db, id).await? else {
        return Err(Fehler::nicht_gefunden(format!(
            "Eine Anlage Nr. {id} gibt es nicht."
        )));
    };
    let alle = st.erweiterung::<AnhangBesitzer>();
    let arten: Vec<Art> = alle.0.iter().map(|b| b.art).collect();
    let besitzer = Objekt::lesen(&a.objekt, &arten)
        .and_then(|o| alle.0.iter().find(|b| b.art == o.art()).map(|b| (*b, o)))
        .ok_or_else(|| anyhow::anyhow!("Anlage {id} gehört zu keinem bekannten Datensatz"))?;
    let (b, o) = besitzer;
    let recht = (b.recht)(&st, o.schluessel()).await?;
    if !darf_fuer(Some(&s.nutzer), b.aktion, &recht.themenfelder) {
        return Err(Fehler::verboten(
            "Anlagen entfernen die Koordinierungsstelle und die Koordination des Themenfelds.",
        ));
    }
    let mut stmts = vec![
        sql!("DELETE FROM anhang WHERE id = $1", a.id),
        audit::eintrag(
            &st.uhr,
            &s.konto.benutzername,
            "anhang-entfernt",
            &recht.audit,
            &[(&format!("anhang {}", a.id), &a.titel, "")],
        ),
    ];
    stmts.extend(recht.dazu);
    st.db.execute_guarded(&stmts, 0).await?;
    Ok(Redirect::to(&recht.zurueck).into_response())
}

/// `GET /anhaenge/{id}/{name}`: the file, with headers that keep a browser from executing it.
/// Internal attachments do not exist for the public (no hint that they do).
pub async fn ausliefern(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    UrlPfad((id, _name)): UrlPfad<(i64, String)>,
) -> Result<Response, Fehler> {
    let a = laden(&st.db, id).await?;
    let Some(a) = a.filter(|a| a.oeffentlich || s.is_some()) else {
        return Err(Fehler::nicht_gefunden(format!(
            "Eine Anlage Nr. {id} gibt es nicht."
        )));
    };
    let art = a.dateiart().unwrap_or(Dateiart::Pdf);
    let (body, laenge) = st.ablage.oeffnen(&a.sha256, a.groesse as u64).await?;
    let disposition = if art.ist_bild() {
        "inline"
    } else {
        "attachment"
    };
    // Streamed: a download never holds the whole file in memory.
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(laenge));
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(art.mime()));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("{disposition}; filename=\"{}\"", a.dateiname))
            .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    );
    // The file is data, never a page: no scripts, no plugins, its own origin.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; img-src 'self'; sandbox"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if a.oeffentlich {
            "public, max-age=86400"
        } else {
            "private, no-store"
        }),
    );
    Ok(r)
}

/// The upload form's fields: the file, its title and its visibility (`standard_oeffentlich`
/// when the form does not ask).
pub fn upload(f: &crate::kern::formular::Hochladen, standard_oeffentlich: bool) -> Upload<'_> {
    Upload {
        dateiname: f
            .datei
            .as_ref()
            .map(|d| d.dateiname.clone())
            .unwrap_or_default(),
        eingang: f.datei.as_ref().map(|d| &d.eingang),
        titel: f.feld("titel").to_owned(),
        oeffentlich: match f.feld("sichtbarkeit") {
            "oeffentlich" => true,
            "intern" => false,
            _ => standard_oeffentlich,
        },
    }
}

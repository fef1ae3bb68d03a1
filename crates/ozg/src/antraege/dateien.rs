//! Files of an Antrag: documents the citizen attaches, files of Postfach messages, the
//! receipt and the Bescheid. Checked by content (PDF, PNG, JPEG), scanned for viruses, stored
//! in the core's store under their SHA-256; served only to the Antrag's citizen and to its
//! authority's staff, never through the programme's attachment route.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::anhang::{self, Dateiart};
use ozg_domain::antrag::Zustand;
use serde::Deserialize;

use crate::antraege::daten;
use crate::antraege::zugriff::{Zugriff, oeffnen};
use crate::kern::db::{Db, Stmt};
use crate::kern::formular::Datei as Upload;
use crate::kern::person::Portal;
use crate::kern::schreibrouten::Zugang;
use crate::kern::{AppState, Fehler, Formular, Hochladen, Leer, Routen};
use crate::sql;

/// The types a citizen may send.
pub const ERLAUBT: [Dateiart; 3] = [Dateiart::Pdf, Dateiart::Png, Dateiart::Jpeg];

pub(super) fn routen() -> Routen {
    Routen::new()
        .hochladen_fuer(
            "/antraege/{id}/dateien",
            Zugang::Offen,
            anhang::ANHANG_MAX_BYTES,
            hochladen,
        )
        .schreiben_fuer(
            "/antraege/{id}/dateien/{datei}/entfernen",
            Zugang::Offen,
            entfernen,
        )
        .lesen("/antraege/{id}/dateien/{datei}", herunterladen)
}

/// A stored file of an Antrag.
#[derive(Debug, Clone, Deserialize)]
pub struct Datei {
    /// Number.
    pub id: i64,
    /// The message it came with.
    pub nachricht_id: Option<i64>,
    /// Clean file name.
    pub dateiname: String,
    /// Dateiart key.
    pub art: String,
    /// Bytes.
    pub groesse: i64,
    /// Content hash.
    pub sha256: String,
}

impl Datei {
    /// "Nachweis.pdf (PDF, 1,2 MB)".
    pub fn beschreibung(&self) -> String {
        format!(
            "{} ({}, {})",
            self.dateiname,
            Dateiart::parse(&self.art)
                .map(Dateiart::label)
                .unwrap_or("Datei"),
            groesse_text(self.groesse)
        )
    }
}

/// A size as people read it: "812 KB", "1,2 MB".
pub fn groesse_text(b: i64) -> String {
    if b < 1024 * 1024 {
        format!("{} KB", (b + 1023) / 1024)
    } else {
        format!(
            "{} MB",
            crate::kern::zahl::dezimal_de(b as f64 / (1024.0 * 1024.0), 1)
        )
    }
}

/// The files of an Antrag (`zweck` "": all).
pub async fn vom_antrag(db: &Db, antrag_id: i64, zweck: &str) -> Result<Vec<Datei>, Fehler> {
    Ok(db
        .query(sql!(
            "SELECT id, nachricht_id, dateiname, art, groesse, sha256 FROM antrag_datei \
             WHERE antrag_id = $1 AND ($2 = '' OR zweck = $2) ORDER BY zeit, id",
            antrag_id,
            zweck
        ))
        .await?)
}

/// An upload that passed the checks and is in the store.
pub struct Angenommen {
    /// Clean name.
    pub dateiname: String,
    /// Type.
    pub art: Dateiart,
    /// Bytes.
    pub groesse: usize,
    /// Content hash.
    pub sha256: String,
}

/// Checks an upload (type by content, size; the virus scan ran in the extractor) and stores
/// it; the German reason
/// when refused.
pub async fn annehmen(st: &AppState, d: Option<&Upload>) -> Result<Angenommen, String> {
    let Some(d) = d.filter(|d| d.eingang.groesse() > 0 || !d.dateiname.is_empty()) else {
        return Err("Bitte wählen Sie eine Datei aus.".into());
    };
    let art = anhang::pruefen_anfang(
        &d.dateiname,
        d.eingang.groesse(),
        d.eingang.anfang(),
        &ERLAUBT,
    )?;
    let sha256 = st.ablage.uebernehmen(&d.eingang).await.map_err(|e| {
        tracing::error!("Ablage: {e:#}");
        "Die Datei konnte nicht gespeichert werden. Bitte versuchen Sie es erneut.".to_owned()
    })?;
    Ok(Angenommen {
        dateiname: anhang::dateiname_bereinigen(&d.dateiname, art),
        art,
        groesse: d.eingang.groesse(),
        sha256,
    })
}

/// The statement that records a stored file for an Antrag.
pub async fn speichern_stmt(
    st: &AppState,
    antrag_id: i64,
    nachricht_id: Option<i64>,
    zweck: &str,
    a: &Angenommen,
    von: &str,
    zeit: i64,
) -> Result<Stmt, Fehler> {
    let id = st.db.neue_id("antrag_datei").await?;
    Ok(sql!(
        "INSERT INTO antrag_datei (id, antrag_id, nachricht_id, zweck, dateiname, art, groesse, sha256, von, zeit) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        id,
        antrag_id,
        nachricht_id,
        zweck,
        a.dateiname.as_str(),
        a.art.key(),
        a.groesse as i64,
        a.sha256.as_str(),
        von,
        zeit
    ))
}

/// Stores a PDF the portal made (receipt, Bescheid) and returns it as accepted file.
pub async fn pdf_ablegen(st: &AppState, name: &str, pdf: &[u8]) -> Result<Angenommen, Fehler> {
    let sha256 = st.ablage.bytes_speichern(pdf).await?;
    Ok(Angenommen {
        dateiname: name.to_owned(),
        art: Dateiart::Pdf,
        groesse: pdf.len(),
        sha256,
    })
}

/// Sends a file, as a download that no browser runs.
pub async fn ausliefern(st: &AppState, d: &Datei) -> Result<Response, Fehler> {
    let art = Dateiart::parse(&d.art).unwrap_or(Dateiart::Pdf);
    let (body, laenge) = st.ablage.oeffnen(&d.sha256, d.groesse as u64).await?;
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(laenge));
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(art.mime()));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", d.dateiname))
            .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(r)
}

/// `POST /antraege/{id}/dateien`: attaches a document to a draft.
async fn hochladen(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    f: Hochladen,
) -> Result<Response, Fehler> {
    let z = Zugriff::von_person(f.person.as_ref(), &headers);
    let (a, d) = oeffnen(&st, &z, id).await?;
    let letzter = d.formular.schritte.last().map_or("", |s| s.name);
    if a.zustand() != Zustand::Entwurf || !d.anlagen {
        return Err(Fehler::feld(
            "datei",
            "Zu diesem Antrag können Sie hier keine Dateien mehr hinzufügen.",
        ));
    }
    let n = vom_antrag(&st.db, a.id, "antrag").await?.len();
    if n >= 20 {
        return Err(Fehler::feld("datei", "Höchstens 20 Dateien je Antrag."));
    }
    match annehmen(&st, f.datei.as_ref()).await {
        Ok(x) => {
            let jetzt = st.uhr.sekunden();
            let stmt =
                speichern_stmt(&st, a.id, None, "antrag", &x, &z.wer_name(&a), jetzt).await?;
            st.db.execute_all(&[stmt]).await?;
            Ok(Redirect::to(&format!("/antraege/{id}/schritt/{letzter}#dateien")).into_response())
        }
        Err(m) => Err(Fehler::feld("datei", m)),
    }
}

/// `POST /antraege/{id}/dateien/{datei}/entfernen`: removes a document from a draft.
async fn entfernen(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path((id, datei)): Path<(i64, i64)>,
    f: Formular<Leer>,
) -> Result<Response, Fehler> {
    let z = Zugriff::von_person(f.person.as_ref(), &headers);
    let (a, d) = oeffnen(&st, &z, id).await?;
    if a.zustand() != Zustand::Entwurf {
        return Err(Fehler::feld(
            "datei",
            "Eingereichte Unterlagen bleiben beim Antrag.",
        ));
    }
    st.db
        .execute_guarded(
            &[sql!(
                "DELETE FROM antrag_datei WHERE id = $1 AND antrag_id = $2 AND zweck = 'antrag'",
                datei,
                a.id
            )],
            0,
        )
        .await?;
    let letzter = d.formular.schritte.last().map_or("", |s| s.name);
    Ok(Redirect::to(&format!("/antraege/{id}/schritt/{letzter}#dateien")).into_response())
}

/// `GET /antraege/{id}/dateien/{datei}`: a file of the citizen's own Antrag.
async fn herunterladen(
    State(st): State<AppState>,
    p: Portal,
    headers: HeaderMap,
    Path((id, datei)): Path<(i64, i64)>,
) -> Result<Response, Fehler> {
    let z = Zugriff::aus(&p, &headers);
    let (a, _) = oeffnen(&st, &z, id).await?;
    let d = vom_antrag(&st.db, a.id, "")
        .await?
        .into_iter()
        .find(|d| d.id == datei)
        .ok_or_else(|| Fehler::nicht_gefunden("Diese Datei gibt es zu diesem Antrag nicht."))?;
    ausliefern(&st, &d).await
}

/// A file of an Antrag of this authority (tenancy), else 404.
pub async fn fuer_behoerde(
    st: &AppState,
    antrag_id: i64,
    datei: i64,
    behoerde_id: i64,
) -> Result<Datei, Fehler> {
    daten::laden_fuer_behoerde(&st.db, antrag_id, behoerde_id)
        .await?
        .ok_or_else(|| Fehler::nicht_gefunden("Diesen Antrag gibt es in Ihrer Behörde nicht."))?;
    vom_antrag(&st.db, antrag_id, "")
        .await?
        .into_iter()
        .find(|d| d.id == datei)
        .ok_or_else(|| Fehler::nicht_gefunden("Diese Datei gibt es zu diesem Antrag nicht."))
}

/// Removes stored content that no record refers to (a file stored for a change whose
/// transaction then failed: a lost race, a refused transition), so nothing personal stays in
/// the store without a row that the Löschfrist would find.
pub async fn verwerfen(st: &AppState, a: &Angenommen) {
    let frei = st
        .db
        .scalar(sql!(
            "SELECT (SELECT COUNT(*) FROM antrag_datei WHERE sha256 = $1) + (SELECT COUNT(*) FROM anhang WHERE sha256 = $1)",
            a.sha256.as_str()
        ))
        .await
        .is_ok_and(|n| n == 0);
    if frei && let Err(e) = st.ablage.entfernen(&a.sha256).await {
        tracing::error!("Datei ohne Datensatz nicht entfernt: {e:#}");
    }
}

/// `r`, and on an error first the files stored for it removed ([`verwerfen`]).
pub async fn oder_verwerfen<T>(
    st: &AppState,
    r: Result<T, Fehler>,
    dateien: &[&Angenommen],
) -> Result<T, Fehler> {
    if r.is_err() {
        for d in dateien {
            verwerfen(st, d).await;
        }
    }
    r
}

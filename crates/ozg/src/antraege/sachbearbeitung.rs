//! The authority's side: the inbox (filters, search, pages), a case with its answers, files,
//! history, Postfach and notes; taking it up, assigning it, deadlines, Nachforderung, the
//! decision with a Bescheid as PDF, closing, and the case as PDF.
//!
//! Tenancy: every lookup goes through `daten::laden_fuer_behoerde` with the session's
//! authority; another authority's Antrag is "not found".

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::antrag::{self, Beteiligter, Ereignis, Zustand};
use ozg_domain::portal::{BehoerdenAktion, BehoerdenRolle};
use serde::Deserialize;

use crate::antraege::daten::{self, Antrag, Filter, Uebergang};
use crate::antraege::{Dienst, dateien, dienst, dienste, dokumente};
use crate::kern::mail::Nachricht as Mail;
use crate::kern::person::{Portal, PortalSitzung};
use crate::kern::schreibrouten::Zugang;
use crate::kern::uhr::{datum_de, datum_eingabe, tag_iso, zeit_de};
use crate::kern::{
    Abfrage, AppState, Fehler, Feldfehler, Formular, Hochladen, Leer, Routen, Verweis, postausgang,
};
use crate::sql;

const FALL: Zugang = Zugang::Behoerde(BehoerdenAktion::FallBearbeiten);

pub(super) fn routen() -> Routen {
    Routen::new()
        .lesen_fuer("/sachbearbeitung", FALL, eingang)
        .lesen_fuer("/sachbearbeitung/antraege/{id}", FALL, fall)
        .lesen_fuer("/sachbearbeitung/antraege/{id}/akte.pdf", FALL, akte)
        .lesen_fuer(
            "/sachbearbeitung/antraege/{id}/dateien/{datei}",
            FALL,
            datei,
        )
        .schreiben_fuer("/sachbearbeitung/antraege/{id}/ereignis", FALL, ereignis)
        .schreiben_fuer(
            "/sachbearbeitung/antraege/{id}/uebernehmen",
            FALL,
            uebernehmen,
        )
        .schreiben_fuer(
            "/sachbearbeitung/antraege/{id}/zuweisen",
            Zugang::Behoerde(BehoerdenAktion::Zuweisen),
            zuweisen,
        )
        .schreiben_fuer("/sachbearbeitung/antraege/{id}/notiz", FALL, notiz)
        .schreiben_fuer("/sachbearbeitung/antraege/{id}/frist", FALL, frist)
        .schreiben_fuer("/sachbearbeitung/antraege/{id}/gelesen", FALL, gelesen)
        .hochladen_fuer(
            "/sachbearbeitung/antraege/{id}/nachricht",
            FALL,
            ozg_domain::anhang::ANHANG_MAX_BYTES,
            nachricht,
        )
}

fn nicht_gefunden(id: i64) -> Fehler {
    Fehler::nicht_gefunden(format!(
        "Einen Antrag Nr. {id} gibt es in Ihrer Behörde nicht."
    ))
}

async fn fall_laden(
    st: &AppState,
    id: i64,
    behoerde_id: i64,
) -> Result<(Antrag, &'static Dienst), Fehler> {
    let a = daten::laden_fuer_behoerde(&st.db, id, behoerde_id)
        .await?
        .ok_or_else(|| nicht_gefunden(id))?;
    let d = dienst(&a.dienst).ok_or_else(|| anyhow::anyhow!("Dienst {} fehlt", a.dienst))?;
    Ok((a, d))
}

/// Refuses changes to a case that has ended (a Bescheid, withdrawn or closed); the pages
/// hide the forms, this refuses the POST.
fn offen(a: &Antrag) -> Result<(), Fehler> {
    if a.zustand().abgeschlossen() {
        return Err(Fehler::feld(
            "ereignis",
            format!(
                "Der Antrag ist abgeschlossen ({}); daran ändert sich nichts mehr.",
                a.zustand().label()
            ),
        ));
    }
    Ok(())
}

fn personal(person: Option<&PortalSitzung>) -> Result<(&PortalSitzung, i64), Fehler> {
    match person {
        Some(s) if s.art == crate::kern::person::PersonArt::Mitarbeiter => {
            Ok((s, s.behoerde_id.unwrap_or(-1)))
        }
        _ => Err(crate::kern::person::personal_anmelden_bitte()),
    }
}

// --- Inbox -----------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "antraege/templates/eingang.html")]
struct EingangSeite {
    title: String,
    nav: &'static str,
    person: PortalSitzung,
    behoerde: daten::Behoerde,
    filter: Filter,
    zeilen: Vec<daten::Zeile>,
    treffer: i64,
    seiten: i64,
    seite: i64,
    aktive: usize,
    dienste: Vec<(&'static str, &'static str)>,
    zustaende: Vec<(&'static str, &'static str)>,
    personen: Vec<daten::Person>,
    fehler: Feldfehler,
    verweise: Vec<Verweis>,
    jetzt: i64,
    query: String,
}

impl EingangSeite {
    fn dienst_name(&self, s: &str) -> &'static str {
        dienst(s).map_or("–", |d| d.name)
    }
    fn zustand_label(&self, s: &str) -> &'static str {
        Zustand::parse(s).map_or("–", Zustand::label)
    }
    fn datum(&self, t: &Option<i64>) -> String {
        t.map(|t| datum_de(&tag_iso(t))).unwrap_or_default()
    }
    fn ueberfaellig(&self, z: &daten::Zeile) -> bool {
        z.frist.is_some_and(|f| f < self.jetzt)
            && Zustand::parse(&z.zustand).is_ok_and(|z| !z.abgeschlossen())
    }
}

async fn eingang(
    State(st): State<AppState>,
    p: Portal,
    Abfrage(f): Abfrage<Filter>,
) -> Result<Response, Fehler> {
    let (s, behoerde_id) = p.personal()?;
    let behoerde = daten::behoerde(&st.db, behoerde_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("Behörde {behoerde_id} fehlt"))?;
    let mut fehler = Feldfehler::new();
    let tag = |feld: &'static str, w: &str, fehler: &mut Feldfehler| -> Option<i64> {
        if w.trim().is_empty() {
            return None;
        }
        match datum_eingabe(w) {
            // From the first second of the day (the end of the day before, plus one).
            Some(d) => d
                .yesterday()
                .ok()
                .map(|v| crate::kern::uhr::tagesende_sekunden(v) + 1),
            None => {
                fehler.push(feld, "Bitte ein Datum wie 04.12.2026 angeben.");
                None
            }
        }
    };
    let von = tag("von", &f.von, &mut fehler);
    let bis = tag("bis", &f.bis, &mut fehler).map(|t| t + 86_400);
    if !f.zustand.is_empty() && f.zustand != "offen" && Zustand::parse(&f.zustand).is_err() {
        fehler.push("zustand", "Diesen Stand gibt es nicht.");
    }
    let jetzt = st.uhr.sekunden();
    let (zeilen, treffer) = if fehler.is_empty() {
        daten::eingang(&st.db, behoerde_id, &f, von, bis, s.person_id, jetzt).await?
    } else {
        (Vec::new(), 0)
    };
    let aktive = [
        &f.dienst,
        &f.zustand,
        &f.von,
        &f.bis,
        &f.zugewiesen,
        &f.ueberfaellig,
        &f.q,
    ]
    .iter()
    .filter(|x| !x.trim().is_empty())
    .count();
    let verweise = fehler.verweise(
        "f-",
        &[
            ("von", "Eingang ab"),
            ("bis", "Eingang bis"),
            ("zustand", "Stand"),
        ],
    );
    let seite = f.seite.unwrap_or(1).max(1);
    let query = serde_urlencoded::to_string([
        ("dienst", f.dienst.as_str()),
        ("zustand", f.zustand.as_str()),
        ("von", f.von.as_str()),
        ("bis", f.bis.as_str()),
        ("zugewiesen", f.zugewiesen.as_str()),
        ("ueberfaellig", f.ueberfaellig.as_str()),
        ("q", f.q.as_str()),
    ])
    .unwrap_or_default();
    let status = if fehler.is_empty() {
        StatusCode::OK
    } else {
        fehler.status()
    };
    let mut res = EingangSeite {
        title: format!(
            "{}Eingang: {} {}",
            if fehler.is_empty() { "" } else { "Fehler: " },
            crate::kern::zahl::zahl_de(treffer),
            if treffer == 1 { "Antrag" } else { "Anträge" }
        ),
        nav: "sachbearbeitung",
        person: s.clone(),
        personen: daten::sachbearbeitung(&st.db, behoerde_id).await?,
        behoerde,
        seiten: (treffer + daten::SEITE_ZEILEN - 1) / daten::SEITE_ZEILEN,
        seite,
        filter: f,
        zeilen,
        treffer,
        aktive,
        dienste: dienste().iter().map(|d| (d.schluessel, d.name)).collect(),
        zustaende: Zustand::optionen()
            .into_iter()
            .filter(|(k, _)| *k != "entwurf")
            .collect(),
        fehler,
        verweise,
        jetzt,
        query,
    }
    .into_response();
    *res.status_mut() = status;
    Ok(res)
}

// --- A case ----------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "antraege/templates/fall.html")]
struct FallSeite {
    title: String,
    nav: &'static str,
    person: PortalSitzung,
    dienst: &'static Dienst,
    antrag: Antrag,
    zusammenfassung: Vec<(&'static str, Vec<(&'static str, String)>)>,
    dateien: Vec<dateien::Datei>,
    verlauf: Vec<daten::Verlauf>,
    nachrichten: Vec<daten::Nachricht>,
    notizen: Vec<daten::Notiz>,
    personen: Vec<daten::Person>,
    ereignisse: Vec<(&'static str, &'static str, bool)>,
    kann_nachfordern: bool,
    zugewiesen: String,
    darf_zuweisen: bool,
    fehler: Feldfehler,
    verweise: Vec<Verweis>,
    eingabe: Eingabe,
    ungelesen: usize,
}

impl FallSeite {
    fn frist_de(&self) -> String {
        self.antrag
            .frist
            .map(|f| datum_de(&tag_iso(f)))
            .unwrap_or_default()
    }
    /// The case deadline field: as typed after an error, else the stored one.
    fn fallfrist_wert(&self) -> String {
        if self.fehler.hat("fallfrist") {
            self.eingabe.fallfrist.clone()
        } else {
            self.frist_de()
        }
    }
    fn eingereicht_de(&self) -> String {
        self.antrag.eingereicht.map(zeit_de).unwrap_or_default()
    }
}

/// What the case page's forms hold when shown again after an error.
#[derive(Deserialize, Default, Clone)]
struct Eingabe {
    #[serde(default)]
    ereignis: String,
    #[serde(default)]
    begruendung: String,
    #[serde(default)]
    tenor: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    frist: String,
    /// The case's own deadline (the form on the case page).
    #[serde(default)]
    fallfrist: String,
    #[serde(default)]
    _csrf: String,
}

async fn fall_zeigen(
    st: &AppState,
    s: &PortalSitzung,
    a: Antrag,
    d: &'static Dienst,
    fehler: Feldfehler,
    eingabe: Eingabe,
) -> Result<Response, Fehler> {
    let personen = daten::sachbearbeitung(&st.db, s.behoerde_id.unwrap_or(-1)).await?;
    let zugewiesen = a
        .zugewiesen
        .and_then(|z| personen.iter().find(|p| p.id == z).map(|p| p.name.clone()))
        .unwrap_or_default();
    let nachrichten = daten::nachrichten(&st.db, a.id).await?;
    let verweise = fehler.verweise(
        "f-",
        &[
            ("ereignis", "Entscheidung"),
            ("begruendung", "Begründung"),
            ("tenor", "Tenor"),
            ("text", "Nachricht"),
            ("frist", "Frist der Nachforderung"),
            ("fallfrist", "Frist des Falls"),
            ("datei", "Datei"),
        ],
    );
    let status = if fehler.is_empty() {
        StatusCode::OK
    } else {
        fehler.status()
    };
    let mut res = FallSeite {
        title: format!(
            "{}{} {}",
            if fehler.is_empty() { "" } else { "Fehler: " },
            d.name,
            a.nummer_text()
        ),
        nav: "sachbearbeitung",
        person: s.clone(),
        dienst: d,
        zusammenfassung: d.formular.zusammenfassung(&a.antworten()),
        dateien: dateien::vom_antrag(&st.db, a.id, "").await?,
        verlauf: daten::verlauf(&st.db, a.id).await?,
        ungelesen: nachrichten
            .iter()
            .filter(|n| !n.an_buerger() && n.gelesen.is_none())
            .count(),
        nachrichten,
        notizen: daten::notizen(&st.db, a.id).await?,
        ereignisse: antrag::moeglich(a.zustand(), Beteiligter::Sachbearbeitung)
            .into_iter()
            .map(|e| (e.key(), e.label(), e.braucht_begruendung()))
            .collect(),
        darf_zuweisen: s.rolle == Some(BehoerdenRolle::Leitung),
        kann_nachfordern: antrag::ziel(a.zustand(), Ereignis::Nachfordern).is_some(),
        personen,
        zugewiesen,
        antrag: a,
        fehler,
        verweise,
        eingabe,
    }
    .into_response();
    *res.status_mut() = status;
    Ok(res)
}

async fn fall(
    State(st): State<AppState>,
    p: Portal,
    Path(id): Path<i64>,
) -> Result<Response, Fehler> {
    let (s, b) = p.personal()?;
    let (a, d) = fall_laden(&st, id, b).await?;
    fall_zeigen(&st, s, a, d, Feldfehler::new(), Eingabe::default()).await
}

#[allow(clippy::too_many_arguments)]
/// The Bescheid for a decision: the PDF from the service's template, stored, and a Postfach
/// message carrying it.
async fn bescheid(
    st: &AppState,
    s: &PortalSitzung,
    a: &Antrag,
    d: &'static Dienst,
    e: Ereignis,
    tenor: &str,
    begruendung: &str,
    nachricht_id: i64,
) -> Result<dateien::Angenommen, Fehler> {
    let b = daten::behoerde(&st.db, a.behoerde_id.unwrap_or(-1))
        .await?
        .ok_or_else(|| anyhow::anyhow!("Behörde fehlt"))?;
    let antworten = a.antworten();
    let feld = |n: &str| antworten.get(n).cloned().unwrap_or_default();
    let (plz, ort) = d.anschrift;
    let empfaenger = vec![
        a.name.clone(),
        feld("strasse"),
        format!("{} {}", feld(plz), feld(ort)).trim().to_owned(),
    ]
    .into_iter()
    .filter(|z| !z.is_empty())
    .collect();
    let doc = dokumente::Bescheid {
        dienst: d.name.to_owned(),
        antragsnummer: a.nummer_text(),
        behoerde: b.name.clone(),
        behoerde_anschrift: b.anschrift_zeilen(),
        datum: datum_de(&st.uhr.heute_iso()),
        empfaenger,
        entscheidung: match e {
            Ereignis::Bewilligen => "Bewilligung",
            Ereignis::TeilweiseBewilligen => "Teilweise Bewilligung",
            _ => "Ablehnung",
        }
        .to_owned(),
        tenor: tenor.trim().to_owned(),
        begruendung: begruendung.trim().to_owned(),
        rechtsbehelfsbelehrung: format!(
            "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Klage beim zuständigen Verwaltungsgericht erhoben werden. Die Klage ist schriftlich oder zur Niederschrift des Urkundsbeamten der Geschäftsstelle zu erheben. Zuständig ist das Verwaltungsgericht, in dessen Bezirk {} ihren Sitz hat.",
            b.name
        ),
        sachbearbeitung: s.name.clone(),
    };
    let jetzt = st.uhr.jetzt();
    let vorlage = d.bescheid_vorlage;
    let pdf = tokio::task::spawn_blocking(move || dokumente::bescheid_pdf(vorlage, &doc, jetzt))
        .await
        .map_err(|e| anyhow::anyhow!("Bescheid abgebrochen: {e}"))??;
    let _ = nachricht_id;
    dateien::pdf_ablegen(
        st,
        &format!("Bescheid-{}.pdf", a.nummer_text().replace('/', "-")),
        &pdf,
    )
    .await
}

fn benachrichtigung(st: &AppState, a: &Antrag, betreff: &str) -> Vec<Mail> {
    if !crate::kern::mail::adresse_gueltig(&a.email) {
        return Vec::new();
    }
    vec![Mail {
        name: String::new(),
        email: a.email.clone(),
        betreff: betreff.to_owned(),
        text: format!(
            "Guten Tag,\n\nin Ihrem Postfach auf dem Portal liegt eine neue Nachricht zu Ihrem Antrag. Sie lesen sie {}.\n\nDiese E-Mail enthält aus Datenschutzgründen keine Inhalte.",
            crate::antraege::zugriff::wo_lesen(&st.basis_url, a)
        ),
    }]
}

/// `POST /sachbearbeitung/antraege/{id}/ereignis`: a step of the lifecycle (take up, decide,
/// close). A decision makes the Bescheid and puts it into the Postfach, in the transaction of
/// the transition.
async fn ereignis(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: Formular<Eingabe>,
) -> Result<Response, Fehler> {
    let (s, b) = personal(f.person.as_ref())?;
    let (a, d) = fall_laden(&st, id, b).await?;
    let mut fehler = Feldfehler::new();
    let e = match Ereignis::parse(&f.daten.ereignis) {
        Ok(e) if e.durch() == Beteiligter::Sachbearbeitung => Some(e),
        _ => {
            fehler.push("ereignis", "Bitte wählen Sie, was geschehen soll.");
            None
        }
    };
    let bescheid_noetig = e.is_some_and(|e| {
        matches!(
            e,
            Ereignis::Bewilligen | Ereignis::TeilweiseBewilligen | Ereignis::Ablehnen
        )
    });
    if bescheid_noetig && f.daten.tenor.trim().is_empty() {
        fehler.push(
            "tenor",
            "Bitte schreiben Sie den Tenor des Bescheids (was entschieden wird).",
        );
    }
    if let Some(e) = e
        && e.braucht_begruendung()
        && f.daten.begruendung.trim().is_empty()
    {
        fehler.push(
            "begruendung",
            format!(
                "Für „{}“ ist eine Begründung nötig; die Antragstellenden lesen sie.",
                e.label()
            ),
        );
    }
    if f.daten.begruendung.chars().count() > 10_000 || f.daten.tenor.chars().count() > 5_000 {
        fehler.push(
            "begruendung",
            "Tenor höchstens 5.000, Begründung höchstens 10.000 Zeichen.",
        );
    }
    if let Some(e) = e
        && fehler.is_empty()
        && let Err(v) = antrag::schritt(
            a.zustand(),
            e,
            Beteiligter::Sachbearbeitung,
            &f.daten.begruendung,
        )
    {
        fehler.push("ereignis", v.0);
    }
    let Some(e) = e.filter(|_| fehler.is_empty()) else {
        return fall_zeigen(&st, s, a, d, fehler, f.daten).await;
    };
    let jetzt = st.uhr.sekunden();
    let mut dazu = Vec::new();
    let mut setzen = None;
    if e == Ereignis::Bearbeiten && a.zugewiesen.is_none() {
        setzen = Some(sql!(
            "UPDATE antrag SET zugewiesen = $1 WHERE id = $2",
            s.person_id,
            a.id
        ));
    }
    let ende = antrag::ziel(a.zustand(), e).is_some_and(Zustand::abgeschlossen);
    if ende {
        setzen = Some(sql!(
            "UPDATE antrag SET abgeschlossen = $1, loeschen_ab = $2, frist = NULL WHERE id = $3",
            jetzt,
            jetzt + d.loeschfrist_tage * 86_400,
            a.id
        ));
    }
    let mut abgelegt = Vec::new();
    if bescheid_noetig {
        let nid = st.db.neue_id("nachricht").await?;
        let pdf = bescheid(&st, s, &a, d, e, &f.daten.tenor, &f.daten.begruendung, nid).await?;
        dazu.push(daten::nachricht_stmt(
            nid,
            a.id,
            true,
            "bescheid",
            &s.name,
            "Ihr Bescheid",
            &format!("Über Ihren Antrag ist entschieden: {}. Den Bescheid finden Sie als PDF bei dieser Nachricht.", e.label()),
            None,
            jetzt,
        ));
        dazu.push(
            dateien::speichern_stmt(
                &st,
                a.id,
                Some(nid),
                "bescheid",
                &pdf,
                &s.audit_name(),
                jetzt,
            )
            .await?,
        );
        abgelegt.push(pdf);
        dazu.extend(
            postausgang::einreihen(
                &st.db,
                &st.uhr,
                &format!("antrag:{}:bescheid", a.id),
                &benachrichtigung(&st, &a, "Neue Nachricht im Postfach"),
            )
            .await?,
        );
    } else if e == Ereignis::Erledigen {
        let nid = st.db.neue_id("nachricht").await?;
        dazu.push(daten::nachricht_stmt(
            nid,
            a.id,
            true,
            "nachricht",
            &s.name,
            "Ihr Antrag ist erledigt",
            f.daten.begruendung.trim(),
            None,
            jetzt,
        ));
        dazu.extend(
            postausgang::einreihen(
                &st.db,
                &st.uhr,
                &format!("antrag:{}:erledigt", a.id),
                &benachrichtigung(&st, &a, "Neue Nachricht im Postfach"),
            )
            .await?,
        );
    }
    let stmts = daten::uebergang(
        &st.db,
        &st.uhr,
        &Uebergang {
            antrag: &a,
            ereignis: e,
            wer: Beteiligter::Sachbearbeitung,
            wer_name: &s.audit_name(),
            begruendung: &f.daten.begruendung,
        },
        setzen,
        dazu,
    )
    .await;
    // A lost race (or a refused step) leaves no Bescheid in the store.
    let r = match stmts {
        Ok((_, stmts)) => daten::ausfuehren(&st.db, &stmts).await,
        Err(e) => Err(e),
    };
    dateien::oder_verwerfen(&st, r, &abgelegt.iter().collect::<Vec<_>>()).await?;
    Ok(Redirect::to(&format!("/sachbearbeitung/antraege/{id}")).into_response())
}

/// `POST …/uebernehmen`: the case worker takes the case.
async fn uebernehmen(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: Formular<Leer>,
) -> Result<Response, Fehler> {
    let (s, b) = personal(f.person.as_ref())?;
    let (a, _) = fall_laden(&st, id, b).await?;
    offen(&a)?;
    zuweisung_speichern(&st, s, &a, Some(s.person_id)).await?;
    Ok(Redirect::to(&format!("/sachbearbeitung/antraege/{id}")).into_response())
}

#[derive(Deserialize, Default)]
struct Zuweisung {
    #[serde(default)]
    an: String,
}

/// `POST …/zuweisen`: the Leitung assigns the case (to someone of the same authority).
async fn zuweisen(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: Formular<Zuweisung>,
) -> Result<Response, Fehler> {
    let (s, b) = personal(f.person.as_ref())?;
    let (a, _) = fall_laden(&st, id, b).await?;
    offen(&a)?;
    let an = if f.daten.an.is_empty() {
        None
    } else {
        let pid: i64 = f
            .daten
            .an
            .parse()
            .map_err(|_| Fehler::feld("an", "Bitte wählen Sie eine Person."))?;
        // Only the authority's own staff (tenancy).
        if !daten::sachbearbeitung(&st.db, b)
            .await?
            .iter()
            .any(|p| p.id == pid)
        {
            return Err(Fehler::feld(
                "an",
                "Diese Person gehört nicht zu Ihrer Behörde.",
            ));
        }
        Some(pid)
    };
    zuweisung_speichern(&st, s, &a, an).await?;
    Ok(Redirect::to(&format!("/sachbearbeitung/antraege/{id}")).into_response())
}

async fn zuweisung_speichern(
    st: &AppState,
    s: &PortalSitzung,
    a: &Antrag,
    an: Option<i64>,
) -> Result<(), Fehler> {
    let vorher = a.zugewiesen.map(|x| x.to_string()).unwrap_or_default();
    let nachher = an.map(|x| x.to_string()).unwrap_or_default();
    daten::ausfuehren(
        &st.db,
        &[
            sql!(
                "UPDATE antrag SET zugewiesen = $1, version = version + 1 WHERE id = $2 AND version = $3",
                an,
                a.id,
                a.version
            ),
            crate::kern::audit::eintrag(&st.uhr, &s.audit_name(), "antrag-zugewiesen", &a.objekt(), &[("zugewiesen", &vorher, &nachher)]),
        ],
    )
    .await
}

#[derive(Deserialize, Default)]
struct NotizForm {
    #[serde(default)]
    text: String,
}

/// `POST …/notiz`: an internal note.
async fn notiz(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: Formular<NotizForm>,
) -> Result<Response, Fehler> {
    let (s, b) = personal(f.person.as_ref())?;
    let (a, _) = fall_laden(&st, id, b).await?;
    let text = f.daten.text.trim();
    if text.is_empty() || text.chars().count() > 5000 {
        return Err(Fehler::feld(
            "notiz",
            "Bitte schreiben Sie eine Notiz (höchstens 5.000 Zeichen).",
        ));
    }
    let nid = st.db.neue_id("antrag_notiz").await?;
    st.db
        .execute_all(&[
            sql!(
                "INSERT INTO antrag_notiz (id, antrag_id, von, zeit, text) VALUES ($1, $2, $3, $4, $5)",
                nid,
                a.id,
                s.name.as_str(),
                st.uhr.sekunden(),
                text
            ),
            crate::kern::audit::eintrag(&st.uhr, &s.audit_name(), "notiz", &a.objekt(), &[("notiz", "", &nid.to_string())]),
        ])
        .await?;
    Ok(Redirect::to(&format!("/sachbearbeitung/antraege/{id}#notizen")).into_response())
}

/// `POST …/frist`: sets or clears the case's deadline.
async fn frist(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: Formular<Eingabe>,
) -> Result<Response, Fehler> {
    let (s, b) = personal(f.person.as_ref())?;
    let (a, d) = fall_laden(&st, id, b).await?;
    offen(&a)?;
    let neu = if f.daten.fallfrist.trim().is_empty() {
        None
    } else {
        match datum_eingabe(&f.daten.fallfrist) {
            Some(t) => Some(crate::kern::uhr::tagesende_sekunden(t)),
            None => {
                return fall_zeigen(
                    &st,
                    s,
                    a,
                    d,
                    Feldfehler::eins("fallfrist", "Bitte ein Datum wie 04.12.2026 angeben."),
                    f.daten,
                )
                .await;
            }
        }
    };
    let vorher = a.frist.map(tag_iso).unwrap_or_default();
    let nachher = neu.map(tag_iso).unwrap_or_default();
    daten::ausfuehren(
        &st.db,
        &[
            sql!("UPDATE antrag SET frist = $1, version = version + 1 WHERE id = $2 AND version = $3", neu, a.id, a.version),
            crate::kern::audit::eintrag(&st.uhr, &s.audit_name(), "frist", &a.objekt(), &[("frist", &vorher, &nachher)]),
        ],
    )
    .await?;
    Ok(Redirect::to(&format!("/sachbearbeitung/antraege/{id}")).into_response())
}

/// `POST …/gelesen`: marks the citizen's messages as read.
async fn gelesen(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: Formular<Leer>,
) -> Result<Response, Fehler> {
    let (_, b) = personal(f.person.as_ref())?;
    let (a, _) = fall_laden(&st, id, b).await?;
    st.db
        .execute_all(&[daten::gelesen_stmt(a.id, false, st.uhr.sekunden())])
        .await?;
    Ok(Redirect::to(&format!("/sachbearbeitung/antraege/{id}#postfach")).into_response())
}

/// `POST …/nachricht`: a message to the citizen, with a file; as Nachforderung (with a
/// deadline) it moves the Antrag to "Nachforderung" in the same transaction.
async fn nachricht(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: Hochladen,
) -> Result<Response, Fehler> {
    let (s, b) = personal(f.person.as_ref())?;
    let (a, d) = fall_laden(&st, id, b).await?;
    offen(&a)?;
    let text = f.feld("text").trim().to_owned();
    let nachfordern = f.feld("art") == "nachforderung";
    let mut fehler = Feldfehler::new();
    if text.is_empty() {
        fehler.push("text", "Bitte schreiben Sie die Nachricht.");
    }
    if text.chars().count() > 5000 {
        fehler.push(
            "text",
            "Die Nachricht darf höchstens 5.000 Zeichen lang sein.",
        );
    }
    let frist = if nachfordern {
        match datum_eingabe(f.feld("frist")) {
            Some(t) if crate::kern::uhr::tagesende_sekunden(t) > st.uhr.sekunden() => {
                Some(crate::kern::uhr::tagesende_sekunden(t))
            }
            Some(_) => {
                fehler.push("frist", "Die Frist muss in der Zukunft liegen.");
                None
            }
            None => {
                fehler.push(
                    "frist",
                    "Eine Nachforderung braucht eine Frist, z. B. 18.12.2026.",
                );
                None
            }
        }
    } else {
        None
    };
    let hat_datei = f
        .datei
        .as_ref()
        .is_some_and(|x| x.eingang.groesse() > 0 || !x.dateiname.is_empty());
    let datei = if hat_datei && fehler.is_empty() {
        match dateien::annehmen(&st, f.datei.as_ref()).await {
            Ok(x) => Some(x),
            Err(m) => {
                fehler.push("datei", m);
                None
            }
        }
    } else {
        None
    };
    if !fehler.is_empty() {
        let eingabe = Eingabe {
            text,
            frist: f.feld("frist").to_owned(),
            ..Eingabe::default()
        };
        return fall_zeigen(&st, s, a, d, fehler, eingabe).await;
    }
    let jetzt = st.uhr.sekunden();
    let nid = st.db.neue_id("nachricht").await?;
    let mut dazu = vec![daten::nachricht_stmt(
        nid,
        a.id,
        true,
        if nachfordern {
            "nachforderung"
        } else {
            "nachricht"
        },
        &s.name,
        if nachfordern {
            "Bitte reichen Sie Unterlagen nach"
        } else {
            "Nachricht Ihrer Behörde"
        },
        &text,
        frist,
        jetzt,
    )];
    if let Some(x) = &datei {
        dazu.push(
            dateien::speichern_stmt(&st, a.id, Some(nid), "nachricht", x, &s.audit_name(), jetzt)
                .await?,
        );
    }
    dazu.extend(
        postausgang::einreihen(
            &st.db,
            &st.uhr,
            &format!("antrag:{}:nachricht", a.id),
            &benachrichtigung(&st, &a, "Neue Nachricht im Postfach"),
        )
        .await?,
    );
    // The Nachforderung's deadline is the message's; the case's own deadline stays.
    let r = if nachfordern {
        match daten::uebergang(
            &st.db,
            &st.uhr,
            &Uebergang {
                antrag: &a,
                ereignis: Ereignis::Nachfordern,
                wer: Beteiligter::Sachbearbeitung,
                wer_name: &s.audit_name(),
                begruendung: &text,
            },
            None,
            dazu,
        )
        .await
        {
            Ok((_, stmts)) => daten::ausfuehren(&st.db, &stmts).await,
            Err(e) => Err(e),
        }
    } else {
        dazu.push(crate::kern::audit::eintrag(
            &st.uhr,
            &s.audit_name(),
            "nachricht-gesendet",
            &a.objekt(),
            &[("nachricht", "", &nid.to_string())],
        ));
        // Guarded by the version: no message to a case that ended meanwhile.
        dazu.insert(
            0,
            sql!(
                "UPDATE antrag SET version = version + 1 WHERE id = $1 AND version = $2",
                a.id,
                a.version
            ),
        );
        daten::ausfuehren(&st.db, &dazu).await
    };
    dateien::oder_verwerfen(&st, r, &datei.iter().collect::<Vec<_>>()).await?;
    Ok(Redirect::to(&format!("/sachbearbeitung/antraege/{id}#postfach")).into_response())
}

/// `GET …/dateien/{datei}`: a file of one of the authority's cases.
async fn datei(
    State(st): State<AppState>,
    p: Portal,
    Path((id, datei)): Path<(i64, i64)>,
) -> Result<Response, Fehler> {
    let (_, b) = p.personal()?;
    let d = dateien::fuer_behoerde(&st, id, datei, b).await?;
    dateien::ausliefern(&st, &d).await
}

/// `GET …/akte.pdf`: the whole case as PDF (answers, files, history, messages, notes).
async fn akte(
    State(st): State<AppState>,
    p: Portal,
    Path(id): Path<i64>,
) -> Result<Response, Fehler> {
    let (_, b) = p.personal()?;
    let (a, d) = fall_laden(&st, id, b).await?;
    let doc = super::loeschen::akte(&st, &a, d, true).await?;
    let jetzt = st.uhr.jetzt();
    let pdf = tokio::task::spawn_blocking(move || dokumente::akte_pdf(&doc, jetzt))
        .await
        .map_err(|e| anyhow::anyhow!("Akte abgebrochen: {e}"))??;
    let mut r = pdf.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!(
            "attachment; filename=\"Akte-{}.pdf\"",
            a.nummer_text().replace(['/', '"'], "-")
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(r)
}

//! Data protection of the Anträge: the Löschfrist (a scheduled task deletes every Antrag whose
//! `loeschen_ab` has passed — answers, messages, notes, history, files — and keeps only
//! counts; the audit log records that it was deleted, not what), and the citizen's copy of
//! everything stored about them (DSGVO Art. 15) as JSON and PDF.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::antraege::daten::{self, Antrag};
use crate::antraege::{Dienst, dateien, dienst, dokumente};
use crate::kern::audit;
use crate::kern::person::Portal;
use crate::kern::schreibrouten::Zugang;
use crate::kern::uhr::zeit_de;
use crate::kern::{AppState, Fehler, Routen};
use crate::sql;

pub(super) fn routen() -> Routen {
    Routen::new()
        .lesen_fuer(
            "/meine-daten/auskunft.json",
            Zugang::Buerger,
            auskunft_json_seite,
        )
        .lesen_fuer(
            "/meine-daten/auskunft.pdf",
            Zugang::Buerger,
            auskunft_pdf_seite,
        )
}

/// The case as a document (for the Akte PDF and the Art. 15 copy); `intern`: with the staff's
/// notes (never for the citizen).
pub async fn akte(
    st: &AppState,
    a: &Antrag,
    d: &Dienst,
    intern: bool,
) -> Result<dokumente::Akte, Fehler> {
    let behoerde = match a.behoerde_id {
        Some(b) => daten::behoerde(&st.db, b).await?.map(|b| b.name),
        None => None,
    };
    let dateien = dateien::vom_antrag(&st.db, a.id, "").await?;
    let nachrichten = daten::nachrichten(&st.db, a.id).await?;
    Ok(dokumente::Akte {
        dienst: d.name.to_owned(),
        antragsnummer: a.nummer_text(),
        behoerde: behoerde.unwrap_or_else(|| "noch nicht bestimmt".into()),
        zustand: a.zustand().label().to_owned(),
        erstellt: zeit_de(a.erstellt),
        abschnitte: d
            .formular
            .zusammenfassung(&a.antworten())
            .into_iter()
            .map(|(t, f)| dokumente::Abschnitt {
                titel: t.to_owned(),
                antworten: f
                    .into_iter()
                    .map(|(frage, antwort)| dokumente::Antwort {
                        frage: frage.to_owned(),
                        antwort,
                    })
                    .collect(),
            })
            .collect(),
        anlagen: dateien.iter().map(dateien::Datei::beschreibung).collect(),
        verlauf: daten::verlauf(&st.db, a.id)
            .await?
            .into_iter()
            .map(|v| dokumente::Verlaufseintrag {
                zeit: v.zeit_de(),
                wer: v.wer_label().to_owned(),
                was: format!("{} → {}", v.ereignis_label(), v.nach_label()),
                warum: v.begruendung.clone(),
            })
            .collect(),
        nachrichten: nachrichten
            .iter()
            .map(|n| dokumente::Nachricht {
                zeit: n.zeit_de(),
                von: n.von.clone(),
                betreff: n.betreff.clone(),
                text: n.text.clone(),
                anlagen: dateien
                    .iter()
                    .filter(|f| f.nachricht_id == Some(n.id))
                    .map(dateien::Datei::beschreibung)
                    .collect(),
            })
            .collect(),
        notizen: if intern {
            daten::notizen(&st.db, a.id)
                .await?
                .into_iter()
                .map(|n| dokumente::Verlaufseintrag {
                    zeit: n.zeit_de(),
                    wer: n.von,
                    was: "Notiz".into(),
                    warum: n.text,
                })
                .collect()
        } else {
            Vec::new()
        },
    })
}

/// What is stored about a citizen's account.
#[derive(Debug, Serialize, Deserialize)]
struct Person {
    herkunft: String,
    kennung: String,
    email: String,
    vorname: String,
    nachname: String,
    strasse: String,
    plz: String,
    ort: String,
    erstellt: i64,
    zuletzt: i64,
}

/// Everything stored about a citizen (Art. 15 DSGVO): the account and every Antrag with its
/// answers, history, messages and the names of its files.
pub async fn auskunft_json(st: &AppState, buerger_id: i64) -> Result<serde_json::Value, Fehler> {
    let p: Option<Person> = st
        .db
        .query_opt(sql!(
            "SELECT herkunft, kennung, email, vorname, nachname, strasse, plz, ort, erstellt, zuletzt FROM buerger WHERE id = $1",
            buerger_id
        ))
        .await?;
    // What the audit log records under the account (actions, never contents).
    #[derive(Deserialize)]
    struct Zeile {
        zeit: String,
        aktion: String,
        objekt: String,
    }
    let protokoll: Vec<serde_json::Value> = st
        .db
        .query::<Zeile>(sql!(
            "SELECT zeit, aktion, objekt FROM audit WHERE konto = $1 ORDER BY id",
            format!("buerger:{buerger_id}")
        ))
        .await?
        .into_iter()
        .map(|z| serde_json::json!({ "zeit": z.zeit, "aktion": z.aktion, "objekt": z.objekt }))
        .collect();
    let sitzungen = st
        .db
        .scalar(sql!(
            "SELECT COUNT(*) FROM portal_sitzung WHERE art = 'buerger' AND person_id = $1",
            buerger_id
        ))
        .await?;
    let mut antraege = Vec::new();
    for a in daten::vom_buerger(&st.db, buerger_id).await? {
        let Some(d) = dienst(&a.dienst) else { continue };
        let akte = akte(st, &a, d, false).await?;
        let dateien: Vec<serde_json::Value> = dateien::vom_antrag(&st.db, a.id, "")
            .await?
            .iter()
            .map(|f| serde_json::json!({ "datei": f.beschreibung(), "herunterladen": format!("/antraege/{}/dateien/{}", a.id, f.id) }))
            .collect();
        antraege.push(serde_json::json!({
            "antragsnummer": a.nummer,
            "name": a.name,
            "email_fuer_benachrichtigungen": a.email,
            "dateien": dateien,
            "dienst": d.name,
            "zustand": a.zustand().label(),
            "begonnen": zeit_de(a.erstellt),
            "eingereicht": a.eingereicht.map(zeit_de),
            "angaben": a.antworten(),
            "akte": akte,
        }));
    }
    Ok(serde_json::json!({
        "erstellt": zeit_de(st.uhr.sekunden()),
        "hinweis": "Auskunft nach Art. 15 DSGVO: alle Daten, die das Portal zu Ihrem Konto gespeichert hat.",
        "konto": p.map(|p| serde_json::json!({
            "anmeldung": if p.herkunft == "bundid" { "BundID" } else { "Bürgerkonto dieses Portals" },
            // The pseudonymous key BundID sends (bPK2), or the login of the local account.
            "kennung": p.kennung,
            "email": p.email,
            "vorname": p.vorname,
            "nachname": p.nachname,
            "strasse": p.strasse,
            "plz": p.plz,
            "ort": p.ort,
            "angelegt": zeit_de(p.erstellt),
            "zuletzt_angemeldet": zeit_de(p.zuletzt),
        })),
        "antraege": antraege,
        "protokoll": protokoll,
        "angemeldete_sitzungen": sitzungen,
    }))
}

async fn auskunft_json_seite(State(st): State<AppState>, p: Portal) -> Result<Response, Fehler> {
    let s = p.buerger()?;
    let j = auskunft_json(&st, s.person_id).await?;
    let mut r = serde_json::to_string_pretty(&j)
        .map_err(anyhow::Error::from)?
        .into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"meine-daten.json\""),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(r)
}

async fn auskunft_pdf_seite(State(st): State<AppState>, p: Portal) -> Result<Response, Fehler> {
    let s = p.buerger()?;
    let j = auskunft_json(&st, s.person_id).await?;
    let mut person = Vec::new();
    if let Some(k) = j.get("konto").and_then(|k| k.as_object()) {
        for (feld, label) in [
            ("anmeldung", "Anmeldung"),
            ("email", "E-Mail-Adresse"),
            ("vorname", "Vorname"),
            ("nachname", "Nachname"),
            ("strasse", "Straße und Hausnummer"),
            ("plz", "Postleitzahl"),
            ("ort", "Ort"),
            ("angelegt", "Konto angelegt"),
            ("zuletzt_angemeldet", "Zuletzt angemeldet"),
        ] {
            person.push(dokumente::Antwort {
                frage: label.to_owned(),
                antwort: k
                    .get(feld)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_owned(),
            });
        }
    }
    let mut antraege = Vec::new();
    for a in daten::vom_buerger(&st.db, s.person_id).await? {
        if let Some(d) = dienst(&a.dienst) {
            antraege.push(akte(&st, &a, d, false).await?);
        }
    }
    let doc = dokumente::Auskunft {
        erstellt: zeit_de(st.uhr.sekunden()),
        person,
        antraege,
    };
    let jetzt = st.uhr.jetzt();
    let pdf = tokio::task::spawn_blocking(move || dokumente::auskunft_pdf(&doc, jetzt))
        .await
        .map_err(|e| anyhow::anyhow!("Auskunft abgebrochen: {e}"))??;
    let mut r = pdf.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"meine-daten.pdf\""),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(r)
}

#[derive(Deserialize)]
struct Faellig {
    id: i64,
    dienst: String,
    behoerde_id: Option<i64>,
    zustand: String,
    eingereicht: Option<i64>,
}

#[derive(Deserialize)]
struct Sha {
    sha256: String,
}

/// Deletes every Antrag whose Löschfrist has passed; returns how many. Each in its own
/// transaction: the rows, a count in the statistics (service, authority, month, outcome) and
/// an audit entry that names only the number. Files whose content nothing else refers to are
/// removed from the store afterwards.
pub async fn loeschfristen_anwenden(st: &AppState) -> Result<usize, Fehler> {
    let jetzt = st.uhr.sekunden();
    let faellig: Vec<Faellig> = st
        .db
        .query(sql!(
            "SELECT id, dienst, behoerde_id, zustand, eingereicht FROM antrag WHERE loeschen_ab IS NOT NULL AND loeschen_ab <= $1 ORDER BY id LIMIT 500",
            jetzt
        ))
        .await?;
    let mut n = 0;
    for a in &faellig {
        let shas: Vec<Sha> = st
            .db
            .query(sql!(
                "SELECT DISTINCT sha256 FROM antrag_datei WHERE antrag_id = $1",
                a.id
            ))
            .await?;
        // Children first (foreign keys); the Antrag's own row is the guard (index 5): when
        // another instance deleted it meanwhile, nothing happens here.
        let mut stmts = vec![
            sql!("DELETE FROM antrag_datei WHERE antrag_id = $1", a.id),
            sql!("DELETE FROM nachricht WHERE antrag_id = $1", a.id),
            sql!("DELETE FROM antrag_notiz WHERE antrag_id = $1", a.id),
            sql!("DELETE FROM antrag_ereignis WHERE antrag_id = $1", a.id),
            sql!("DELETE FROM antrag_suchwort WHERE antrag_id = $1", a.id),
            sql!(
                "DELETE FROM antrag WHERE id = $1 AND loeschen_ab <= $2",
                a.id,
                jetzt
            ),
        ];
        // The statistics keep what was decided when, nothing about the person. A draft that
        // was never submitted leaves no trace but the audit line.
        if let (Some(b), Some(t)) = (a.behoerde_id, a.eingereicht) {
            let monat = crate::kern::uhr::tag_iso(t)
                .get(0..7)
                .unwrap_or("")
                .to_owned();
            stmts.push(sql!(
                "INSERT INTO antrag_statistik (dienst, behoerde_id, monat, ergebnis, anzahl) VALUES ($1, $2, $3, $4, 1) \
                 ON CONFLICT (dienst, behoerde_id, monat, ergebnis) DO UPDATE SET anzahl = antrag_statistik.anzahl + 1",
                a.dienst.as_str(),
                b,
                monat,
                a.zustand.as_str()
            ));
        }
        stmts.push(audit::eintrag(
            &st.uhr,
            "system",
            "antrag-geloescht",
            &audit::Objekt::new(daten::ANTRAG, a.id),
            &[(
                "loeschfrist",
                "",
                "abgelaufen: personenbezogene Daten gelöscht",
            )],
        ));
        if !st.db.execute_guarded(&stmts, 5).await? {
            continue;
        }
        n += 1;
        for s in shas {
            let noch = st
                .db
                .scalar(sql!(
                    "SELECT (SELECT COUNT(*) FROM antrag_datei WHERE sha256 = $1) + (SELECT COUNT(*) FROM anhang WHERE sha256 = $1)",
                    s.sha256.as_str()
                ))
                .await?;
            if noch == 0 {
                st.ablage.entfernen(&s.sha256).await?;
            }
        }
    }
    Ok(n)
}

/// The scheduled task.
pub async fn aufgabe(st: &AppState) -> Result<(), Fehler> {
    let n = loeschfristen_anwenden(st).await?;
    if n > 0 {
        tracing::info!("Löschfristen: {n} Anträge gelöscht");
    }
    crate::kern::person::aufraeumen(&st.db, &st.uhr).await?;
    Ok(())
}

//! Submission: the Antragsnummer of the authority's series, the receipt as PDF (with every
//! answer), the transition to "eingereicht" with its history, and two e-mails without
//! content — to the citizen ("it arrived") and to the authority's mailbox ("a new Antrag").

use ozg_domain::antrag::{Beteiligter, Ereignis};
use ozg_domain::portal::antragsnummer;

use crate::antraege::daten::{self, Antrag, Uebergang};
use crate::antraege::{Dienst, dateien, dokumente};
use crate::kern::mail::Nachricht as Mail;
use crate::kern::uhr::zeit_de;
use crate::kern::{AppState, Fehler, postausgang};
use crate::sql;

/// Submits a complete draft to `behoerde_id` (resolved from the answers at this moment, not
/// taken from the draft); returns the Antragsnummer.
pub async fn einreichen(
    st: &AppState,
    a: &Antrag,
    d: &'static Dienst,
    wer: &str,
    behoerde_id: i64,
) -> Result<String, Fehler> {
    // Checked before any work: a second click must not take a number or make a PDF.
    if a.zustand() != ozg_domain::antrag::Zustand::Entwurf {
        return Err(Fehler::feld(
            "ereignis",
            "Dieser Antrag ist schon eingereicht.",
        ));
    }
    let b = daten::behoerde(&st.db, behoerde_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("Behörde {behoerde_id} fehlt"))?;
    let jetzt_t = st.uhr.jetzt();
    let jetzt = st.uhr.sekunden();
    let jahr = st.uhr.jetzt_berlin().year();
    let nr = daten::naechste_nummer(&st.db, b.id, d.praefix, jahr).await?;
    let nummer = antragsnummer(&b.nummernformat, d.praefix, jahr, nr);
    let antworten = a.antworten();
    let anlagen = dateien::vom_antrag(&st.db, a.id, "antrag").await?;
    let beleg = dokumente::Eingangsbestaetigung {
        dienst: d.name.to_owned(),
        antragsnummer: nummer.clone(),
        behoerde: b.name.clone(),
        behoerde_anschrift: b.anschrift_zeilen(),
        eingegangen: zeit_de(jetzt),
        antragsteller: a.name.clone(),
        abschnitte: d
            .formular
            .zusammenfassung(&antworten)
            .into_iter()
            .map(|(titel, felder)| dokumente::Abschnitt {
                titel: titel.to_owned(),
                antworten: felder
                    .into_iter()
                    .map(|(frage, antwort)| dokumente::Antwort {
                        frage: frage.to_owned(),
                        antwort,
                    })
                    .collect(),
            })
            .collect(),
        anlagen: anlagen.iter().map(dateien::Datei::beschreibung).collect(),
        hinweis: format!(
            "Ihr Antrag ist bei {} eingegangen. Bitte geben Sie bei Fragen die Antragsnummer an. Nachrichten und den Bescheid erhalten Sie im Postfach des Portals; über neue Nachrichten informieren wir Sie per E-Mail.",
            b.name
        ),
    };
    // Typesetting is CPU work: on the blocking pool, not on the request threads.
    let pdf =
        tokio::task::spawn_blocking(move || dokumente::eingangsbestaetigung_pdf(&beleg, jetzt_t))
            .await
            .map_err(|e| anyhow::anyhow!("Eingangsbestätigung abgebrochen: {e}"))??;
    let beleg = dateien::pdf_ablegen(
        st,
        &format!("Eingangsbestaetigung-{}.pdf", nummer.replace('/', "-")),
        &pdf,
    )
    .await?;
    // Everything after the stored receipt: when it fails, the receipt goes again.
    let r = async {
        let mut dazu = vec![
            dateien::speichern_stmt(
                st,
                a.id,
                None,
                "eingangsbestaetigung",
                &beleg,
                "portal",
                jetzt,
            )
            .await?,
        ];
        let mut mails = Vec::new();
        if crate::kern::mail::adresse_gueltig(&a.email) {
            mails.push(Mail {
                name: String::new(),
                email: a.email.clone(),
                betreff: "Ihr Antrag ist eingegangen".into(),
                text: format!(
                    "Guten Tag,\n\nIhr Antrag ist eingegangen. Die Eingangsbestätigung und den weiteren Stand finden Sie im Portal, {}.\n\nDiese E-Mail enthält aus Datenschutzgründen keine Angaben aus Ihrem Antrag.",
                    crate::antraege::zugriff::wo_lesen(&st.basis_url, a)
                ),
            });
        }
        if crate::kern::mail::adresse_gueltig(&b.email) {
            mails.push(Mail {
                name: b.name.clone(),
                email: b.email.clone(),
                betreff: format!("Neuer Antrag: {}", d.name),
                text: format!(
                    "Im Eingang Ihrer Behörde ist ein neuer Antrag ({}) eingegangen:\n\n{}/sachbearbeitung\n",
                    d.name, st.basis_url
                ),
            });
        }
        dazu.extend(
            postausgang::einreihen(&st.db, &st.uhr, &format!("antrag:{}:eingang", a.id), &mails)
                .await?,
        );
        // The words of the search text into the inbox's word index, with the submission.
        let suchtext = daten::suchtext(&nummer, &antworten);
        dazu.extend(daten::suchwoerter_stmts(a.id, behoerde_id, &suchtext));
        let (_, stmts) = daten::uebergang(
            &st.db,
            &st.uhr,
            &Uebergang {
                antrag: a,
                ereignis: Ereignis::Einreichen,
                wer: Beteiligter::Antragsteller,
                wer_name: wer,
                begruendung: "",
            },
            Some(sql!(
                "UPDATE antrag SET nummer = $1, eingereicht = $2, suchtext = $3, loeschen_ab = NULL, behoerde_id = $5 WHERE id = $4",
                nummer.as_str(),
                jetzt,
                suchtext.as_str(),
                a.id,
                behoerde_id
            )),
            dazu,
        )
        .await?;
        daten::ausfuehren(&st.db, &stmts).await
    }
    .await;
    dateien::oder_verwerfen(st, r, &[&beleg]).await?;
    Ok(nummer)
}

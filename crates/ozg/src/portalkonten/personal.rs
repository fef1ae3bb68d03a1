//! An authority's administration manages its staff and settings: invite (the person sets a
//! password through a link valid 7 days), deactivate, change the role; the authority's
//! mailbox, address and Antragsnummer format. Only within its own authority (tenancy by the
//! session's authority in every query).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::access;
use ozg_domain::portal::{BehoerdenAktion, BehoerdenRolle, nummernformat_pruefen};
use serde::Deserialize;

use crate::kern::audit::{self, Objekt};
use crate::kern::passwort::Pruefstelle;
use crate::kern::person::{self, PersonArt, Portal, PortalSitzung};
use crate::kern::schreibrouten::Zugang;
use crate::kern::sitzung::{vorab_cookie, vorab_csrf};
use crate::kern::token::{token, token_hash};
use crate::kern::{AppState, Fehler, Feldfehler, Formular, Leer, Routen, Verweis, postausgang};
use crate::portalkonten::daten::BEHOERDE;
use crate::sql;

const VERWALTEN: Zugang = Zugang::Behoerde(BehoerdenAktion::PersonalVerwalten);
/// Days an invitation is valid.
const EINLADUNG_TAGE: i64 = 7;

pub(super) fn routen() -> Routen {
    Routen::new()
        .lesen_fuer("/behoerde/personal", VERWALTEN, seite)
        .schreiben_fuer("/behoerde/personal", VERWALTEN, einladen)
        .schreiben_fuer(
            "/behoerde/personal/{id}/deaktivieren",
            VERWALTEN,
            deaktivieren,
        )
        .schreiben_fuer("/behoerde/einstellungen", VERWALTEN, einstellungen)
        .lesen("/behoerde/einladung/{token}", einladung_seite)
        .schreiben_fuer(
            "/behoerde/einladung/{token}",
            Zugang::Offen,
            einladung_annehmen,
        )
}

#[derive(Deserialize, Clone)]
struct Person {
    id: i64,
    email: String,
    name: String,
    rolle: String,
    aktiv: i64,
    eingerichtet: i64,
}

impl Person {
    fn rolle_label(&self) -> &'static str {
        BehoerdenRolle::parse(&self.rolle).map_or("–", BehoerdenRolle::label)
    }
}

#[derive(Deserialize, Clone, Default)]
struct Einstellungen {
    #[serde(default)]
    name: String,
    #[serde(default)]
    anschrift: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    nummernformat: String,
}

/// The settings form (its own field names: the invitation form on the same page has `name`
/// and `email` too, and each error must show at its own field).
#[derive(Deserialize, Clone, Default)]
struct EinstellungenForm {
    #[serde(default)]
    b_name: String,
    #[serde(default)]
    b_anschrift: String,
    #[serde(default)]
    b_email: String,
    #[serde(default)]
    nummernformat: String,
}

impl From<EinstellungenForm> for Einstellungen {
    fn from(f: EinstellungenForm) -> Einstellungen {
        Einstellungen {
            name: f.b_name,
            anschrift: f.b_anschrift,
            email: f.b_email,
            nummernformat: f.nummernformat,
        }
    }
}

#[derive(Deserialize, Clone, Default)]
struct Neu {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    rolle: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portalkonten/templates/personal.html")]
struct Seite {
    title: String,
    nav: &'static str,
    person: PortalSitzung,
    personen: Vec<Person>,
    behoerde: Einstellungen,
    neu: Neu,
    rollen: Vec<(&'static str, &'static str)>,
    fehler: Feldfehler,
    verweise: Vec<Verweis>,
    meldung: Option<String>,
}

async fn zeigen(
    st: &AppState,
    s: &PortalSitzung,
    b: i64,
    neu: Neu,
    einst: Option<Einstellungen>,
    fehler: Feldfehler,
    meldung: Option<String>,
) -> Result<Response, Fehler> {
    let personen: Vec<Person> = st
        .db
        .query(sql!(
            "SELECT id, email, name, rolle, aktiv, CASE WHEN passwort_hash IS NULL THEN 0 ELSE 1 END AS eingerichtet \
             FROM mitarbeiter WHERE behoerde_id = $1 ORDER BY aktiv DESC, name",
            b
        ))
        .await?;
    let behoerde = match einst {
        Some(e) => e,
        None => st
            .db
            .query_opt(sql!(
                "SELECT name, anschrift, email, nummernformat FROM behoerde WHERE id = $1",
                b
            ))
            .await?
            .ok_or_else(|| anyhow::anyhow!("Behörde {b} fehlt"))?,
    };
    let verweise = fehler.verweise(
        "f-",
        &[
            ("email", "E-Mail-Adresse"),
            ("name", "Name"),
            ("rolle", "Rolle"),
            ("b_email", "Funktionspostfach"),
            ("b_anschrift", "Anschrift"),
            ("nummernformat", "Format der Antragsnummern"),
            ("b_name", "Name der Behörde"),
        ],
    );
    let status = if fehler.is_empty() {
        StatusCode::OK
    } else {
        fehler.status()
    };
    let mut r = Seite {
        title: format!(
            "{}Personal und Einstellungen",
            if fehler.is_empty() { "" } else { "Fehler: " }
        ),
        nav: "sachbearbeitung",
        person: s.clone(),
        personen,
        behoerde,
        neu,
        rollen: BehoerdenRolle::optionen(),
        fehler,
        verweise,
        meldung,
    }
    .into_response();
    *r.status_mut() = status;
    Ok(r)
}

fn personal(f: Option<&PortalSitzung>) -> Result<(&PortalSitzung, i64), Fehler> {
    match f {
        Some(s) if s.art == PersonArt::Mitarbeiter => Ok((s, s.behoerde_id.unwrap_or(-1))),
        _ => Err(person::personal_anmelden_bitte()),
    }
}

async fn seite(State(st): State<AppState>, p: Portal) -> Result<Response, Fehler> {
    let (s, b) = p.personal()?;
    zeigen(&st, s, b, Neu::default(), None, Feldfehler::new(), None).await
}

/// `POST /behoerde/personal`: invites a person to the own authority.
async fn einladen(State(st): State<AppState>, f: Formular<Neu>) -> Result<Response, Fehler> {
    let (s, b) = personal(f.person.as_ref())?;
    let n = &f.daten;
    let email = n.email.trim().to_lowercase();
    let mut fehler = Feldfehler::new();
    if !crate::kern::mail::adresse_gueltig(&email) {
        fehler.push("email", "Bitte eine gültige E-Mail-Adresse angeben.");
    }
    if n.name.trim().is_empty() || n.name.chars().count() > 100 {
        fehler.push("name", "Bitte den Namen angeben (höchstens 100 Zeichen).");
    }
    let rolle = BehoerdenRolle::parse(&n.rolle);
    if rolle.is_err() {
        fehler.push("rolle", "Bitte eine Rolle wählen.");
    }
    if !fehler.is_empty() {
        return zeigen(&st, s, b, f.daten, None, fehler, None).await;
    }
    let rolle = rolle.unwrap_or(BehoerdenRolle::Sachbearbeitung);
    let t = token()?;
    let jetzt = st.uhr.sekunden();
    let id = st.db.neue_id("mitarbeiter").await?;
    let schluessel = st
        .db
        .scalar_text(sql!("SELECT schluessel FROM behoerde WHERE id = $1", b))
        .await?
        .unwrap_or_default();
    let mut stmts = vec![
        sql!(
            "INSERT INTO mitarbeiter (id, behoerde_id, email, name, rolle, passwort_hash, idp, aktiv, erstellt) VALUES ($1, $2, $3, $4, $5, NULL, NULL, 1, $6)",
            id,
            b,
            email.as_str(),
            n.name.trim(),
            rolle.key(),
            jetzt
        ),
        sql!(
            "INSERT INTO portal_token (token_hash, zweck, bezug, ablauf) VALUES ($1, 'einladung', $2, $3)",
            token_hash(&t),
            id,
            jetzt + EINLADUNG_TAGE * 86_400
        ),
        audit::eintrag(
            &st.uhr,
            &s.audit_name(),
            "mitarbeiter-eingeladen",
            &Objekt::new(BEHOERDE, &schluessel),
            &[("mitarbeiter", "", &format!("{email} ({})", rolle.label()))],
        ),
    ];
    stmts.extend(
        postausgang::einreihen(
            &st.db,
            &st.uhr,
            &format!("mitarbeiter:{id}:einladung"),
            &[crate::kern::mail::Nachricht {
                name: n.name.trim().to_owned(),
                email: email.clone(),
                betreff: "Einladung in das Bürgerportal".into(),
                text: format!(
                    "Guten Tag,\n\nSie wurden in das Bürgerportal eingeladen, um Anträge Ihrer Behörde zu bearbeiten. Mit diesem Link legen Sie Ihr Passwort fest ({EINLADUNG_TAGE} Tage gültig, einmal verwendbar):\n\n{}/behoerde/einladung/{t}\n",
                    st.basis_url
                ),
            }],
        )
        .await?,
    );
    match st.db.execute_all(&stmts).await {
        Ok(()) => {}
        Err(crate::kern::db::DbFehler::Eindeutig(_)) => {
            return zeigen(
                &st,
                s,
                b,
                f.daten,
                None,
                Feldfehler::eins(
                    "email",
                    "Mit dieser E-Mail-Adresse gibt es schon ein Konto.",
                ),
                None,
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    }
    zeigen(
        &st,
        s,
        b,
        Neu::default(),
        None,
        Feldfehler::new(),
        Some(format!(
            "{} ist eingeladen; die E-Mail mit dem Link ist unterwegs.",
            n.name.trim()
        )),
    )
    .await
}

/// `POST /behoerde/personal/{id}/deaktivieren`: the person can no longer log in.
async fn deaktivieren(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: Formular<Leer>,
) -> Result<Response, Fehler> {
    let (s, b) = personal(f.person.as_ref())?;
    if id == s.person_id {
        return Err(Fehler::feld(
            "id",
            "Ihr eigenes Konto können Sie nicht deaktivieren.",
        ));
    }
    let email = st
        .db
        .scalar_text(sql!(
            "SELECT email FROM mitarbeiter WHERE id = $1 AND behoerde_id = $2 AND aktiv = 1",
            id,
            b
        ))
        .await?
        .ok_or_else(|| {
            Fehler::nicht_gefunden(
                "Diese Person gibt es in Ihrer Behörde nicht (oder sie ist schon deaktiviert).",
            )
        })?;
    let schluessel = st
        .db
        .scalar_text(sql!("SELECT schluessel FROM behoerde WHERE id = $1", b))
        .await?
        .unwrap_or_default();
    st.db
        .execute_all(&[
            sql!(
                "UPDATE mitarbeiter SET aktiv = 0 WHERE id = $1 AND behoerde_id = $2",
                id,
                b
            ),
            person::alle_beenden(PersonArt::Mitarbeiter, id),
            sql!(
                "UPDATE antrag SET zugewiesen = NULL WHERE zugewiesen = $1",
                id
            ),
            audit::eintrag(
                &st.uhr,
                &s.audit_name(),
                "mitarbeiter-deaktiviert",
                &Objekt::new(BEHOERDE, &schluessel),
                &[("aktiv", &email, "nein")],
            ),
        ])
        .await?;
    Ok(Redirect::to("/behoerde/personal").into_response())
}

/// `POST /behoerde/einstellungen`: name, address, mailbox and number format.
async fn einstellungen(
    State(st): State<AppState>,
    f: Formular<EinstellungenForm>,
) -> Result<Response, Fehler> {
    let (s, b) = personal(f.person.as_ref())?;
    let e: Einstellungen = f.daten.clone().into();
    let mut fehler = Feldfehler::new();
    if e.name.trim().is_empty() || e.name.chars().count() > 200 {
        fehler.push(
            "b_name",
            "Bitte den Namen der Behörde angeben (höchstens 200 Zeichen).",
        );
    }
    if !crate::kern::mail::adresse_gueltig(e.email.trim()) {
        fehler.push(
            "b_email",
            "Bitte das Funktionspostfach angeben (eine E-Mail-Adresse).",
        );
    }
    if let Err(m) = nummernformat_pruefen(&e.nummernformat) {
        fehler.push("nummernformat", m);
    }
    if e.anschrift.chars().count() > 500 {
        fehler.push(
            "b_anschrift",
            "Die Anschrift darf höchstens 500 Zeichen lang sein.",
        );
    }
    if !fehler.is_empty() {
        return zeigen(&st, s, b, Neu::default(), Some(e), fehler, None).await;
    }
    let alt: Einstellungen = st
        .db
        .query_opt(sql!(
            "SELECT name, anschrift, email, nummernformat FROM behoerde WHERE id = $1",
            b
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("Behörde {b} fehlt"))?;
    let schluessel = st
        .db
        .scalar_text(sql!("SELECT schluessel FROM behoerde WHERE id = $1", b))
        .await?
        .unwrap_or_default();
    st.db
        .execute_all(&[
            sql!(
                "UPDATE behoerde SET name = $1, anschrift = $2, email = $3, nummernformat = $4 WHERE id = $5",
                e.name.trim(),
                e.anschrift.trim(),
                e.email.trim(),
                e.nummernformat.trim(),
                b
            ),
            audit::eintrag(
                &st.uhr,
                &s.audit_name(),
                "behoerde-geaendert",
                &Objekt::new(BEHOERDE, &schluessel),
                &[
                    ("name", &alt.name, e.name.trim()),
                    ("anschrift", &alt.anschrift, e.anschrift.trim()),
                    ("email", &alt.email, e.email.trim()),
                    ("nummernformat", &alt.nummernformat, e.nummernformat.trim()),
                ],
            ),
        ])
        .await?;
    zeigen(
        &st,
        s,
        b,
        Neu::default(),
        None,
        Feldfehler::new(),
        Some("Die Einstellungen sind gespeichert.".into()),
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "portalkonten/templates/einladung.html")]
struct EinladungSeite {
    title: &'static str,
    nav: &'static str,
    csrf: String,
    token: String,
    gueltig: bool,
    fehler: Feldfehler,
    verweise: Vec<Verweis>,
}

async fn einladung_pruefen(
    st: &AppState,
    t: &str,
) -> Result<Option<(i64, String, String)>, Fehler> {
    #[derive(Deserialize)]
    struct R {
        id: i64,
        email: String,
        name: String,
    }
    Ok(st
        .db
        .query_opt::<R>(sql!(
            "SELECT m.id, m.email, m.name FROM portal_token t JOIN mitarbeiter m ON m.id = t.bezug \
             WHERE t.token_hash = $1 AND t.zweck = 'einladung' AND t.ablauf >= $2 AND m.aktiv = 1",
            token_hash(t),
            st.uhr.sekunden()
        ))
        .await?
        .map(|r| (r.id, r.email, r.name)))
}

fn einladung_zeigen(csrf: String, token: String, gueltig: bool, fehler: Feldfehler) -> Response {
    let verweise = fehler.verweise(
        "f-",
        &[
            ("passwort", "Neues Passwort"),
            ("wiederholung", "Passwort wiederholen"),
        ],
    );
    let status = if !gueltig {
        StatusCode::NOT_FOUND
    } else if fehler.is_empty() {
        StatusCode::OK
    } else {
        fehler.status()
    };
    let mut r = EinladungSeite {
        title: "Passwort festlegen",
        nav: "sachbearbeitung",
        csrf,
        token,
        gueltig,
        fehler,
        verweise,
    }
    .into_response();
    *r.status_mut() = status;
    r
}

async fn einladung_seite(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(t): Path<String>,
) -> Result<Response, Fehler> {
    let gueltig = einladung_pruefen(&st, &t).await?.is_some();
    let (csrf, neu) = vorab_csrf(&headers)?;
    let mut r = einladung_zeigen(csrf.clone(), t, gueltig, Feldfehler::new());
    if neu {
        vorab_cookie(&mut r, &csrf);
    }
    Ok(r)
}

#[derive(Deserialize, Default)]
struct Passwort {
    #[serde(default)]
    passwort: String,
    #[serde(default)]
    wiederholung: String,
    #[serde(default)]
    _csrf: String,
}

async fn einladung_annehmen(
    State(st): State<AppState>,
    Path(t): Path<String>,
    f: Formular<Passwort>,
) -> Result<Response, Fehler> {
    let Some((id, email, name)) = einladung_pruefen(&st, &t).await? else {
        return Ok(einladung_zeigen(
            f.daten._csrf.clone(),
            t,
            false,
            Feldfehler::new(),
        ));
    };
    let mut fehler = Feldfehler::new();
    if let Err(m) = access::passwort_pruefen(&f.daten.passwort, &[&email, &name]) {
        fehler.push("passwort", m);
    } else if f.daten.passwort != f.daten.wiederholung {
        fehler.push(
            "wiederholung",
            "Die beiden Passwörter stimmen nicht überein.",
        );
    }
    if !fehler.is_empty() {
        return Ok(einladung_zeigen(f.daten._csrf.clone(), t, true, fehler));
    }
    let hash = st
        .erweiterung::<Pruefstelle>()
        .hash(f.daten.passwort.clone())
        .await?;
    st.db
        .execute_guarded(
            &[
                sql!(
                    "DELETE FROM portal_token WHERE token_hash = $1",
                    token_hash(&t)
                ),
                sql!(
                    "UPDATE mitarbeiter SET passwort_hash = $1 WHERE id = $2",
                    hash.as_str(),
                    id
                ),
                audit::eintrag(
                    &st.uhr,
                    &format!("mitarbeiter:{id}"),
                    "mitarbeiter-passwort-gesetzt",
                    &Objekt::new(BEHOERDE, id),
                    &[],
                ),
            ],
            0,
        )
        .await?;
    Ok(Redirect::to("/behoerde/anmelden").into_response())
}

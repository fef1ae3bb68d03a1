//! Who uses the citizens' portal: sessions of citizens (local account or BundID) and of the
//! staff of an authority, their cookie and the extractor [`Portal`].
//!
//! They are apart from the members' sessions ([`crate::kern::sitzung`]): another table,
//! another cookie, other people. Tokens are 32 random bytes, only their SHA-256 is stored; the
//! same idle and absolute limits apply. What a person may do is decided from the route's
//! [`Zugang`](crate::kern::schreibrouten::Zugang), once, by the form extractors and by
//! [`Portal::buerger`] / [`Portal::personal`].

use axum::extract::{FromRequestParts, MatchedPath};
use axum::http::request::Parts;
use ozg_domain::access::{self, SITZUNG_HOECHSTENS_MIN, SITZUNG_LEERLAUF_MIN};
use ozg_domain::portal::{BehoerdenAktion, BehoerdenRolle, Vertrauensniveau, behoerde_darf};
use serde::Deserialize;

use crate::kern::db::{Db, Stmt};
use crate::kern::fehler::Fehler;
use crate::kern::schreibrouten::Zugang;
use crate::kern::sitzung::cookie;
use crate::kern::token::{token, token_hash};
use crate::kern::uhr::Uhr;
use crate::kern::zustand::AppState;
use crate::sql;

/// The portal's session cookie.
pub const PORTAL_COOKIE: &str = "__Host-ozg_portal";
/// The cookie with the resume token of a draft without account (a session cookie: it ends
/// with the browser; the e-mailed link opens the draft again).
pub const ENTWURF_COOKIE: &str = "__Host-ozg_antrag";

/// Who a portal session belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonArt {
    /// A citizen (Antragstellende).
    Buerger,
    /// Staff of an authority.
    Mitarbeiter,
}

impl PersonArt {
    /// As stored.
    pub fn key(self) -> &'static str {
        match self {
            PersonArt::Buerger => "buerger",
            PersonArt::Mitarbeiter => "mitarbeiter",
        }
    }
}

/// A portal session.
#[derive(Debug, Clone)]
pub struct PortalSitzung {
    /// Citizen or staff.
    pub art: PersonArt,
    /// `buerger.id` or `mitarbeiter.id`.
    pub person_id: i64,
    /// The level of the login (staff: always Basis).
    pub niveau: Vertrauensniveau,
    /// Display name.
    pub name: String,
    /// E-mail address (may be empty for a BundID login without one).
    pub email: String,
    /// Staff: the authority.
    pub behoerde_id: Option<i64>,
    /// Staff: the role.
    pub rolle: Option<BehoerdenRolle>,
    /// CSRF token of this session.
    pub csrf: String,
    /// Hash of the session token.
    pub token_hash: String,
}

impl PortalSitzung {
    /// The name written into histories: "Bürger/in 12" never the person's name (the audit
    /// log outlives the personal data), "Name (Behörde-Nr.)" for staff.
    pub fn audit_name(&self) -> String {
        match self.art {
            PersonArt::Buerger => format!("buerger:{}", self.person_id),
            PersonArt::Mitarbeiter => format!("mitarbeiter:{}", self.person_id),
        }
    }
}

#[derive(Deserialize)]
struct Row {
    art: String,
    person_id: i64,
    niveau: i64,
    csrf: String,
    erstellt: i64,
    zuletzt: i64,
    name: Option<String>,
    email: Option<String>,
    behoerde_id: Option<i64>,
    rolle: Option<String>,
    aktiv: Option<i64>,
}

/// The session of a cookie value, if valid (renews its idle timer at most once a minute).
pub async fn laden(db: &Db, uhr: &Uhr, t: &str) -> Result<Option<PortalSitzung>, Fehler> {
    let h = token_hash(t);
    let row: Option<Row> = db
        .query_opt(sql!(
            "SELECT s.art, s.person_id, s.niveau, s.csrf, s.erstellt, s.zuletzt, \
             COALESCE(m.name, b.vorname || ' ' || b.nachname) AS name, COALESCE(m.email, b.email) AS email, \
             m.behoerde_id, m.rolle, CASE WHEN s.art = 'mitarbeiter' THEN m.aktiv ELSE b.bestaetigt END AS aktiv \
             FROM portal_sitzung s \
             LEFT JOIN mitarbeiter m ON s.art = 'mitarbeiter' AND m.id = s.person_id \
             LEFT JOIN buerger b ON s.art = 'buerger' AND b.id = s.person_id \
             WHERE s.token_hash = $1",
            h.as_str()
        ))
        .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let jetzt = uhr.sekunden();
    if r.aktiv != Some(1) || !access::sitzung_gueltig(r.erstellt, r.zuletzt, jetzt) {
        return Ok(None);
    }
    if jetzt - r.zuletzt >= 60 {
        db.execute_all(&[sql!(
            "UPDATE portal_sitzung SET zuletzt = $1 WHERE token_hash = $2",
            jetzt,
            h.as_str()
        )])
        .await?;
    }
    let art = if r.art == "mitarbeiter" {
        PersonArt::Mitarbeiter
    } else {
        PersonArt::Buerger
    };
    Ok(Some(PortalSitzung {
        art,
        person_id: r.person_id,
        niveau: Vertrauensniveau::aus_zahl(r.niveau),
        name: r.name.unwrap_or_default().trim().to_owned(),
        email: r.email.unwrap_or_default(),
        behoerde_id: r.behoerde_id,
        rolle: r
            .rolle
            .as_deref()
            .and_then(|x| BehoerdenRolle::parse(x).ok()),
        csrf: r.csrf,
        token_hash: h,
    }))
}

/// A new session: the cookie value and the statement that stores it (run it with the login's
/// other statements).
pub fn oeffnen(
    uhr: &Uhr,
    art: PersonArt,
    person_id: i64,
    niveau: Vertrauensniveau,
) -> anyhow::Result<(String, Stmt)> {
    let t = token()?;
    let stmt = sql!(
        "INSERT INTO portal_sitzung (token_hash, art, person_id, niveau, csrf, erstellt, zuletzt) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
        token_hash(&t),
        art.key(),
        person_id,
        niveau.zahl(),
        token()?,
        uhr.sekunden()
    );
    Ok((t, stmt))
}

/// The statement that ends a session.
pub fn beenden(s: &PortalSitzung) -> Stmt {
    sql!(
        "DELETE FROM portal_sitzung WHERE token_hash = $1",
        s.token_hash.as_str()
    )
}

/// The statement that ends every session of a person (deactivated, deleted, password changed).
pub fn alle_beenden(art: PersonArt, person_id: i64) -> Stmt {
    sql!(
        "DELETE FROM portal_sitzung WHERE art = $1 AND person_id = $2",
        art.key(),
        person_id
    )
}

/// Removes expired sessions (scheduled task).
pub async fn aufraeumen(db: &Db, uhr: &Uhr) -> Result<(), Fehler> {
    let t = uhr.sekunden();
    db.execute_all(&[
        sql!(
            "DELETE FROM portal_sitzung WHERE zuletzt < $1 OR erstellt < $2",
            t - SITZUNG_LEERLAUF_MIN * 60,
            t - SITZUNG_HOECHSTENS_MIN * 60
        ),
        sql!("DELETE FROM portal_token WHERE ablauf < $1", t),
    ])
    .await?;
    Ok(())
}

/// The portal session of the request, if any (looked up once per request), and the route's
/// access rule.
#[derive(Clone)]
pub struct Portal {
    /// The session.
    pub sitzung: Option<PortalSitzung>,
    /// The access rule the route was declared with.
    pub zugang: Option<Zugang>,
}

/// 403 for a page that needs a citizen's login.
pub fn buerger_anmelden_bitte() -> Fehler {
    Fehler::verboten(
        "Bitte melden Sie sich an (Servicekonto: BundID oder Bürgerkonto dieses Portals).",
    )
}

/// 403 for a page of an authority's staff.
pub fn personal_anmelden_bitte() -> Fehler {
    Fehler::verboten("Bitte melden Sie sich als Mitarbeiterin oder Mitarbeiter Ihrer Behörde an.")
}

/// Whether `s` passes `zugang` (member routes are not the portal's: `None`).
pub fn zugang_pruefen(s: Option<&PortalSitzung>, zugang: Zugang) -> Option<Result<(), Fehler>> {
    match zugang {
        Zugang::Buerger => Some(match s {
            Some(s) if s.art == PersonArt::Buerger => Ok(()),
            _ => Err(buerger_anmelden_bitte()),
        }),
        Zugang::Behoerde(a) => Some(match s {
            Some(s) if s.art == PersonArt::Mitarbeiter => {
                if s.rolle.is_some_and(|r| behoerde_darf(r, a)) {
                    Ok(())
                } else {
                    Err(Fehler::verboten(match a {
                        BehoerdenAktion::PersonalVerwalten => {
                            "Das Personal verwaltet die Administration Ihrer Behörde."
                        }
                        BehoerdenAktion::Zuweisen => "Fälle weist die Leitung zu.",
                        BehoerdenAktion::FallBearbeiten => {
                            "Fälle bearbeiten Sachbearbeitung und Leitung."
                        }
                    }))
                }
            }
            _ => Err(personal_anmelden_bitte()),
        }),
        Zugang::Offen | Zugang::Mitglied(_) | Zugang::Extern => None,
    }
}

impl Portal {
    /// The citizen's session, or 403 asking to log in.
    pub fn buerger(&self) -> Result<&PortalSitzung, Fehler> {
        match &self.sitzung {
            Some(s) if s.art == PersonArt::Buerger => Ok(s),
            _ => Err(buerger_anmelden_bitte()),
        }
    }

    /// The staff session with its authority, checked against the route's declared action
    /// (a route of staff must be declared with one), or 403.
    pub fn personal(&self) -> Result<(&PortalSitzung, i64), Fehler> {
        let zugang = self
            .zugang
            .unwrap_or(Zugang::Behoerde(BehoerdenAktion::FallBearbeiten));
        if let Some(r) = zugang_pruefen(self.sitzung.as_ref(), zugang) {
            r?;
        }
        match &self.sitzung {
            Some(s) if s.art == PersonArt::Mitarbeiter => Ok((s, s.behoerde_id.unwrap_or(-1))),
            _ => Err(personal_anmelden_bitte()),
        }
    }
}

/// The session of a request (from the cookie), looked up once per request.
pub async fn aus_anfrage(
    parts: &mut Parts,
    st: &AppState,
) -> Result<Option<PortalSitzung>, Fehler> {
    #[derive(Clone)]
    struct Geladen(Option<PortalSitzung>);
    if let Some(g) = parts.extensions.get::<Geladen>() {
        return Ok(g.0.clone());
    }
    let s = match cookie(&parts.headers, PORTAL_COOKIE) {
        Some(t) => laden(&st.db, &st.uhr, &t).await?,
        None => None,
    };
    parts.extensions.insert(Geladen(s.clone()));
    Ok(s)
}

impl FromRequestParts<AppState> for Portal {
    type Rejection = Fehler;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Fehler> {
        let sitzung = aus_anfrage(parts, st).await?;
        let zugang = parts
            .extensions
            .get::<MatchedPath>()
            .and_then(|m| st.routen.zugang_lesen(m.as_str()));
        let p = Portal { sitzung, zugang };
        // A GET route declared for citizens or staff refuses before the handler runs.
        if let Some(z) = zugang
            && let Some(r) = zugang_pruefen(p.sitzung.as_ref(), z)
        {
            r?;
        }
        Ok(p)
    }
}

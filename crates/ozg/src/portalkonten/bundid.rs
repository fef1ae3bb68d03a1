//! Login with BundID (SAML 2.0, POST binding) through `ozg-saml`: the portal asks for a
//! minimum trust level, BundID answers with a signed (optionally encrypted) assertion, and the
//! portal opens a session at the level the assertion proves.
//!
//! Each request is stored (`saml_anfrage`: id, level, where to go back) and used once; the
//! answer must name it (InResponseTo). The request id also goes into a cookie of this browser,
//! so an answer obtained in another browser cannot log this one in (login CSRF).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ozg_domain::access::{SITZUNG_HOECHSTENS_MIN, ruecksprung};
use ozg_domain::portal::Vertrauensniveau;
use ozg_saml::{IdpMetadaten, Niveau, SpKonfig};
use serde::Deserialize;

use crate::kern::audit::{self, Objekt};
use crate::kern::person::{self, PORTAL_COOKIE, PersonArt};
use crate::kern::sitzung::{cookie, set_cookie};
use crate::kern::token::token;
use crate::kern::{AppState, Fehler, Formular};
use crate::portalkonten::daten::BUERGER;
use crate::sql;

/// The cookie that binds an outstanding request to this browser.
const ANFRAGE_COOKIE: &str = "__Host-ozg_saml";
/// Minutes a request may stay outstanding.
const ANFRAGE_MINUTEN: i64 = 15;

/// The BundID connection of this instance (set by `ozg serve --bundid-…`); none: the portal
/// offers only the local Bürgerkonto.
#[derive(Default)]
pub struct BundId(pub Option<(SpKonfig, IdpMetadaten)>);

impl BundId {
    /// Reads the IdP metadata and the SP key pair; the error names what is wrong.
    pub fn laden(
        idp_metadaten: &str,
        schluessel_pem: String,
        zertifikat_pem: String,
        basis_url: &str,
        anzeigename: &str,
        online_service_id: Option<String>,
    ) -> anyhow::Result<BundId> {
        let idp = ozg_saml::idp_metadaten_lesen(idp_metadaten)
            .map_err(|e| anyhow::anyhow!("BundID-Metadaten: {}", e.detail()))?;
        let basis = basis_url.trim_end_matches('/');
        let sp = SpKonfig {
            entity_id: format!("{basis}/buergerkonto/bundid/metadaten"),
            acs_url: format!("{basis}/buergerkonto/bundid/antwort"),
            schluessel_pem,
            zertifikat_pem,
            anzeigename: anzeigename.to_owned(),
            online_service_id,
            zurueck_url: format!("{basis}/buergerkonto/anmelden"),
        };
        ozg_saml::sp_metadaten(&sp)
            .map_err(|e| anyhow::anyhow!("BundID-Schlüssel: {}", e.detail()))?;
        Ok(BundId(Some((sp, idp))))
    }
}

/// The trust level of the portal for BundID's.
pub fn niveau(n: Niveau) -> Vertrauensniveau {
    match n {
        Niveau::Basisregistrierung => Vertrauensniveau::Basis,
        Niveau::Substanziell => Vertrauensniveau::Substanziell,
        Niveau::Hoch => Vertrauensniveau::Hoch,
    }
}

fn bundid_niveau(n: Vertrauensniveau) -> Niveau {
    match n {
        Vertrauensniveau::Basis => Niveau::Basisregistrierung,
        Vertrauensniveau::Substanziell => Niveau::Substanziell,
        Vertrauensniveau::Hoch => Niveau::Hoch,
    }
}

fn nicht_eingerichtet() -> Fehler {
    Fehler::nicht_gefunden(
        "Die Anmeldung mit BundID ist auf diesem Portal nicht eingerichtet. Bitte nutzen Sie das Bürgerkonto dieses Portals.",
    )
}

#[derive(Deserialize, Default)]
pub(super) struct Start {
    #[serde(default)]
    niveau: String,
    #[serde(default)]
    weiter: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portalkonten/templates/bundid_weiter.html")]
struct WeiterSeite {
    title: &'static str,
    nav: &'static str,
    ziel: String,
    saml_request: String,
    relay_state: String,
    niveau: &'static str,
}

/// `POST /buergerkonto/bundid`: a signed AuthnRequest for the level asked, as a form the
/// browser posts to BundID (a visible button: no script needed).
pub(super) async fn start(
    State(st): State<AppState>,
    f: Formular<Start>,
) -> Result<Response, Fehler> {
    let cfg = st.erweiterung::<BundId>();
    let Some((sp, idp)) = cfg.0.as_ref() else {
        return Err(nicht_eingerichtet());
    };
    let verlangt = if f.daten.niveau.is_empty() {
        Vertrauensniveau::Basis
    } else {
        Vertrauensniveau::parse(&f.daten.niveau).map_err(|m| Fehler::feld("niveau", m))?
    };
    let weiter = ruecksprung(&f.daten.weiter)
        .unwrap_or("/buergerkonto")
        .to_owned();
    // An NCName: a letter first.
    let id = format!("_{}", token()?);
    let jetzt = st.uhr.sekunden();
    let post = ozg_saml::anfrage(sp, idp, bundid_niveau(verlangt), &id, st.uhr.jetzt())
        .map_err(|e| anyhow::anyhow!("SAML-Anfrage: {}", e.detail()))?;
    st.db
        .execute_all(&[
            sql!(
                "DELETE FROM saml_anfrage WHERE erstellt < $1",
                jetzt - ANFRAGE_MINUTEN * 60
            ),
            sql!(
                "INSERT INTO saml_anfrage (id, niveau, weiter, erstellt) VALUES ($1, $2, $3, $4)",
                id.as_str(),
                verlangt.zahl(),
                weiter.as_str(),
                jetzt
            ),
        ])
        .await?;
    let ursprung = idp_ursprung(&post.ziel);
    let mut res = WeiterSeite {
        title: "Weiter zur BundID",
        nav: "buergerkonto",
        ziel: post.ziel,
        saml_request: post.saml_request,
        relay_state: id.clone(),
        niveau: verlangt.label(),
    }
    .into_response();
    // This one page may send its form to BundID; every other keeps form-action 'self'.
    let csp = crate::kern::app::CSP.replace(
        "form-action 'self'",
        &format!("form-action 'self' {ursprung}"),
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    // SameSite=None: BundID's answer arrives as a cross-site POST, and it must carry this.
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{ANFRAGE_COOKIE}={id}; Path=/; Secure; HttpOnly; SameSite=None; Max-Age={}",
        ANFRAGE_MINUTEN * 60
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// "https://idp.example:8443/sso" → "https://idp.example:8443".
fn idp_ursprung(url: &str) -> String {
    let (schema, rest) = url.split_once("://").unwrap_or(("https", url));
    let host = rest.split('/').next().unwrap_or("");
    format!("{schema}://{host}")
}

#[derive(Deserialize, Default)]
pub(super) struct Antwort {
    #[serde(default, rename = "SAMLResponse")]
    saml_response: String,
    #[serde(default, rename = "RelayState")]
    relay_state: String,
}

#[derive(Deserialize)]
struct Offen {
    niveau: i64,
    weiter: String,
}

fn abgelehnt(m: impl Into<String>) -> Fehler {
    Fehler::verboten(m)
}

/// `POST /buergerkonto/bundid/antwort`: BundID's answer (Zugang::Extern: no session, no CSRF
/// token; the signature, the request it names and this browser's cookie are the check).
pub(super) async fn antwort(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(a): Form<Antwort>,
) -> Result<Response, Fehler> {
    let cfg = st.erweiterung::<BundId>();
    let Some((sp, idp)) = cfg.0.as_ref() else {
        // Refused like every answer that cannot be verified.
        return Err(abgelehnt(
            "Die Anmeldung mit BundID ist auf diesem Portal nicht eingerichtet.",
        ));
    };
    let id = a.relay_state.trim();
    if id.is_empty() || a.saml_response.is_empty() {
        return Err(abgelehnt(
            "Die Anmeldung konnte nicht bestätigt werden: Es fehlt die Antwort der BundID. Bitte melden Sie sich erneut an.",
        ));
    }
    if cookie(&headers, ANFRAGE_COOKIE).as_deref() != Some(id) {
        return Err(abgelehnt(
            "Die Anmeldung wurde in einem anderen Browser begonnen. Bitte melden Sie sich in diesem Browser erneut an.",
        ));
    }
    let jetzt = st.uhr.sekunden();
    // Used once: whoever deletes the row continues; a replay finds nothing.
    let offen: Option<Offen> = st
        .db
        .query_opt(sql!(
            "DELETE FROM saml_anfrage WHERE id = $1 AND erstellt >= $2 RETURNING niveau, weiter",
            id,
            jetzt - ANFRAGE_MINUTEN * 60
        ))
        .await?;
    let Some(offen) = offen else {
        return Err(abgelehnt(
            "Diese Anmeldung ist abgelaufen oder wurde schon verwendet. Bitte melden Sie sich erneut an.",
        ));
    };
    let verlangt = Vertrauensniveau::aus_zahl(offen.niveau);
    let ident = ozg_saml::antwort_pruefen(sp, idp, &a.saml_response, id, st.uhr.jetzt())
        .and_then(|i| i.mindestens(bundid_niveau(verlangt)))
        .map_err(|e| {
            tracing::warn!("BundID-Antwort abgelehnt: {}", e.detail());
            abgelehnt(e.to_string())
        })?;
    let n = niveau(ident.niveau);
    let kennung = format!("bundid:{}", ident.schluessel);
    let w = |o: &Option<String>| o.clone().unwrap_or_default();
    let vorhanden = st
        .db
        .scalar_opt(sql!(
            "SELECT id FROM buerger WHERE kennung = $1",
            kennung.as_str()
        ))
        .await?;
    let (bid, mut stmts) = match vorhanden {
        // BundID's data is the current one: name and address are updated at every login.
        Some(bid) => (
            bid,
            vec![sql!(
                "UPDATE buerger SET email = $1, vorname = $2, nachname = $3, strasse = $4, plz = $5, ort = $6, zuletzt = $7 WHERE id = $8",
                w(&ident.email),
                w(&ident.vorname),
                w(&ident.nachname),
                w(&ident.strasse),
                w(&ident.plz),
                w(&ident.ort),
                jetzt,
                bid
            )],
        ),
        None => {
            let bid = st.db.neue_id("buerger").await?;
            (
                bid,
                vec![
                    sql!(
                        "INSERT INTO buerger (id, herkunft, kennung, email, passwort_hash, bestaetigt, vorname, nachname, strasse, plz, ort, erstellt, zuletzt) \
                         VALUES ($1, 'bundid', $2, $3, NULL, 1, $4, $5, $6, $7, $8, $9, $9)",
                        bid,
                        kennung.as_str(),
                        w(&ident.email),
                        w(&ident.vorname),
                        w(&ident.nachname),
                        w(&ident.strasse),
                        w(&ident.plz),
                        w(&ident.ort),
                        jetzt
                    ),
                    audit::eintrag(
                        &st.uhr,
                        &format!("buerger:{bid}"),
                        "buergerkonto-bundid",
                        &Objekt::new(BUERGER, bid),
                        &[],
                    ),
                ],
            )
        }
    };
    let (wert, s) = person::oeffnen(&st.uhr, PersonArt::Buerger, bid, n)?;
    stmts.push(s);
    st.db.execute_all(&stmts).await?;
    let mut res = Redirect::to(&offen.weiter).into_response();
    let (k, v) = set_cookie(PORTAL_COOKIE, &wert, SITZUNG_HOECHSTENS_MIN * 60);
    res.headers_mut().append(k, v);
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{ANFRAGE_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=0"
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// `GET /buergerkonto/bundid/metadaten`: the SP metadata for BundID's registration.
pub(super) async fn metadaten(State(st): State<AppState>) -> Result<Response, Fehler> {
    let cfg = st.erweiterung::<BundId>();
    let Some((sp, _)) = cfg.0.as_ref() else {
        return Err(nicht_eingerichtet());
    };
    let xml = ozg_saml::sp_metadaten(sp).map_err(|e| anyhow::anyhow!("{}", e.detail()))?;
    let mut r = (StatusCode::OK, xml).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/samlmetadata+xml"),
    );
    Ok(r)
}

//! Page handlers and their templates.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ozg_domain::ids::OzgId;
use ozg_domain::orgs::OrgArt;
use ozg_domain::plan::{ProgrammFile, UebersichtEintrag};
use ozg_domain::project::{Rolle, Status, Zielportal};
use serde::Deserialize;

use super::{AppState, PageError, PageNav, download};
use crate::members::accounts::Sitzung;
use crate::members::web::Angemeldet;
use crate::programme::details::{
    self, Counts, LeistungProjekt, NamedRef, OrgProjekt, ProjektDetail, ThemenfeldAbschnitt,
    WorkshopView,
};
use crate::programme::lists::{
    self, Format, LageItem, LeikaItem, ListKind, ListQuery, OrganisationItem, OzgLeistungItem,
    Page, ProjektItem, ThemenfeldItem,
};
use crate::programme::model::SlugName;
use crate::programme::search::{self, Results};
use crate::programme::timeline::{Row as TimelineRow, Timeline};

type PageResult = Result<Response, PageError>;
type Opt = (String, String, bool);

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/themenfelder", get(themenfelder))
        .route("/themenfelder/{slug}", get(themenfeld))
        .route("/lagen/{slug}", get(lage))
        .route("/ozg-leistungen", get(ozg_list))
        .route("/ozg-leistungen/{id}", get(ozg_page))
        .route("/leika-leistungen", get(leika_list))
        .route("/leika-leistungen/{id}", get(leika_page))
        .route("/organisationen", get(org_list))
        .route("/organisationen/{slug}", get(org_page))
        .route("/projekte", get(projekte))
        .route("/projekte/{slug}", get(projekt))
        .route("/umsetzungsprojekte/{nr}/show", get(kdn_redirect))
        .route(
            "/admin/app/implementationproject/{nr}/show",
            get(kdn_admin_redirect),
        )
        .route("/zeitleiste", get(zeitleiste))
        .route("/suche", get(suche))
        .route("/programm", get(programm))
        .route("/workshops", get(workshops))
        .merge(text_routes())
}

fn text_routes() -> Router<AppState> {
    TEXT_PAGES
        .into_iter()
        .fold(Router::new(), |r, (path, title, body)| {
            r.route(
                path,
                get(move || async move {
                    TextPage {
                        title,
                        nav: "",
                        body,
                    }
                    .into_response()
                }),
            )
        })
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub(super) struct ErrorPage {
    pub title: String,
    pub message: String,
    pub art: &'static str,
    pub nav: &'static str,
}

pub(super) async fn not_found(uri: Uri) -> Response {
    PageError::NotFound(format!("Unter {} gibt es keine Seite.", uri.path())).into_response()
}

fn opts(items: impl IntoIterator<Item = (String, String)>, selected: Option<&str>) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(v, l)| {
            let s = selected == Some(v.as_str());
            (v, l, s)
        })
        .collect()
}

async fn themenfeld_opts(st: &AppState, selected: Option<&str>) -> Result<Vec<Opt>, PageError> {
    let model = st.model().await?;
    Ok(opts(
        model
            .themenfelder
            .iter()
            .map(|t| (t.slug.clone(), t.name.clone())),
        selected,
    ))
}

/// Handles `format=csv|xlsx` for list pages.
async fn maybe_export(
    st: &AppState,
    kind: ListKind,
    q: &ListQuery,
    page: Page,
    basename: &str,
) -> Result<Option<Response>, PageError> {
    let format = Format::parse(q, "html")?;
    if format == Format::Default {
        return Ok(None);
    }
    let model = st.model().await?;
    let table = lists::table(&st.db, &model, kind, q, page).await?;
    Ok(Some(download(&table, format, basename)))
}

// --- Start page ------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    title: &'static str,
    nav: &'static str,
    counts: Counts,
    themenfelder: Vec<ThemenfeldItem>,
    steckbriefe: Vec<NamedRef>,
}

async fn home(State(st): State<AppState>) -> PageResult {
    let counts = details::counts(&st.db).await?;
    let themenfelder = lists::themenfelder(
        &st.db,
        &ListQuery::default(),
        Page {
            seite: 1,
            pro_seite: 100,
        },
    )
    .await?
    .items;
    let steckbriefe = st
        .db
        .query(
            "SELECT name, slug FROM projekt WHERE steckbrief IS NOT NULL ORDER BY position",
            &[],
        )
        .await?;
    Ok(HomePage {
        title: "Startseite",
        nav: "",
        counts,
        themenfelder,
        steckbriefe,
    }
    .into_response())
}

// --- Themenfelder and Lagen ------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "themenfelder.html")]
struct ThemenfelderPage {
    title: &'static str,
    nav: &'static str,
    items: Vec<ThemenfeldItem>,
    nav_links: PageNav,
}

async fn themenfelder(State(st): State<AppState>, Query(q): Query<ListQuery>) -> PageResult {
    let page = Page::parse(&q, 100)?;
    if let Some(r) = maybe_export(&st, ListKind::Themenfelder, &q, page, "themenfelder").await? {
        return Ok(r);
    }
    let p = lists::themenfelder(&st.db, &q, page).await?;
    let nav_links = PageNav::new("/themenfelder", "/api/v1/themenfelder", &q, page, p.total);
    Ok(ThemenfelderPage {
        title: "Themenfelder",
        nav: "themenfelder",
        items: p.items,
        nav_links,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "themenfeld.html")]
struct ThemenfeldPage {
    title: String,
    nav: &'static str,
    t: ThemenfeldItem,
    abschnitt: ThemenfeldAbschnitt,
    projekte: Vec<ProjektItem>,
    lagen: Vec<LageItem>,
}

async fn themenfeld(State(st): State<AppState>, Path(slug): Path<String>) -> PageResult {
    let Some(t) = lists::themenfeld(&st.db, &slug).await? else {
        return Err(PageError::NotFound(format!(
            "Ein Themenfeld „{slug}“ gibt es nicht."
        )));
    };
    let abschnitt = details::themenfeld_abschnitt(&st.db, t.id)
        .await?
        .ok_or_else(|| PageError::NotFound(slug.clone()))?;
    let q = ListQuery {
        themenfeld: Some(t.slug.clone()),
        ..Default::default()
    };
    let model = st.model().await?;
    let f = lists::projekt_filter(&model, &q)?;
    let projekte = lists::projekte(&model, &f, Page::WHOLE, &lists::today()).items;
    let lagen = lists::lagen(&st.db, &q, Page::WHOLE).await?.items;
    Ok(ThemenfeldPage {
        title: format!("Themenfeld {}", t.name),
        nav: "themenfelder",
        t,
        abschnitt,
        projekte,
        lagen,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "lage.html")]
struct LagePage {
    title: String,
    nav: &'static str,
    l: LageItem,
    leistungen: Vec<OzgLeistungItem>,
}

async fn lage(State(st): State<AppState>, Path(slug): Path<String>) -> PageResult {
    let Some(l) = lists::lage(&st.db, &slug).await? else {
        return Err(PageError::NotFound(format!(
            "Eine Lage „{slug}“ gibt es nicht."
        )));
    };
    let q = ListQuery {
        lage: Some(l.slug.clone()),
        ..Default::default()
    };
    let leistungen = lists::ozg_leistungen(&st.db, &q, Page::WHOLE).await?.items;
    Ok(LagePage {
        title: format!("Lage {}", l.name),
        nav: "themenfelder",
        l,
        leistungen,
    }
    .into_response())
}

// --- OZG- and LeiKa-Leistungen ---------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "ozg_list.html")]
struct OzgListPage {
    title: &'static str,
    nav: &'static str,
    q: ListQuery,
    total: i64,
    items: Vec<OzgLeistungItem>,
    opt_themenfeld: Vec<Opt>,
    nav_links: PageNav,
}

async fn ozg_list(State(st): State<AppState>, Query(q): Query<ListQuery>) -> PageResult {
    let page = Page::parse(&q, 50)?;
    if let Some(r) = maybe_export(&st, ListKind::OzgLeistungen, &q, page, "ozg-leistungen").await? {
        return Ok(r);
    }
    let p = lists::ozg_leistungen(&st.db, &q, page).await?;
    let nav_links = PageNav::new(
        "/ozg-leistungen",
        "/api/v1/ozg-leistungen",
        &q,
        page,
        p.total,
    );
    let opt_themenfeld = themenfeld_opts(&st, q.themenfeld.as_deref()).await?;
    Ok(OzgListPage {
        title: "OZG-Leistungen",
        nav: "ozg",
        q,
        total: p.total,
        items: p.items,
        opt_themenfeld,
        nav_links,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "ozg.html")]
struct OzgPage {
    title: String,
    nav: &'static str,
    o: OzgLeistungItem,
    leika: Vec<LeikaItem>,
    projekte: Vec<LeistungProjekt>,
}

async fn ozg_page(State(st): State<AppState>, Path(id): Path<String>) -> PageResult {
    let Ok(oid) = OzgId::parse(&id) else {
        return Err(PageError::NotFound(format!(
            "„{id}“ ist keine OZG-ID (5 Ziffern, 10000–10999)."
        )));
    };
    let Some(o) = lists::ozg_leistung(&st.db, oid).await? else {
        return Err(PageError::NotFound(format!(
            "Eine OZG-Leistung mit der OZG-ID {oid} gibt es nicht."
        )));
    };
    let leika = lists::leika_of(&st.db, oid).await?;
    let projekte = details::leistung_projekte(&st.db, o.ozg_id).await?;
    Ok(OzgPage {
        title: o.name.clone(),
        nav: "ozg",
        o,
        leika,
        projekte,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "leika_list.html")]
struct LeikaListPage {
    title: &'static str,
    nav: &'static str,
    q: ListQuery,
    total: i64,
    items: Vec<LeikaItem>,
    opt_typisierung: Vec<Opt>,
    nav_links: PageNav,
}

async fn leika_list(State(st): State<AppState>, Query(q): Query<ListQuery>) -> PageResult {
    let page = Page::parse(&q, 50)?;
    if let Some(r) =
        maybe_export(&st, ListKind::LeikaLeistungen, &q, page, "leika-leistungen").await?
    {
        return Ok(r);
    }
    let p = lists::leika_leistungen(&st.db, &q, page).await?;
    let nav_links = PageNav::new(
        "/leika-leistungen",
        "/api/v1/leika-leistungen",
        &q,
        page,
        p.total,
    );
    let opt_typisierung = opts(
        (1..=5).map(|i| (i.to_string(), format!("Typ {i}"))),
        q.typisierung.as_deref(),
    );
    Ok(LeikaListPage {
        title: "LeiKa-Leistungen",
        nav: "leika",
        q,
        total: p.total,
        items: p.items,
        opt_typisierung,
        nav_links,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "leika.html")]
struct LeikaPage {
    title: String,
    nav: &'static str,
    k: LeikaItem,
}

async fn leika_page(State(st): State<AppState>, Path(id): Path<String>) -> PageResult {
    let found = match id.parse::<i64>() {
        Ok(n) => lists::leika_leistung(&st.db, n).await?,
        Err(_) => None,
    };
    let Some(k) = found else {
        return Err(PageError::NotFound(format!(
            "Eine LeiKa-Leistung „{id}“ gibt es nicht."
        )));
    };
    Ok(LeikaPage {
        title: k.name.clone(),
        nav: "leika",
        k,
    }
    .into_response())
}

// --- Organisationen --------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "org_list.html")]
struct OrgListPage {
    title: &'static str,
    nav: &'static str,
    q: ListQuery,
    total: i64,
    items: Vec<OrganisationItem>,
    opt_art: Vec<Opt>,
    nav_links: PageNav,
}

async fn org_list(State(st): State<AppState>, Query(q): Query<ListQuery>) -> PageResult {
    let page = Page::parse(&q, 50)?;
    if let Some(r) = maybe_export(&st, ListKind::Organisationen, &q, page, "organisationen").await?
    {
        return Ok(r);
    }
    let p = lists::organisationen(&st.db, &q, page).await?;
    let nav_links = PageNav::new(
        "/organisationen",
        "/api/v1/organisationen",
        &q,
        page,
        p.total,
    );
    let opt_art = opts(
        OrgArt::ALL
            .iter()
            .map(|a| (a.key().to_owned(), a.label().to_owned())),
        q.art.as_deref(),
    );
    Ok(OrgListPage {
        title: "Organisationen",
        nav: "organisationen",
        q,
        total: p.total,
        items: p.items,
        opt_art,
        nav_links,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "org.html")]
struct OrgPage {
    title: String,
    nav: &'static str,
    o: OrganisationItem,
    projekte: Vec<OrgProjekt>,
    gruppen: Vec<(&'static str, Vec<OrgProjekt>)>,
    mitglieder: Vec<OrganisationItem>,
}

async fn org_page(State(st): State<AppState>, Path(slug): Path<String>) -> PageResult {
    let Some(o) = lists::organisation(&st.db, &slug).await? else {
        return Err(PageError::NotFound(format!(
            "Eine Organisation „{slug}“ gibt es nicht."
        )));
    };
    let projekte = details::org_projekte(&st.db, o.id).await?;
    let gruppen = Rolle::ALL
        .iter()
        .map(|r| {
            (
                r.label(),
                projekte
                    .iter()
                    .filter(|p| p.rolle == r.key())
                    .cloned()
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let mitglieder = if matches!(o.art.as_str(), "kreis" | "regierungsbezirk") {
        lists::members(&st.db, o.id).await?
    } else {
        Vec::new()
    };
    Ok(OrgPage {
        title: o.name.clone(),
        nav: "organisationen",
        o,
        projekte,
        gruppen,
        mitglieder,
    }
    .into_response())
}

// --- Projekte --------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "projekte.html")]
struct ProjektePage {
    title: &'static str,
    nav: &'static str,
    q: ListQuery,
    total: i64,
    items: Vec<ProjektItem>,
    partner_gesucht: bool,
    opt_themenfeld: Vec<Opt>,
    opt_prioritaet: Vec<Opt>,
    opt_zielportal: Vec<Opt>,
    opt_status: Vec<Opt>,
    opt_fachlichkeit: Vec<Opt>,
    opt_organisation: Vec<Opt>,
    opt_sortierung: Vec<Opt>,
    nav_links: PageNav,
}

async fn projekte(State(st): State<AppState>, Query(q): Query<ListQuery>) -> PageResult {
    let page = Page::parse(&q, 50)?;
    if let Some(r) = maybe_export(
        &st,
        ListKind::Umsetzungsprojekte,
        &q,
        page,
        "umsetzungsprojekte",
    )
    .await?
    {
        return Ok(r);
    }
    let model = st.model().await?;
    let f = lists::projekt_filter(&model, &q)?;
    let p = lists::projekte(&model, &f, page, &lists::today());
    let nav_links = PageNav::new("/projekte", "/api/v1/umsetzungsprojekte", &q, page, p.total);
    let slug_names = |v: &[SlugName]| {
        v.iter()
            .map(|x| (x.slug.clone(), x.name.clone()))
            .collect::<Vec<_>>()
    };
    let sel = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let page_out = ProjektePage {
        title: "Umsetzungsprojekte",
        nav: "projekte",
        total: p.total,
        items: p.items,
        partner_gesucht: matches!(
            q.partner_gesucht.as_deref(),
            Some("1" | "true" | "ja" | "on")
        ),
        opt_themenfeld: opts(
            slug_names(&model.themenfelder),
            sel(&q.themenfeld).as_deref(),
        ),
        opt_prioritaet: opts(
            [
                ("1", "1 – hoch (rot)"),
                ("2", "2 – mittel (gelb)"),
                ("3", "3 – niedrig (grün)"),
                ("unbekannt", "unbekannt"),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned())),
            sel(&q.prioritaet).as_deref(),
        ),
        opt_zielportal: opts(
            Zielportal::ALL
                .iter()
                .map(|z| (z.key().to_owned(), z.label().to_owned()))
                .chain([("unbekannt".to_owned(), "unbekannt".to_owned())]),
            sel(&q.zielportal).as_deref(),
        ),
        opt_status: opts(
            Status::all()
                .into_iter()
                .map(|s| (s.key().to_owned(), s.label().to_owned())),
            sel(&q.status).as_deref(),
        ),
        opt_fachlichkeit: opts(
            slug_names(&model.fachlichkeiten),
            sel(&q.fachlichkeit).as_deref(),
        ),
        opt_organisation: opts(
            slug_names(&model.organisationen),
            sel(&q.organisation).as_deref(),
        ),
        opt_sortierung: opts(
            [
                ("dokument", "Reihenfolge im Plan"),
                ("name", "Name"),
                ("start", "Projektstart"),
                ("prioritaet", "Priorität"),
                ("themenfeld", "Themenfeld"),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned())),
            Some(sel(&q.sortierung).as_deref().unwrap_or("dokument")),
        ),
        q,
        nav_links,
    };
    Ok(page_out.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "projekt.html")]
struct ProjektPage {
    title: String,
    nav: &'static str,
    p: ProjektDetail,
    m: super::partner::Mitwirken,
}

async fn projekt(
    State(st): State<AppState>,
    Angemeldet(s): Angemeldet,
    Path(slug): Path<String>,
) -> PageResult {
    projekt_seite(&st, &slug, s.as_ref(), None).await
}

/// The project page; `fehler` (field, message) is shown next to the Mitwirken form after a
/// refused registration.
pub(super) async fn projekt_seite(
    st: &AppState,
    slug: &str,
    s: Option<&Sitzung>,
    fehler: Option<(&'static str, String)>,
) -> PageResult {
    let model = st.model().await?;
    let Some(p) = details::projekt(&st.db, &model, slug, &lists::today()).await? else {
        return Err(PageError::NotFound(format!(
            "Ein Umsetzungsprojekt „{slug}“ gibt es nicht."
        )));
    };
    let m = super::partner::Mitwirken::laden(st, slug, s, fehler).await?;
    let status = if m.fehler.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut r = ProjektPage {
        title: p.item.name.clone(),
        nav: "projekte",
        p,
        m,
    }
    .into_response();
    *r.status_mut() = status;
    Ok(r)
}

async fn redirect_kdn(st: &AppState, nr: &str, admin: bool) -> PageResult {
    let slug = match nr.parse::<i64>() {
        Ok(n) => details::slug_for_kdn(&st.db, n, admin).await?,
        Err(_) => None,
    };
    match slug {
        // 301 rather than 308: the classic permanent redirect that every client and crawler knows.
        Some(s) => Ok((
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, format!("/projekte/{s}"))],
        )
            .into_response()),
        None => Err(PageError::NotFound(format!(
            "Die ozg.kdn.de-Nummer {nr} gehört zu keinem Projekt des Umsetzungsplans."
        ))),
    }
}

async fn kdn_redirect(State(st): State<AppState>, Path(nr): Path<String>) -> PageResult {
    redirect_kdn(&st, &nr, false).await
}

async fn kdn_admin_redirect(State(st): State<AppState>, Path(nr): Path<String>) -> PageResult {
    redirect_kdn(&st, &nr, true).await
}

// --- Zeitleiste, Suche, Programm, Workshops --------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "zeitleiste.html")]
struct ZeitleistePage {
    title: &'static str,
    nav: &'static str,
    svg: String,
    rows: Vec<TimelineRow>,
}

async fn zeitleiste(State(st): State<AppState>) -> PageResult {
    let t = Timeline::build(&details::starts(&st.db).await?);
    Ok(ZeitleistePage {
        title: "Zeitleiste",
        nav: "zeitleiste",
        svg: t.svg(),
        rows: t.rows,
    }
    .into_response())
}

#[derive(Deserialize)]
struct SuchQuery {
    q: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "suche.html")]
struct SuchePage {
    title: &'static str,
    nav: &'static str,
    r: Results,
}

async fn suche(State(st): State<AppState>, Query(sq): Query<SuchQuery>) -> PageResult {
    let q = sq.q.unwrap_or_default();
    let q = q.trim();
    if q.chars().count() > 200 {
        return Err(PageError::BadRequest(lists::BadParam {
            param: "q".into(),
            message: "höchstens 200 Zeichen".into(),
        }));
    }
    let r = search::search(&*st.model().await?, q, 20);
    Ok(SuchePage {
        title: "Suche",
        nav: "",
        r,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "programm.html")]
struct ProgrammPage {
    title: &'static str,
    nav: &'static str,
    programm: Option<ProgrammFile>,
    uebersicht: Vec<(UebersichtEintrag, Option<String>)>,
}

async fn programm(State(st): State<AppState>) -> PageResult {
    let (programm, uebersicht) = details::programm(&st.db).await?;
    Ok(ProgrammPage {
        title: "Über das Programm",
        nav: "programm",
        programm,
        uebersicht,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "workshops.html")]
struct WorkshopsPage {
    title: &'static str,
    nav: &'static str,
    items: Vec<(WorkshopView, Vec<NamedRef>)>,
    /// CSRF token and the Themenfelder (slug, name) in which the visitor may add a workshop.
    anlegen: Option<(String, Vec<(String, String)>)>,
    fehler: Option<String>,
}

async fn workshops(State(st): State<AppState>, Angemeldet(s): Angemeldet) -> PageResult {
    workshops_seite(&st, s.as_ref(), None).await
}

/// The workshop list; with a form to add one for coordinators, `fehler` after a refused one.
pub(super) async fn workshops_seite(
    st: &AppState,
    s: Option<&Sitzung>,
    fehler: Option<String>,
) -> PageResult {
    use ozg_domain::access::{Aktion, darf};
    let anlegen = match s {
        Some(s) => {
            #[derive(Deserialize)]
            struct T {
                id: i64,
                slug: String,
                name: String,
            }
            let tfs: Vec<(String, String)> = st
                .db
                .query::<T>("SELECT id, slug, name FROM themenfeld ORDER BY id", &[])
                .await?
                .into_iter()
                .filter(|t| darf(Some(&s.nutzer), Aktion::WorkshopBearbeiten, Some(t.id)))
                .map(|t| (t.slug, t.name))
                .collect();
            (!tfs.is_empty()).then(|| (s.csrf.clone(), tfs))
        }
        None => None,
    };
    let status = if fehler.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut r = WorkshopsPage {
        title: "Workshops",
        nav: "workshops",
        items: details::workshops(&st.db).await?,
        anlegen,
        fehler,
    }
    .into_response();
    *r.status_mut() = status;
    Ok(r)
}

// --- Static text pages -----------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "text.html")]
struct TextPage {
    title: &'static str,
    nav: &'static str,
    body: &'static str,
}

/// The static text pages: path, title, body.
const TEXT_PAGES: [(&str, &str, &str); 3] = [
    (
        "/barrierefreiheit",
        "Erklärung zur Barrierefreiheit",
        include_str!("../../assets/barrierefreiheit.html"),
    ),
    (
        "/impressum",
        "Impressum",
        include_str!("../../assets/impressum.html"),
    ),
    (
        "/datenschutz",
        "Datenschutz",
        include_str!("../../assets/datenschutz.html"),
    ),
];

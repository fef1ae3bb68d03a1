//! The pages of the programme database: start page, Themenfelder and Lagen, OZG- and
//! LeiKa-Leistungen, organisations, the project list and the project page, the timeline, the
//! search and the programme text. Lists also answer `format=csv|xlsx`.

use crate::kern::Abfrage;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ozg_domain::ids::OzgId;
use ozg_domain::orgs::OrgArt;
use ozg_domain::plan::{ProgrammFile, UebersichtEintrag};
use ozg_domain::project::{Rolle, Status, Zielportal};
use serde::Deserialize;

use crate::kern::{AppState, Fehler, Feldfehler, Routen, Verweis};
use crate::programm::details::{self, Counts, LeistungProjekt, OrgProjekt, ThemenfeldAbschnitt};
use crate::programm::listen::{
    self, LageItem, LeikaItem, ListKind, ListQuery, OrganisationItem, OzgLeistungItem, Page,
    PageNav, Sortierung, ThemenfeldItem,
};
use crate::programm::modell::{SlugName, lesemodell};
use crate::programm::projekt::{NamedRef, ProjektItem};
use crate::programm::suche::{self, Results};
use crate::programm::zeitleiste::{Row as TimelineRow, Timeline};

type PageResult = Result<Response, Fehler>;
type Opt = (String, String, bool);

pub(super) fn routen() -> Routen {
    Routen::new()
        .lesen("/", home)
        .lesen("/themenfelder", themenfelder)
        .lesen("/themenfelder/{slug}", themenfeld)
        .lesen("/lagen/{slug}", lage)
        .lesen("/ozg-leistungen", ozg_list)
        .lesen("/ozg-leistungen/{id}", ozg_page)
        .lesen("/leika-leistungen", leika_list)
        .lesen("/leika-leistungen/{id}", leika_page)
        .lesen("/organisationen", org_list)
        .lesen("/organisationen/{slug}", org_page)
        .lesen("/projekte", projekte)
        .lesen("/umsetzungsprojekte/{nr}/show", kdn_redirect)
        .lesen("/admin/app/implementationproject/{nr}/show", kdn_redirect)
        .lesen("/admin/app/implementationproject/{nr}/edit", kdn_redirect)
        .lesen("/zeitleiste", zeitleiste)
        .lesen("/suche", suche)
        .lesen("/programm", programm)
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

async fn themenfeld_opts(st: &AppState, selected: Option<&str>) -> Result<Vec<Opt>, Fehler> {
    let model = lesemodell(st).await?;
    Ok(opts(
        model
            .themenfelder
            .iter()
            .map(|t| (t.slug.clone(), t.name.clone())),
        selected,
    ))
}

// --- Start page ------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "programm/templates/home.html")]
struct HomePage {
    title: &'static str,
    nav: &'static str,
    counts: Counts,
    themenfelder: Vec<ThemenfeldItem>,
    steckbriefe: Vec<NamedRef>,
}

async fn home(State(st): State<AppState>) -> PageResult {
    let counts = details::counts(&st.db).await?;
    let themenfelder = listen::themenfelder(
        &st.db,
        &ListQuery::default(),
        Page {
            seite: 1,
            pro_seite: 100,
        },
    )
    .await?
    .items;
    let steckbriefe = lesemodell(&st)
        .await?
        .projekte
        .iter()
        .filter(|p| p.detail.steckbrief.is_some())
        .map(|p| NamedRef {
            name: p.item().name.clone(),
            slug: p.item().slug.clone(),
        })
        .collect();
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
#[template(path = "programm/templates/themenfelder.html")]
struct ThemenfelderPage {
    title: &'static str,
    nav: &'static str,
    items: Vec<ThemenfeldItem>,
    nav_links: PageNav,
}

async fn themenfelder(State(st): State<AppState>, Abfrage(q): Abfrage<ListQuery>) -> PageResult {
    let page = Page::parse(&q, 100)?;
    if let Some(r) =
        listen::download_falls_verlangt(&st, ListKind::Themenfelder, &q, "html").await?
    {
        return Ok(r);
    }
    let p = listen::themenfelder(&st.db, &q, page).await?;
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
#[template(path = "programm/templates/themenfeld.html")]
struct ThemenfeldPage {
    title: String,
    nav: &'static str,
    t: ThemenfeldItem,
    abschnitt: ThemenfeldAbschnitt,
    projekte: Vec<ProjektItem>,
    lagen: Vec<LageItem>,
}

async fn themenfeld(State(st): State<AppState>, Path(slug): Path<String>) -> PageResult {
    let Some(t) = listen::themenfeld(&st.db, &slug).await? else {
        return Err(Fehler::NichtGefunden(format!(
            "Ein Themenfeld „{slug}“ gibt es nicht."
        )));
    };
    let abschnitt = details::themenfeld_abschnitt(&st.db, t.id)
        .await?
        .ok_or_else(|| Fehler::NichtGefunden(slug.clone()))?;
    let q = ListQuery {
        themenfeld: Some(t.slug.clone()),
        ..Default::default()
    };
    let model = lesemodell(&st).await?;
    let f = listen::projekt_filter(&model, &q)?;
    let projekte = listen::projekte(&model, &f, Page::WHOLE, &st.uhr.heute_iso()).items;
    let lagen = listen::lagen(&st.db, &q, Page::WHOLE).await?.items;
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
#[template(path = "programm/templates/lage.html")]
struct LagePage {
    title: String,
    nav: &'static str,
    l: LageItem,
    leistungen: Vec<OzgLeistungItem>,
}

async fn lage(State(st): State<AppState>, Path(slug): Path<String>) -> PageResult {
    let Some(l) = listen::lage(&st.db, &slug).await? else {
        return Err(Fehler::NichtGefunden(format!(
            "Eine Lage „{slug}“ gibt es nicht."
        )));
    };
    let q = ListQuery {
        lage: Some(l.slug.clone()),
        ..Default::default()
    };
    let leistungen = listen::ozg_leistungen(&st.db, &q, Page::WHOLE).await?.items;
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
#[template(path = "programm/templates/ozg_list.html")]
struct OzgListPage {
    title: &'static str,
    nav: &'static str,
    q: ListQuery,
    total: i64,
    fehler: Feldfehler,
    verweise: Vec<Verweis>,
    items: Vec<OzgLeistungItem>,
    opt_themenfeld: Vec<Opt>,
    nav_links: PageNav,
}

async fn ozg_list(State(st): State<AppState>, Abfrage(q): Abfrage<ListQuery>) -> PageResult {
    let page = Page::parse(&q, 50)?;
    if let Some(r) =
        listen::download_falls_verlangt(&st, ListKind::OzgLeistungen, &q, "html").await?
    {
        return Ok(r);
    }
    let (p, fehler) = oder_fehler(listen::ozg_leistungen(&st.db, &q, page).await)?;
    let verweise = fehler.verweise("f-", &[("themenfeld", "Themenfeld"), ("q", "Name enthält")]);
    let nav_links = PageNav::new(
        "/ozg-leistungen",
        "/api/v1/ozg-leistungen",
        &q,
        page,
        p.total,
    );
    let opt_themenfeld = themenfeld_opts(&st, q.themenfeld.as_deref()).await?;
    let seite = OzgListPage {
        title: "OZG-Leistungen",
        nav: "ozg",
        q,
        total: p.total,
        fehler,
        verweise,
        items: p.items,
        opt_themenfeld,
        nav_links,
    };
    Ok((seite.fehler.status(), seite).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "programm/templates/ozg.html")]
struct OzgPage {
    title: String,
    nav: &'static str,
    o: OzgLeistungItem,
    leika: Vec<LeikaItem>,
    projekte: Vec<LeistungProjekt>,
}

async fn ozg_page(State(st): State<AppState>, Path(id): Path<String>) -> PageResult {
    let Ok(oid) = OzgId::parse(&id) else {
        return Err(Fehler::NichtGefunden(format!(
            "„{id}“ ist keine OZG-ID (5 Ziffern, 10000–10999)."
        )));
    };
    let Some(o) = listen::ozg_leistung(&st.db, oid).await? else {
        return Err(Fehler::NichtGefunden(format!(
            "Eine OZG-Leistung mit der OZG-ID {oid} gibt es nicht."
        )));
    };
    let leika = listen::leika_of(&st.db, oid).await?;
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
#[template(path = "programm/templates/leika_list.html")]
struct LeikaListPage {
    title: &'static str,
    nav: &'static str,
    q: ListQuery,
    total: i64,
    fehler: Feldfehler,
    verweise: Vec<Verweis>,
    items: Vec<LeikaItem>,
    opt_typisierung: Vec<Opt>,
    nav_links: PageNav,
}

async fn leika_list(State(st): State<AppState>, Abfrage(q): Abfrage<ListQuery>) -> PageResult {
    let page = Page::parse(&q, 50)?;
    if let Some(r) =
        listen::download_falls_verlangt(&st, ListKind::LeikaLeistungen, &q, "html").await?
    {
        return Ok(r);
    }
    let (p, fehler) = oder_fehler(listen::leika_leistungen(&st.db, &q, page).await)?;
    let verweise = fehler.verweise(
        "f-",
        &[
            ("q", "Bezeichnung enthält"),
            ("ozg_id", "OZG-ID"),
            ("typisierung", "Typisierung"),
        ],
    );
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
    let seite = LeikaListPage {
        title: "LeiKa-Leistungen",
        nav: "leika",
        q,
        total: p.total,
        fehler,
        verweise,
        items: p.items,
        opt_typisierung,
        nav_links,
    };
    Ok((seite.fehler.status(), seite).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "programm/templates/leika.html")]
struct LeikaPage {
    title: String,
    nav: &'static str,
    k: LeikaItem,
}

async fn leika_page(State(st): State<AppState>, Path(id): Path<String>) -> PageResult {
    let found = match id.parse::<i64>() {
        Ok(n) => listen::leika_leistung(&st.db, n).await?,
        Err(_) => None,
    };
    let Some(k) = found else {
        return Err(Fehler::NichtGefunden(format!(
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
#[template(path = "programm/templates/org_list.html")]
struct OrgListPage {
    title: &'static str,
    nav: &'static str,
    q: ListQuery,
    total: i64,
    fehler: Feldfehler,
    verweise: Vec<Verweis>,
    items: Vec<OrganisationItem>,
    opt_art: Vec<Opt>,
    nav_links: PageNav,
}

async fn org_list(State(st): State<AppState>, Abfrage(q): Abfrage<ListQuery>) -> PageResult {
    let page = Page::parse(&q, 50)?;
    if let Some(r) =
        listen::download_falls_verlangt(&st, ListKind::Organisationen, &q, "html").await?
    {
        return Ok(r);
    }
    let (p, fehler) = oder_fehler(listen::organisationen(&st.db, &q, page).await)?;
    let verweise = fehler.verweise("f-", &[("art", "Art"), ("q", "Name oder AGS")]);
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
    let seite = OrgListPage {
        title: "Organisationen",
        nav: "organisationen",
        q,
        total: p.total,
        fehler,
        verweise,
        items: p.items,
        opt_art,
        nav_links,
    };
    Ok((seite.fehler.status(), seite).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "programm/templates/org.html")]
struct OrgPage {
    title: String,
    nav: &'static str,
    o: OrganisationItem,
    projekte: Vec<OrgProjekt>,
    gruppen: Vec<(&'static str, Vec<OrgProjekt>)>,
    mitglieder: Vec<OrganisationItem>,
}

async fn org_page(State(st): State<AppState>, Path(slug): Path<String>) -> PageResult {
    let Some(o) = listen::organisation(&st.db, &slug).await? else {
        return Err(Fehler::NichtGefunden(format!(
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
        listen::members(&st.db, o.id).await?
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
#[template(path = "programm/templates/projekte.html")]
struct ProjektePage {
    title: String,
    nav: &'static str,
    q: ListQuery,
    total: i64,
    total_de: String,
    aktive: usize,
    beschreibung: Vec<String>,
    fehler: Feldfehler,
    verweise: Vec<Verweis>,
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

/// A list's page, or after a wrong filter an empty one with the errors to show at the form.
fn oder_fehler<T>(
    r: Result<listen::Paged<T>, Fehler>,
) -> Result<(listen::Paged<T>, Feldfehler), Fehler> {
    match r {
        Ok(p) => Ok((p, Feldfehler::new())),
        Err(Fehler::Ungueltig(e)) => Ok((
            listen::Paged {
                total: 0,
                items: Vec::new(),
            },
            e,
        )),
        Err(e) => Err(e),
    }
}

/// The fields of the project filter form, with their labels (for the error summary).
const PROJEKT_FILTERFELDER: [(&str, &str); 10] = [
    ("themenfeld", "Themenfeld"),
    ("prioritaet", "Kommunale Priorität NRW"),
    ("start_von", "Projektstart ab"),
    ("start_bis", "Projektstart bis"),
    ("zielportal", "Zielportal"),
    ("status", "Status"),
    ("fachlichkeit", "Fachlichkeit"),
    ("organisation", "Beteiligte Organisation"),
    ("sortierung", "Sortierung"),
    ("partner_gesucht", "Nur „Partner gesucht“"),
];

async fn projekte(State(st): State<AppState>, Abfrage(q): Abfrage<ListQuery>) -> PageResult {
    let page = Page::parse(&q, 50)?;
    if let Some(r) =
        listen::download_falls_verlangt(&st, ListKind::Umsetzungsprojekte, &q, "html").await?
    {
        return Ok(r);
    }
    let model = lesemodell(&st).await?;
    // A wrong filter shows the form again, with what was typed and the errors at the fields.
    let (f, fehler) = match listen::projekt_filter(&model, &q) {
        Ok(f) => (Some(f), Feldfehler::new()),
        Err(Fehler::Ungueltig(e)) => (None, e),
        Err(e) => return Err(e),
    };
    let p = match &f {
        Some(f) => listen::projekte(&model, f, page, &st.uhr.heute_iso()),
        None => listen::Paged {
            total: 0,
            items: Vec::new(),
        },
    };
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
    let opt_themenfeld = opts(
        slug_names(&model.themenfelder),
        sel(&q.themenfeld).as_deref(),
    );
    let opt_prioritaet = opts(listen::prioritaet_optionen(), sel(&q.prioritaet).as_deref());
    let opt_zielportal = opts(
        Zielportal::ALL
            .iter()
            .map(|z| (z.key().to_owned(), z.label().to_owned()))
            .chain([("unbekannt".to_owned(), "unbekannt".to_owned())]),
        sel(&q.zielportal).as_deref(),
    );
    let opt_status = opts(
        Status::all()
            .into_iter()
            .map(|s| (s.key().to_owned(), s.label().to_owned())),
        sel(&q.status).as_deref(),
    );
    let opt_fachlichkeit = opts(
        model.fachlichkeit_optionen(sel(&q.fachlichkeit).as_deref()),
        sel(&q.fachlichkeit).as_deref(),
    );
    let opt_organisation = opts(
        slug_names(&model.organisationen),
        sel(&q.organisation).as_deref(),
    );
    let partner_gesucht = q
        .partner_gesucht
        .as_deref()
        .and_then(listen::ja_nein)
        .unwrap_or(false);
    // What the filters say, in words, for the page title and above the results.
    let gewaehlt =
        |label: &str, o: &[Opt]| o.iter().find(|o| o.2).map(|o| format!("{label}: {}", o.1));
    let mut beschreibung: Vec<String> = [
        gewaehlt("Themenfeld", &opt_themenfeld),
        gewaehlt("Priorität", &opt_prioritaet),
        sel(&q.start_von).map(|v| format!("Projektstart ab {v}")),
        sel(&q.start_bis).map(|v| format!("Projektstart bis {v}")),
        gewaehlt("Zielportal", &opt_zielportal),
        gewaehlt("Status", &opt_status),
        gewaehlt("Fachlichkeit", &opt_fachlichkeit),
        gewaehlt("Organisation", &opt_organisation),
        sel(&q.q).map(|v| format!("Name enthält „{v}“")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if partner_gesucht {
        beschreibung.push("Partner gesucht".to_owned());
    }
    let total_de = crate::kern::zahl::zahl_de(p.total);
    let title = if !fehler.is_empty() {
        "Fehler im Filter: Umsetzungsprojekte".to_owned()
    } else if beschreibung.is_empty() {
        format!("Umsetzungsprojekte ({total_de})")
    } else {
        format!(
            "Umsetzungsprojekte: {total_de} Treffer ({})",
            beschreibung.join("; ")
        )
    };
    let verweise = fehler.verweise("f-", &PROJEKT_FILTERFELDER);
    let status = fehler.status();
    let page_out = ProjektePage {
        title,
        nav: "projekte",
        total: p.total,
        total_de,
        aktive: q.aktive_projektfilter(),
        beschreibung,
        fehler,
        verweise,
        items: p.items,
        partner_gesucht,
        opt_themenfeld,
        opt_prioritaet,
        opt_zielportal,
        opt_status,
        opt_fachlichkeit,
        opt_organisation,
        opt_sortierung: opts(
            Sortierung::ALL.map(|x| (x.key().to_owned(), x.label().to_owned())),
            Some(
                sel(&q.sortierung)
                    .as_deref()
                    .unwrap_or(Sortierung::Dokument.key()),
            ),
        ),
        q,
        nav_links,
    };
    Ok((status, page_out).into_response())
}

/// An old ozg.kdn.de link (public or admin form, `show` or `edit`): to the project.
async fn kdn_redirect(State(st): State<AppState>, Path(nr): Path<String>) -> PageResult {
    let slug = match nr.parse::<i64>() {
        Ok(n) => details::slug_for_kdn(&st.db, n).await?,
        Err(_) => None,
    };
    match slug {
        // 301 rather than 308: the classic permanent redirect that every client and crawler knows.
        Some(s) => Ok((
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, format!("/projekte/{s}"))],
        )
            .into_response()),
        None => Err(Fehler::NichtGefunden(format!(
            "Die ozg.kdn.de-Nummer {nr} gehört zu keinem Projekt des Umsetzungsplans."
        ))),
    }
}

// --- Zeitleiste, Suche, Programm, Workshops --------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "programm/templates/zeitleiste.html")]
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
#[template(path = "programm/templates/suche.html")]
struct SuchePage {
    title: String,
    nav: &'static str,
    r: Results,
}

async fn suche(State(st): State<AppState>, Abfrage(sq): Abfrage<SuchQuery>) -> PageResult {
    let q = sq.q.unwrap_or_default();
    let q = q.trim();
    if q.chars().count() > 200 {
        return Err(Fehler::feld("q", "höchstens 200 Zeichen"));
    }
    let r = suche::search(&lesemodell(&st).await?.search, q, 20);
    Ok(SuchePage {
        title: r.ueberschrift(),
        nav: "",
        r,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "programm/templates/programm.html")]
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

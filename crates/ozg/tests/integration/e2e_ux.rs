//! The checks of issue #19 ("Checks that keep it fixed"): every page type of the public site
//! (the one table [`page_types`]) at 320, 375 and 1280 CSS pixels in headless Chromium:
//!
//! - [`reflow_every_page_type`]: no horizontal page scroll, nothing sticking out of the viewport,
//!   and the header fits (width, a height budget, every header control inside the viewport);
//! - [`axe_best_practice_every_page_type`]: axe-core with WCAG 2.1 A/AA and best practice;
//! - [`tastatur_zum_ersten_treffer`]: keyboard from the skip link to the first result of a
//!   filtered project list in at most 3 tab stops, and the filter form lands at `#treffer`;
//! - [`fokusrahmen_kontrast`]: the focus ring has a contrast of at least 3:1 against what is
//!   behind it and is at least 2 px wide;
//! - [`sprungziele_existieren`]: every in-page link target exists exactly once, no id twice;
//! - [`screenshots_375`]: full-page screenshots at 375 px (`scripts/screenshots.sh` writes them
//!   into `docs/screenshots`);
//! - [`ux_pruefungen_selbsttest`]: each probe reports a fault planted into a page, so a passing
//!   check means something.
//!
//! Each test collects all problems over all pages and widths, then fails once with the full
//! list (page, width, problem, element by a short CSS path).
//!
//! They run only with `OZG_E2E=1` (see `e2e`): `scripts/test.sh --run cargo nextest run -p ozg
//! --test integration e2e_ux::`. The colour maths has plain unit tests.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::Locator;
use fantoccini::elements::{Element, ElementRef};
use fantoccini::key::Key;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::e2e::{PageType, page_types};
use crate::support::browser::{self, Browser};

/// Starts server and browser for one test, or returns from it when `OZG_E2E` is not set.
macro_rules! browser {
    ($name:literal) => {
        match browser::start($name).await {
            Some(b) => b,
            None => return,
        }
    };
}

/// The widths of the issue: the smallest phones, a common phone, a desktop.
const BREITEN: [u32; 3] = [320, 375, 1280];

/// The viewport height used with each width (a phone in portrait, a laptop).
fn hoehe(breite: u32) -> u32 {
    match breite {
        320 => 640,
        375 => 812,
        _ => 800,
    }
}

/// The header's height budget in CSS px, at every width, with a `<details>` menu closed (as the
/// page loads). Today's header is 321 px at 375 and 367 px at 320 (brand, search and eight
/// navigation links wrapped in rows): the content starts below the first phone screen half.
/// 160 px leaves room for the brand line, a search row and a menu button.
const KOPF_BUDGET_PX: f64 = 160.0;

/// Sub-pixel tolerance for the layout comparisons.
const TOLERANZ_PX: f64 = 0.5;

// ---------------------------------------------------------------------------------------------
// The probes: JavaScript run in the page, results read with serde.

/// Helpers shared by the probes: a short CSS path and a short text of an element.
const HILFEN_JS: &str = r#"
const pfad = (el) => {
  if (!el || el.nodeType !== 1) return String(el);
  const teile = [];
  for (let e = el; e && e.nodeType === 1 && teile.length < 4; e = e.parentElement) {
    let s = e.localName;
    if (e.id) { teile.unshift(s + '#' + e.id); break; }
    const klassen = [...e.classList].slice(0, 2);
    if (klassen.length) s += '.' + klassen.join('.');
    else if (e.parentElement && e.localName !== 'body' && e.localName !== 'html') {
      const gleich = [...e.parentElement.children].filter(c => c.localName === e.localName);
      if (gleich.length > 1) s += ':nth-of-type(' + (gleich.indexOf(e) + 1) + ')';
    }
    teile.unshift(s);
    if (e.localName === 'body') break;
  }
  return teile.join(' > ');
};
const kurztext = (el) => {
  if (!el || el.nodeType !== 1) return '';
  const t = (el.getAttribute('aria-label') || el.innerText || el.value || el.getAttribute('placeholder') || '')
    .trim().replace(/\s+/g, ' ');
  return t.length > 40 ? t.slice(0, 39) + '…' : t;
};
"#;

/// What sticks out to the right of the viewport: the outermost such elements that are not
/// inside a scroll (or clipping) container below `<body>`, and text sticking out of a box that
/// fits (a long word), widest first.
const REFLOW_JS: &str = r#"
const vw = window.innerWidth, de = document.documentElement, tol = arguments[0];
const gefangen = (el) => {
  for (let p = el.parentElement; p && p !== document.body && p !== de; p = p.parentElement) {
    if (getComputedStyle(p).overflowX !== 'visible') return true;
  }
  return false;
};
// Only what is rendered: not the content of a closed <details> (the menu), which keeps boxes.
const ragt = (el) => {
  const r = el.getBoundingClientRect();
  return (r.width > 0 || r.height > 0) && r.right > vw + tol && !gefangen(el) && el.checkVisibility();
};
const raus = [];
for (const el of [document.body, ...document.body.querySelectorAll('*')]) {
  if (!ragt(el)) continue;
  const p = el.parentElement;
  if (p && p !== de && ragt(p)) continue;
  const r = el.getBoundingClientRect();
  raus.push({pfad: pfad(el), rechts: Math.round(r.right), breite: Math.round(r.width), text: kurztext(el)});
}
// Text that sticks out of a box that fits (a long word that does not wrap), named by its
// parent element, unless that box or one of its ancestors sticks out itself (reported above).
const schonDa = new Set();
const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let n = w.nextNode(); n; n = w.nextNode()) {
  const p = n.parentElement;
  if (!p || schonDa.has(p) || !n.textContent.trim() || !p.checkVisibility()) continue;
  const bereich = document.createRange();
  bereich.selectNodeContents(n);
  const r = bereich.getBoundingClientRect();
  if (r.right <= vw + tol || r.width === 0) continue;
  if (getComputedStyle(p).overflowX !== 'visible' || gefangen(p)) continue;
  let vorfahr = false;
  for (let a = p; a && a !== de; a = a.parentElement) if (ragt(a)) { vorfahr = true; break; }
  if (vorfahr) continue;
  schonDa.add(p);
  raus.push({pfad: pfad(p) + ' (its text)', rechts: Math.round(r.right), breite: Math.round(r.width),
    text: n.textContent.trim().replace(/\s+/g, ' ').slice(0, 40)});
}
raus.sort((a, b) => b.rechts - a.rechts);
return {vw, sw: de.scrollWidth, anzahl: raus.length, raus: raus.slice(0, 5)};
"#;

#[derive(Debug, Deserialize)]
struct Reflow {
    vw: f64,
    sw: f64,
    anzahl: usize,
    raus: Vec<Ragt>,
}

#[derive(Debug, Deserialize)]
struct Ragt {
    pfad: String,
    rechts: f64,
    breite: f64,
    text: String,
}

/// The page header (`header.kopf`, else the first `body > header`): its box, the `<details>`
/// open in it, and the focusable controls in it that are rendered but not fully inside the
/// viewport (controls in a horizontally scrolling strip of the header are left out: that strip
/// is reached by scrolling it).
const KOPF_JS: &str = r#"
const vw = window.innerWidth, tol = arguments[0];
const h = document.querySelector('header.kopf') || document.querySelector('body > header')
  || document.querySelector('header');
if (!h) return null;
const r = h.getBoundingClientRect();
const imStreifen = (el) => {
  for (let p = el.parentElement; p && p !== h.parentElement; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX;
    if (o === 'auto' || o === 'scroll') return true;
  }
  return false;
};
const gezeigt = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
const draussen = [];
let gezaehlt = 0;
for (const el of h.querySelectorAll('a[href], input:not([type=hidden]), button, select, textarea, summary, [tabindex]')) {
  if (!gezeigt(el) || imStreifen(el)) continue;
  gezaehlt++;
  const c = el.getBoundingClientRect();
  if (c.left < -tol || c.right > vw + tol) {
    draussen.push({pfad: pfad(el), links: Math.round(c.left), rechts: Math.round(c.right), text: kurztext(el)});
  }
}
return {
  pfad: pfad(h), links: r.left, rechts: r.right, breite: r.width, hoehe: r.height,
  offen: [...h.querySelectorAll('details[open]')].map(pfad), gezaehlt, draussen,
};
"#;

#[derive(Debug, Deserialize)]
struct Kopf {
    pfad: String,
    links: f64,
    rechts: f64,
    breite: f64,
    hoehe: f64,
    offen: Vec<String>,
    gezaehlt: usize,
    draussen: Vec<Draussen>,
}

#[derive(Debug, Deserialize)]
struct Draussen {
    pfad: String,
    links: f64,
    rechts: f64,
    text: String,
}

/// Duplicate ids, and in-page references (links, and forms whose action has a fragment) to the
/// current path whose fragment does not name exactly one element (by id, or `<a name>`).
/// `href="#"` is skipped, and `#top` without such an element (HTML scrolls to the top).
const SPRUNGZIELE_JS: &str = r#"
const ids = new Map();
for (const e of document.querySelectorAll('[id]')) {
  if (!ids.has(e.id)) ids.set(e.id, []);
  ids.get(e.id).push(e);
}
const doppelt = [...ids].filter(([, v]) => v.length > 1)
  .map(([id, v]) => ({id, anzahl: v.length, wo: v.slice(0, 3).map(pfad)}));
const ziele = (frag) => (ids.get(frag) || []).length
  + [...document.getElementsByName(frag)].filter(e => e.localName === 'a').length;
const fehlend = [];
const pruefe = (el, roh) => {
  if (roh === null || !roh.includes('#') || roh.trim() === '#') return;
  let u;
  try { u = new URL(roh, location.href); } catch (e) { return; }
  if (u.origin !== location.origin || u.pathname !== location.pathname) return;
  let frag = u.hash.slice(1);
  try { frag = decodeURIComponent(frag); } catch (e) {}
  if (!frag) return;
  const n = ziele(frag);
  if (n === 0 && frag.toLowerCase() === 'top') return;
  if (n !== 1) fehlend.push({href: roh, von: pfad(el), text: kurztext(el), anzahl: n});
};
for (const a of document.querySelectorAll('a[href], area[href]')) pruefe(a, a.getAttribute('href'));
for (const f of document.querySelectorAll('form[action]')) pruefe(f, f.getAttribute('action'));
return {doppelt, fehlend};
"#;

#[derive(Debug, Deserialize)]
struct Sprungziele {
    doppelt: Vec<DoppelteId>,
    fehlend: Vec<Verweis>,
}

#[derive(Debug, Deserialize)]
struct DoppelteId {
    id: String,
    anzahl: usize,
    wo: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Verweis {
    href: String,
    von: String,
    text: String,
    anzahl: usize,
}

fn js(probe: &str) -> String {
    format!("{HILFEN_JS}\n{probe}")
}

async fn reflow(b: &Browser) -> Reflow {
    let v = b.js(&js(REFLOW_JS), vec![json!(TOLERANZ_PX)]).await;
    serde_json::from_value(v).expect("reflow probe result")
}

async fn kopf(b: &Browser) -> Option<Kopf> {
    let v = b.js(&js(KOPF_JS), vec![json!(TOLERANZ_PX)]).await;
    serde_json::from_value(v).expect("header probe result")
}

async fn sprungziele(b: &Browser) -> Sprungziele {
    let v = b.js(&js(SPRUNGZIELE_JS), vec![]).await;
    serde_json::from_value(v).expect("anchor probe result")
}

/// The reflow problems of the current page, one line each.
fn reflow_probleme(r: &Reflow) -> Vec<String> {
    let mut out = Vec::new();
    if r.sw > r.vw + TOLERANZ_PX {
        out.push(format!(
            "page scrolls sideways: scrollWidth {} > viewport {}",
            r.sw, r.vw
        ));
    }
    if !r.raus.is_empty() {
        let liste: Vec<String> = r
            .raus
            .iter()
            .map(|e| {
                format!(
                    "{} (right edge {} px, {} px wide{})",
                    e.pfad,
                    e.rechts,
                    e.breite,
                    if e.text.is_empty() {
                        String::new()
                    } else {
                        format!(", „{}“", e.text)
                    }
                )
            })
            .collect();
        let weitere = if r.anzahl > r.raus.len() {
            format!(" (+{} more)", r.anzahl - r.raus.len())
        } else {
            String::new()
        };
        out.push(format!(
            "sticks out to the right: {}{weitere}",
            liste.join("; ")
        ));
    } else if r.sw > r.vw + TOLERANZ_PX {
        out.push("(no single element found beyond the right edge)".to_string());
    }
    out
}

/// The header problems of the current page, one line each.
fn kopf_probleme(k: Option<&Kopf>, vw: f64) -> Vec<String> {
    let Some(k) = k else {
        return vec!["no <header> on the page".to_string()];
    };
    let mut out = Vec::new();
    if k.breite > vw + TOLERANZ_PX || k.links < -TOLERANZ_PX || k.rechts > vw + TOLERANZ_PX {
        out.push(format!(
            "header {} is {} px wide (left {}, right {}), viewport {vw}",
            k.pfad,
            k.breite.round(),
            k.links.round(),
            k.rechts.round()
        ));
    }
    if k.hoehe > KOPF_BUDGET_PX + TOLERANZ_PX {
        let offen = if k.offen.is_empty() {
            String::new()
        } else {
            format!(" (open <details>: {})", k.offen.join(", "))
        };
        out.push(format!(
            "header {} is {} px high, budget {KOPF_BUDGET_PX} px{offen}",
            k.pfad,
            k.hoehe.round()
        ));
    }
    for d in &k.draussen {
        out.push(format!(
            "header control {} „{}“ not inside the viewport (left {}, right {}, viewport {vw})",
            d.pfad, d.text, d.links, d.rechts
        ));
    }
    if k.gezaehlt == 0 {
        out.push(format!("header {} shows no control at all", k.pfad));
    }
    out
}

/// The anchor problems of the current page, one line each.
fn sprungziel_probleme(s: &Sprungziele) -> Vec<String> {
    let mut out = Vec::new();
    for d in &s.doppelt {
        out.push(format!(
            "id \"{}\" used {} times: {}",
            d.id,
            d.anzahl,
            d.wo.join(" | ")
        ));
    }
    for v in &s.fehlend {
        let was = if v.anzahl == 0 {
            "has no target".to_string()
        } else {
            format!("has {} targets", v.anzahl)
        };
        out.push(format!(
            "in-page reference {} from {} „{}“ {was}",
            v.href, v.von, v.text
        ));
    }
    out
}

fn fertig(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{} problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn reflow_every_page_type() {
    let b = browser!("reflow_every_page_type");
    let pages = page_types(&b).await;
    let mut problems = Vec::new();
    for breite in BREITEN {
        b.set_viewport(breite, hoehe(breite)).await;
        for PageType { path, .. } in &pages {
            b.goto(path).await;
            let r = reflow(&b).await;
            let k = kopf(&b).await;
            problems.extend(
                reflow_probleme(&r)
                    .into_iter()
                    .chain(kopf_probleme(k.as_ref(), r.vw))
                    .map(|p| format!("{path} @ {breite}px: {p}")),
            );
        }
        // The menu of small screens, opened as a person would: its links fit too, and axe
        // finds nothing in it.
        b.goto("/projekte").await;
        let summary = erstes_sichtbares(&b, "header details > summary").await;
        match (breite < 768, summary) {
            (true, Some(s)) => {
                s.click().await.expect("open the menu");
                let r = reflow(&b).await;
                problems.extend(
                    reflow_probleme(&r)
                        .into_iter()
                        .chain(b.axe_violations_with(&AXE_TAGS).await)
                        .map(|p| format!("/projekte with the menu open @ {breite}px: {p}")),
                );
                let links = b
                    .js(
                        "return [...document.querySelectorAll('header details[open] nav a')]
                            .filter((a) => a.checkVisibility()).length;",
                        vec![],
                    )
                    .await;
                if links.as_u64().unwrap_or(0) < 5 {
                    problems.push(format!(
                        "/projekte @ {breite}px: the opened menu shows {links} links"
                    ));
                }
            }
            (true, None) => problems.push(format!("/projekte @ {breite}px: no menu in the header")),
            (false, _) => {}
        }
    }
    fertig(&problems);
}

#[tokio::test]
async fn axe_best_practice_every_page_type() {
    let b = browser!("axe_best_practice_every_page_type");
    let pages = page_types(&b).await;
    let mut problems = Vec::new();
    for breite in BREITEN {
        b.set_viewport(breite, hoehe(breite)).await;
        for PageType { path, .. } in &pages {
            b.goto(path).await;
            problems.extend(
                b.axe_violations_with(&AXE_TAGS)
                    .await
                    .into_iter()
                    .map(|v| format!("{path} @ {breite}px: {v}")),
            );
        }
    }
    fertig(&problems);
}

/// WCAG 2.0/2.1 A and AA, and axe's best-practice rules.
const AXE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

#[tokio::test]
async fn sprungziele_existieren() {
    let b = browser!("sprungziele_existieren");
    let pages = page_types(&b).await;
    let mut problems = Vec::new();
    for PageType { path, .. } in &pages {
        b.goto(path).await;
        problems.extend(
            sprungziel_probleme(&sprungziele(&b).await)
                .into_iter()
                .map(|p| format!("{path}: {p}")),
        );
    }
    fertig(&problems);
}

// ---------------------------------------------------------------------------------------------
// Keyboard

/// The filtered list of the keyboard test, and its first result: the first link in the
/// results table `#projekte` (or, should the results become a list, in the `#treffer` region).
const GEFILTERT: &str = "/projekte?themenfeld=familie-kind";
const ERSTER_TREFFER: &str =
    "#projekte tbody a[href], #treffer a[href]:not([href^='#']):not([href*='format='])";

/// The most tab stops from the skip link to the first result.
const MAX_TABS: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Taste {
    Tab,
    Enter,
}

#[derive(Debug, Deserialize)]
struct Fokus {
    /// The target exists on the page.
    ziel: bool,
    /// The focus is on the target.
    erreicht: bool,
    /// The focus is on a link to an element of this page that lies after the link and not
    /// after the target: Enter on it jumps forward.
    sprung: bool,
    /// The focused element, e.g. `a.skip-link „Zum Inhalt springen“`.
    el: String,
    /// Its text.
    text: String,
}

const FOKUS_JS: &str = r#"
const ziel = document.querySelector(arguments[0]);
const a = document.activeElement;
let sprung = false;
if (ziel && a && a.localName === 'a' && a.hasAttribute('href')) {
  const u = new URL(a.getAttribute('href'), location.href);
  let frag = u.hash.slice(1);
  try { frag = decodeURIComponent(frag); } catch (e) {}
  if (frag && u.origin === location.origin && u.pathname === location.pathname && u.search === location.search) {
    const t = document.getElementById(frag);
    if (t) {
      const danach = a.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING;
      const bisZiel = t === ziel || t.contains(ziel)
        || (t.compareDocumentPosition(ziel) & Node.DOCUMENT_POSITION_FOLLOWING);
      sprung = !!(danach && bisZiel);
    }
  }
}
return {ziel: !!ziel, erreicht: !!ziel && a === ziel, sprung, el: pfad(a), text: kurztext(a)};
"#;

async fn fokus(b: &Browser, ziel_css: &str) -> Fokus {
    let v = b.js(&js(FOKUS_JS), vec![json!(ziel_css)]).await;
    serde_json::from_value(v).expect("focus probe result")
}

/// How a keyboard user gets from the skip link to the element `ziel_css` on `url`: the page is
/// loaded, Tab pressed once (that must focus a skip link: „Zum Inhalt springen“ or a link
/// „Zu den Ergebnissen“), then every sequence of Tab and Enter is tried in which Enter is
/// pressed only on a link that jumps forward within the page, not past the target (Enter on a
/// skip link counts as 0 tab stops), up to `max_tabs` Tabs. `Ok` with the fewest Tabs and the
/// way, `Err` with the problem and the ways tried.
async fn tastaturweg(
    b: &Browser,
    url: &str,
    ziel_css: &str,
    max_tabs: usize,
) -> Result<(usize, String), String> {
    let mut stapel: Vec<Vec<Taste>> = vec![Vec::new()];
    let mut bester: Option<(usize, String)> = None;
    let mut sackgassen: Vec<String> = Vec::new();
    while let Some(folge) = stapel.pop() {
        b.goto(url).await;
        b.press(Key::Tab).await;
        let start = fokus(b, ziel_css).await;
        if !start.ziel {
            return Err(format!("no element {ziel_css} on {url}"));
        }
        let skip = start.sprung
            && ["zum inhalt", "zu den ergebnissen"]
                .iter()
                .any(|t| start.text.to_lowercase().contains(t));
        if !skip {
            return Err(format!(
                "the first Tab focuses {} „{}“, not a skip link („Zum Inhalt springen“ or „Zu den Ergebnissen“)",
                start.el, start.text
            ));
        }
        let mut weg = vec![format!("Tab → {} „{}“", start.el, start.text)];
        let mut jetzt = start;
        for taste in &folge {
            b.press(match taste {
                Taste::Tab => Key::Tab,
                Taste::Enter => Key::Enter,
            })
            .await;
            if *taste == Taste::Enter {
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
            jetzt = fokus(b, ziel_css).await;
            weg.push(format!("{taste:?} → {} „{}“", jetzt.el, jetzt.text));
        }
        let tabs = folge.iter().filter(|t| **t == Taste::Tab).count();
        if jetzt.erreicht {
            if bester.as_ref().is_none_or(|(n, _)| tabs < *n) {
                bester = Some((tabs, weg.join(", ")));
            }
            continue;
        }
        let mut weiter = false;
        if tabs < max_tabs {
            let mut f = folge.clone();
            f.push(Taste::Tab);
            stapel.push(f);
            weiter = true;
        }
        if jetzt.sprung && folge.last() != Some(&Taste::Enter) && folge.len() < 2 * max_tabs + 2 {
            let mut f = folge.clone();
            f.push(Taste::Enter);
            stapel.push(f);
            weiter = true;
        }
        if !weiter {
            sackgassen.push(weg.join(", "));
        }
    }
    bester.ok_or_else(|| {
        format!(
            "{ziel_css} not reached in {max_tabs} tab stops from the skip link; ways tried:\n      {}",
            sackgassen.join("\n      ")
        )
    })
}

#[tokio::test]
async fn tastatur_zum_ersten_treffer() {
    let b = browser!("tastatur_zum_ersten_treffer");
    let mut problems = Vec::new();
    for breite in [375, 1280] {
        b.set_viewport(breite, hoehe(breite)).await;
        match tastaturweg(&b, GEFILTERT, ERSTER_TREFFER, MAX_TABS).await {
            Ok((tabs, weg)) => eprintln!("{GEFILTERT} @ {breite}px: {tabs} tab stop(s): {weg}"),
            Err(e) => problems.push(format!("{GEFILTERT} @ {breite}px: {e}")),
        }

        // The filter form: choose a Themenfeld by its label, press the form's submit button.
        b.goto("/projekte").await;
        let select = feld_mit_label(&b, "Themenfeld").await;
        if !select.is_displayed().await.unwrap_or(false) {
            // A collapsed filter (<details>) is opened as a person would.
            let summary = b
                .js(
                    "const d = arguments[0].closest('details');
                     return d ? d.querySelector(':scope > summary') : null;",
                    vec![json!(select)],
                )
                .await;
            if let Some(summary) = element(&b, &summary) {
                summary.click().await.expect("open the filter");
            }
        }
        select
            .find(Locator::XPath(
                ".//option[contains(normalize-space(.), 'Familie & Kind')]",
            ))
            .await
            .expect("option Familie & Kind")
            .click()
            .await
            .expect("choose Familie & Kind");
        let knopf = b
            .js(
                "return arguments[0].form.querySelector(
                    'button[type=submit], button:not([type]), input[type=submit]');",
                vec![json!(select)],
            )
            .await;
        element(&b, &knopf)
            .expect("the filter form has a submit button")
            .click()
            .await
            .expect("submit the filter");
        b.wait_for_path("the filtered list", |p| {
            p.contains("themenfeld=familie-kind")
        })
        .await;
        let url = b.client.current_url().await.expect("current URL");
        if url.fragment() != Some("treffer") {
            problems.push(format!(
                "/projekte @ {breite}px: submitting the filter lands at {}, not at #treffer",
                url.as_str().trim_start_matches(&b.base)
            ));
        }
    }
    fertig(&problems);
}

/// The form field whose `<label>` reads `label`.
async fn feld_mit_label(b: &Browser, label: &str) -> Element {
    let id = b
        .find(Locator::XPath(&format!(
            "//label[normalize-space(.)='{label}']"
        )))
        .await
        .attr("for")
        .await
        .expect("label for")
        .unwrap_or_else(|| panic!("label {label:?} has no for="));
    b.find(Locator::Id(&id)).await
}

/// The element a script returned, if it returned one.
fn element(b: &Browser, v: &Value) -> Option<Element> {
    let id = v.as_object()?.values().next()?.as_str()?;
    Some(Element::from_element_id(
        b.client.clone(),
        ElementRef::from(id.to_string()),
    ))
}

// ---------------------------------------------------------------------------------------------
// Focus ring

/// The elements whose focus ring is measured: one of each kind and place.
const FOKUS_ELEMENTE: [(&str, &str); 8] = [
    ("skip link", "a.skip-link, body > a[href^='#']"),
    (
        "navigation link",
        ".hauptnavigation a[href], header nav a[href]",
    ),
    (
        "header search field",
        "header input[type=search], header input[name=q]",
    ),
    ("header button", "header button"),
    ("link in the content", "main a[href]"),
    ("button in the content", "main button"),
    ("select in the content", "main select"),
    ("footer link", "footer a[href]"),
];

/// Focuses `arguments[0]` (after a Tab, so the browser is in keyboard mode) and reads its
/// outline, box-shadow and the backgrounds behind the ring: from its parent up (from the
/// element itself when the outline is drawn inside it) to the first opaque one.
const RING_JS: &str = r#"
const el = arguments[0];
el.scrollIntoView({block: 'center'});
el.focus();
const cs = getComputedStyle(el);
const innen = (parseFloat(cs.outlineOffset) || 0) < 0;
const hintergruende = [];
for (let p = innen ? el : el.parentElement; p; p = p.parentElement) {
  const c = getComputedStyle(p).backgroundColor;
  hintergruende.push(c);
  if (/^rgb\(/.test(c) || /^rgba\([^)]*,\s*1\)$/.test(c)) break;
}
return {
  aktiv: document.activeElement === el, sichtbar: el.matches(':focus-visible'),
  stil: cs.outlineStyle, breite: cs.outlineWidth, farbe: cs.outlineColor,
  schatten: cs.boxShadow, hintergruende, pfad: pfad(el), text: kurztext(el),
};
"#;

#[derive(Debug, Deserialize)]
struct Ring {
    aktiv: bool,
    sichtbar: bool,
    stil: String,
    breite: String,
    farbe: String,
    schatten: String,
    hintergruende: Vec<String>,
    pfad: String,
    text: String,
}

/// The first rendered element matching `css`, if any.
async fn erstes_sichtbares(b: &Browser, css: &str) -> Option<Element> {
    let v = b
        .js(
            "const alle = [...document.querySelectorAll(arguments[0])];
             const sichtbar = (e) => e.checkVisibility({visibilityProperty: true});
             let e = alle.find(sichtbar);
             if (!e) {
               // In a collapsed block (<details>, e.g. the filter): opened as a person would.
               e = alle.find((x) => {
                 const d = x.closest('details:not([open])');
                 return d && d.checkVisibility();
               });
               for (let d = e && e.closest('details:not([open])'); d; d = d.parentElement && d.parentElement.closest('details:not([open])')) {
                 d.open = true;
               }
             }
             return e && sichtbar(e) ? e : null;",
            vec![json!(css)],
        )
        .await;
    element(b, &v)
}

/// The focus ring problems of `was` (an element of the current page), or `None` if the page
/// has no such element.
async fn ring_probleme(b: &Browser, was: &str, css: &str) -> Option<Vec<String>> {
    let el = erstes_sichtbares(b, css).await?;
    b.press(Key::Tab).await;
    let v = b.js(&js(RING_JS), vec![json!(el)]).await;
    let r: Ring = serde_json::from_value(v).expect("focus ring probe result");
    let mut out = Vec::new();
    let name = format!("{was} {} „{}“", r.pfad, r.text);
    if !r.aktiv || !r.sichtbar {
        out.push(format!(
            "{name}: could not be focused by keyboard (focused {}, :focus-visible {})",
            r.aktiv, r.sichtbar
        ));
        return Some(out);
    }
    let hinten = farbe::hintergrund(&r.hintergruende);
    // The ring: the outline if there is one, and the box-shadows.
    let mut ringe: Vec<(String, farbe::Rgb, f64)> = Vec::new();
    let outline_px = px(&r.breite);
    if r.stil != "none" && outline_px > 0.0 {
        match farbe::parse(&r.farbe) {
            Some((c, a)) => ringe.push((
                format!("outline {} {} {}", r.breite, r.stil, r.farbe),
                farbe::ueber(c, a, hinten),
                outline_px,
            )),
            None => out.push(format!(
                "{name}: outline colour {:?} not understood",
                r.farbe
            )),
        }
    }
    for (c, a, spread) in farbe::schatten(&r.schatten) {
        ringe.push((
            format!("box-shadow {}", r.schatten),
            farbe::ueber(c, a, hinten),
            spread,
        ));
    }
    if ringe.is_empty() {
        out.push(format!(
            "{name}: no focus ring (outline-style {}, box-shadow {})",
            r.stil, r.schatten
        ));
        return Some(out);
    }
    // The best part of the ring counts (a dark ring with a light halo is fine).
    let (wie, kontrast, breite) = ringe
        .iter()
        .map(|(wie, c, w)| (wie, farbe::kontrast(*c, hinten), *w))
        .fold(None::<(&String, f64, f64)>, |best, x| match best {
            Some(b) if b.1 >= x.1 => Some(b),
            _ => Some(x),
        })
        .expect("a ring");
    if kontrast < 3.0 {
        out.push(format!(
            "{name}: focus ring {wie} has contrast {kontrast:.2}:1 against the background {} behind it, needs 3:1",
            farbe::hex(hinten)
        ));
    }
    if r.stil == "auto" || breite < 2.0 {
        out.push(format!(
            "{name}: focus ring {wie} is {breite} px wide{}, needs at least 2 px",
            if r.stil == "auto" {
                " (the browser's default ring)"
            } else {
                ""
            }
        ));
    }
    Some(out)
}

fn px(s: &str) -> f64 {
    s.trim().trim_end_matches("px").parse().unwrap_or(0.0)
}

#[tokio::test]
async fn fokusrahmen_kontrast() {
    let b = browser!("fokusrahmen_kontrast");
    let mut problems = Vec::new();
    b.set_viewport(1280, 800).await;
    for page in ["/projekte", "/"] {
        for (was, css) in FOKUS_ELEMENTE {
            b.goto(page).await;
            match ring_probleme(&b, was, css).await {
                Some(p) => problems.extend(p.into_iter().map(|p| format!("{page} @ 1280px: {p}"))),
                None if page == "/projekte" => {
                    problems.push(format!("{page}: no {was} ({css}) to check"));
                }
                None => {}
            }
        }
    }

    // The stylesheet (its address read from the page, it may carry a content hash): every rule
    // that styles focus for all elements or all links must reach 3:1 against white, the
    // navigation and the footer background with at least one of its colours.
    b.goto("/projekte").await;
    let href = b
        .js(
            "const l = document.querySelector('link[rel=stylesheet]'); return l ? l.getAttribute('href') : null;",
            vec![],
        )
        .await;
    let href = href
        .as_str()
        .expect("the page links a stylesheet")
        .to_string();
    let css = b.http_get(&href);
    assert_eq!(css.status, 200, "GET {href}");
    let css = String::from_utf8_lossy(&css.body).into_owned();
    let mut flaechen = vec![("white".to_string(), farbe::Rgb(255.0, 255.0, 255.0))];
    for (was, sel) in [
        ("navigation", ".hauptnavigation, header nav"),
        ("footer", "footer"),
    ] {
        let v = b
            .js(
                "const out = [];
                 for (let p = document.querySelector(arguments[0]); p; p = p.parentElement) {
                   const c = getComputedStyle(p).backgroundColor; out.push(c);
                   if (/^rgb\\(/.test(c)) break;
                 }
                 return out;",
                vec![json!(sel)],
            )
            .await;
        let liste: Vec<String> = serde_json::from_value(v).unwrap_or_default();
        let c = farbe::hintergrund(&liste);
        flaechen.push((format!("{was} background {}", farbe::hex(c)), c));
    }
    let regeln = farbe::fokus_regeln(&css);
    if !regeln.iter().any(|r| r.allgemein && !r.farben.is_empty()) {
        problems.push(format!(
            "{href}: no rule gives :focus-visible (or :focus) of all elements or links an outline or box-shadow colour"
        ));
    }
    for regel in regeln
        .iter()
        .filter(|r| r.allgemein && !r.farben.is_empty())
    {
        for (name, flaeche) in &flaechen {
            let best = regel
                .farben
                .iter()
                .map(|c| farbe::kontrast(*c, *flaeche))
                .fold(0.0, f64::max);
            if best < 3.0 {
                problems.push(format!(
                    "{href}: rule `{}` (colours {}) has contrast {best:.2}:1 against {name}, needs 3:1",
                    regel.selektor,
                    regel
                        .farben
                        .iter()
                        .map(|c| farbe::hex(*c))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    fertig(&problems);
}

// ---------------------------------------------------------------------------------------------
// Screenshots

/// The pages of the screenshots at 375 px, and their file names.
const SCREENSHOTS: [(&str, &str); 4] = [
    ("/", "start-375.png"),
    ("/projekte", "projekte-375.png"),
    ("/projekte/kinderbetreuung", "projekt-375.png"),
    ("/umsetzungsplan", "umsetzungsplan-375.png"),
];

/// The tallest screenshot, in CSS px.
const SCREENSHOT_MAX_HOEHE: u32 = 4000;

/// Full-page screenshots at 375 px: into `OZG_SCREENSHOTS_DIR` when set (relative to the
/// workspace root; `scripts/screenshots.sh` sets `docs/screenshots`), else into a temp dir.
/// Either way each must be a whole PNG of 375 CSS px × the device pixel ratio.
#[tokio::test]
async fn screenshots_375() {
    let b = browser!("screenshots_375");
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = match std::env::var_os("OZG_SCREENSHOTS_DIR") {
        Some(d) => {
            let d = PathBuf::from(d);
            if d.is_absolute() {
                d
            } else {
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(d)
            }
        }
        None => tmp.path().to_path_buf(),
    };
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    for (page, datei) in SCREENSHOTS {
        b.set_viewport(375, hoehe(375)).await;
        b.goto(page).await;
        let v = b
            .js(
                "return [document.documentElement.scrollHeight, window.devicePixelRatio];",
                vec![],
            )
            .await;
        let hoch =
            (v[0].as_f64().unwrap_or(0.0).ceil() as u32).clamp(hoehe(375), SCREENSHOT_MAX_HOEHE);
        let dpr = v[1].as_f64().unwrap_or(1.0);
        b.set_viewport(375, hoch).await;
        let png = b.client.screenshot().await.expect("screenshot");
        let (w, h) =
            png_groesse(&png).unwrap_or_else(|e| panic!("{page}: the screenshot is no PNG: {e}"));
        let soll = (
            (375.0 * dpr).round() as u32,
            (f64::from(hoch) * dpr).round() as u32,
        );
        assert_eq!(
            (w, h),
            soll,
            "{page}: screenshot size (device pixel ratio {dpr})"
        );
        let pfad = dir.join(datei);
        std::fs::write(&pfad, &png).unwrap_or_else(|e| panic!("write {}: {e}", pfad.display()));
        eprintln!("{page}: {} ({w}×{h})", pfad.display());
    }
}

/// Width and height of a PNG, after checking its signature, that every chunk's CRC is right,
/// that it starts with IHDR, has image data and ends with IEND.
fn png_groesse(data: &[u8]) -> Result<(u32, u32), String> {
    const SIGNATUR: &[u8] = b"\x89PNG\r\n\x1a\n";
    let mut rest = data.strip_prefix(SIGNATUR).ok_or("no PNG signature")?;
    let mut groesse = None;
    let mut idat = false;
    loop {
        if rest.len() < 12 {
            return Err("cut off before IEND".into());
        }
        let len = u32::from_be_bytes(rest[..4].try_into().expect("4 bytes")) as usize;
        let art = &rest[4..8];
        let inhalt = rest.get(8..8 + len).ok_or("chunk longer than the file")?;
        let crc = rest.get(8 + len..12 + len).ok_or("chunk without CRC")?;
        if crc32(&rest[4..8 + len]).to_be_bytes() != crc {
            return Err(format!("bad CRC in chunk {}", String::from_utf8_lossy(art)));
        }
        match art {
            b"IHDR" if len == 13 => {
                let n =
                    |i: usize| u32::from_be_bytes(inhalt[i..i + 4].try_into().expect("4 bytes"));
                groesse = Some((n(0), n(4)));
            }
            _ if groesse.is_none() => return Err("the first chunk is not IHDR".into()),
            b"IDAT" => idat = true,
            b"IEND" => break,
            _ => {}
        }
        rest = &rest[12 + len..];
    }
    if !idat {
        return Err("no image data".into());
    }
    groesse.ok_or_else(|| "no IHDR".into())
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffff_u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn png_pruefen() {
    // A 2×1 PNG.
    let png: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0xf4,
        0x22, 0x7f, 0x8a, 0x00, 0x00, 0x00, 0x0b, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8,
        0x0f, 0x05, 0x00, 0x23, 0xe5, 0x07, 0xf9, 0x8a, 0x34, 0x78, 0xb3, 0x00, 0x00, 0x00, 0x00,
        0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ];
    assert_eq!(png_groesse(png), Ok((2, 1)));
    let mut kaputt = png.to_vec();
    kaputt[20] ^= 1;
    assert!(
        png_groesse(&kaputt).is_err(),
        "a changed byte breaks the CRC"
    );
    assert!(png_groesse(&png[..40]).is_err(), "cut off");
    assert!(png_groesse(b"GIF89a").is_err());
}

// ---------------------------------------------------------------------------------------------
// Self-test: every probe reports a planted fault.

/// Adds a CSS rule to the page's stylesheet (through the CSSOM: the Content-Security-Policy
/// refuses a <style> element).
async fn regel_einfuegen(b: &Browser, regel: &str) {
    b.js(
        "document.styleSheets[0].insertRule(arguments[0], document.styleSheets[0].cssRules.length);",
        vec![json!(regel)],
    )
    .await;
}

#[tokio::test]
async fn ux_pruefungen_selbsttest() {
    let b = browser!("ux_pruefungen_selbsttest");
    b.set_viewport(375, hoehe(375)).await;
    let seite = "/impressum";

    // Reflow: a 2000-px wide block in the content.
    b.goto(seite).await;
    b.js(
        "const d = document.createElement('div'); d.id = 'selbsttest-breit';
         d.style.width = '2000px'; d.style.height = '10px';
         document.querySelector('main').append(d);",
        vec![],
    )
    .await;
    let r = reflow(&b).await;
    assert_eq!(r.vw, 375.0, "the viewport is 375 px");
    let p = reflow_probleme(&r).join("\n");
    assert!(
        p.contains("scrollWidth") && p.contains("div#selbsttest-breit"),
        "the reflow probe missed the 2000-px block: {p:?} ({r:?})"
    );
    // … but not when it sits in a scrolling container (a wide table in .tabelle-rahmen).
    b.js(
        "const d = document.getElementById('selbsttest-breit'); const w = document.createElement('div');
         w.style.overflowX = 'auto'; d.before(w); w.append(d);",
        vec![],
    )
    .await;
    let p = reflow_probleme(&reflow(&b).await);
    assert!(p.is_empty(), "a scrolling container is fine: {p:?}");

    // … and a long word that does not wrap, in a box that fits.
    b.goto(seite).await;
    b.js(
        "const h = document.createElement('h2'); h.id = 'selbsttest-wort'; h.style.fontSize = '3rem';
         h.style.overflowWrap = 'normal'; h.style.hyphens = 'manual';
         h.textContent = 'Donaudampfschifffahrtsgesellschaftskapitänsmütze';
         document.querySelector('main').append(h);",
        vec![],
    )
    .await;
    let p = reflow_probleme(&reflow(&b).await).join("\n");
    assert!(
        p.contains("h2#selbsttest-wort (its text)"),
        "the reflow probe missed the long word: {p:?}"
    );

    // Header: a control pushed out, and a tall header.
    b.goto(seite).await;
    b.js(
        "const h = document.querySelector('header');
         const k = document.createElement('button'); k.id = 'selbsttest-knopf'; k.textContent = 'Menü';
         k.style.marginLeft = '500px'; h.prepend(k);
         const d = document.createElement('div'); d.style.height = '300px'; h.append(d);",
        vec![],
    )
    .await;
    let k = kopf(&b).await;
    let p = kopf_probleme(k.as_ref(), 375.0).join("\n");
    assert!(
        p.contains("button#selbsttest-knopf") && p.contains("budget"),
        "the header probe missed the planted faults: {p:?}"
    );

    // Anchors: a duplicate id and a link to nowhere.
    b.goto(seite).await;
    b.js(
        "const m = document.querySelector('main');
         const s = document.createElement('span'); s.id = 'inhalt'; m.append(s);
         const a = document.createElement('a'); a.href = '#gibt-es-nicht'; a.textContent = 'weg'; m.append(a);
         const f = document.createElement('a'); f.href = location.pathname + '#auch-nicht'; f.textContent = 'weg2'; m.append(f);",
        vec![],
    )
    .await;
    let p = sprungziel_probleme(&sprungziele(&b).await).join("\n");
    for erwartet in [
        "id \"inhalt\" used 2 times",
        "#inhalt from body > a.skip-link „Zum Inhalt springen“ has 2 targets",
        "#gibt-es-nicht from",
        "/impressum#auch-nicht from",
    ] {
        assert!(
            p.contains(erwartet),
            "the anchor probe did not report {erwartet:?}: {p}"
        );
    }

    // axe with best practice: an image without alt text (WCAG) and content outside landmarks
    // (best practice only).
    b.goto(seite).await;
    b.js(
        "const i = document.createElement('img'); i.src = '/static/favicon.svg'; i.width = 20;
         document.querySelector('main').append(i);
         const p = document.createElement('p'); p.textContent = 'Außerhalb jeder Landmarke';
         document.body.prepend(p);",
        vec![],
    )
    .await;
    let v = b.axe_violations_with(&AXE_TAGS).await;
    for regel in ["image-alt ", "region "] {
        assert!(
            v.iter().any(|l| l.starts_with(regel)),
            "axe did not report {regel}: {v:?}"
        );
    }

    // Focus ring: a white ring on white, and a thin one (added through the CSSOM: the
    // Content-Security-Policy refuses a <style> element).
    b.goto(seite).await;
    regel_einfuegen(
        &b,
        ":focus-visible { outline: 3px solid #fff !important; box-shadow: none !important; }",
    )
    .await;
    let p = ring_probleme(&b, "link", "footer a[href]")
        .await
        .expect("a footer link")
        .join("\n");
    assert!(
        p.contains("rgb(255, 255, 255) has contrast 1.") && p.contains("needs 3:1"),
        "the focus ring probe missed a white ring: {p}"
    );
    b.goto(seite).await;
    regel_einfuegen(
        &b,
        ":focus-visible { outline: 1px solid #000 !important; box-shadow: none !important; }",
    )
    .await;
    let p = ring_probleme(&b, "link", "main a[href], footer a[href]")
        .await
        .expect("a link")
        .join("\n");
    assert!(
        p.contains("1 px wide") && !p.contains("contrast"),
        "the focus ring probe missed a thin ring: {p}"
    );

    // Keyboard: the first control in the content is reached (skip link, Enter, Tab), the
    // footer is not reached in 3 tab stops.
    let weg = tastaturweg(
        &b,
        GEFILTERT,
        "main a[href], main summary, main select",
        MAX_TABS,
    )
    .await;
    assert!(
        matches!(weg, Ok((n, _)) if n <= 2),
        "the keyboard probe should reach the first control in the content: {weg:?}"
    );
    let weg = tastaturweg(&b, GEFILTERT, "footer a[href]", MAX_TABS).await;
    assert!(
        matches!(&weg, Err(e) if e.contains("not reached")),
        "the keyboard probe should not reach the footer in 3 tab stops: {weg:?}"
    );
}

// ---------------------------------------------------------------------------------------------

/// Colours: CSS colour parsing and the WCAG 2.x contrast ratio.
mod farbe {
    /// sRGB, each channel 0–255.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct Rgb(pub f64, pub f64, pub f64);

    /// Relative luminance (WCAG 2.x): linearised sRGB channels weighted 0.2126, 0.7152, 0.0722.
    pub fn luminanz(c: Rgb) -> f64 {
        let lin = |v: f64| {
            let v = v / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2)
    }

    /// Contrast ratio (L1 + 0.05) / (L2 + 0.05), the lighter one on top: 1 to 21.
    pub fn kontrast(a: Rgb, b: Rgb) -> f64 {
        let (la, lb) = (luminanz(a), luminanz(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    /// `c` with opacity `alpha` over the opaque `hinten`.
    pub fn ueber(c: Rgb, alpha: f64, hinten: Rgb) -> Rgb {
        let m = |f: f64, b: f64| f * alpha + b * (1.0 - alpha);
        Rgb(m(c.0, hinten.0), m(c.1, hinten.1), m(c.2, hinten.2))
    }

    pub fn hex(c: Rgb) -> String {
        format!(
            "#{:02x}{:02x}{:02x}",
            c.0.round() as u8,
            c.1.round() as u8,
            c.2.round() as u8
        )
    }

    /// The colour of computed `background-color`s from the nearest to the farthest: each laid
    /// over the ones behind it, over white.
    pub fn hintergrund(liste: &[String]) -> Rgb {
        let mut c = Rgb(255.0, 255.0, 255.0);
        for s in liste.iter().rev() {
            if let Some((f, a)) = parse(s) {
                c = ueber(f, a, c);
            }
        }
        c
    }

    /// One CSS colour: `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()`/`rgba()` (commas or
    /// spaces, numbers or percentages), `white`, `black`, `transparent`. With its alpha.
    pub fn parse(s: &str) -> Option<(Rgb, f64)> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "white" => return Some((Rgb(255.0, 255.0, 255.0), 1.0)),
            "black" => return Some((Rgb(0.0, 0.0, 0.0), 1.0)),
            "transparent" => return Some((Rgb(0.0, 0.0, 0.0), 0.0)),
            _ => {}
        }
        if let Some(h) = s.strip_prefix('#') {
            let d: Vec<f64> = h
                .chars()
                .map(|c| c.to_digit(16).map(f64::from))
                .collect::<Option<_>>()?;
            return match d.len() {
                3 | 4 => Some((
                    Rgb(d[0] * 17.0, d[1] * 17.0, d[2] * 17.0),
                    d.get(3).map_or(1.0, |a| a * 17.0 / 255.0),
                )),
                6 | 8 => Some((
                    Rgb(d[0] * 16.0 + d[1], d[2] * 16.0 + d[3], d[4] * 16.0 + d[5]),
                    if d.len() == 8 {
                        (d[6] * 16.0 + d[7]) / 255.0
                    } else {
                        1.0
                    },
                )),
                _ => None,
            };
        }
        let innen = s
            .strip_prefix("rgba(")
            .or_else(|| s.strip_prefix("rgb("))?
            .strip_suffix(')')?;
        let teile: Vec<&str> = innen
            .split([',', ' ', '/'])
            .filter(|t| !t.is_empty())
            .collect();
        if teile.len() < 3 {
            return None;
        }
        let kanal = |t: &str| -> Option<f64> {
            match t.strip_suffix('%') {
                Some(p) => p.parse::<f64>().ok().map(|p| p * 2.55),
                None => t.parse().ok(),
            }
        };
        let alpha = match teile.get(3) {
            Some(t) => match t.strip_suffix('%') {
                Some(p) => p.parse::<f64>().ok()? / 100.0,
                None => t.parse().ok()?,
            },
            None => 1.0,
        };
        Some((
            Rgb(kanal(teile[0])?, kanal(teile[1])?, kanal(teile[2])?),
            alpha,
        ))
    }

    /// The colours and spreads of a computed `box-shadow` (`rgb(…) 0px 0px 0px 3px, …`).
    pub fn schatten(s: &str) -> Vec<(Rgb, f64, f64)> {
        if s.trim() == "none" {
            return Vec::new();
        }
        let mut out = Vec::new();
        for teil in oben_trennen(s, ',') {
            let mut farbe = None;
            let mut laengen = Vec::new();
            for wort in oben_trennen(&teil, ' ') {
                if let Some(f) = parse(&wort) {
                    farbe = Some(f);
                } else if let Some(n) = wort.strip_suffix("px") {
                    laengen.push(n.parse::<f64>().unwrap_or(0.0));
                } else if wort == "0" {
                    laengen.push(0.0);
                }
            }
            if let Some((c, a)) = farbe {
                let spread = laengen.get(3).copied().unwrap_or(0.0);
                let blur = laengen.get(2).copied().unwrap_or(0.0);
                out.push((c, a, spread.max(blur / 2.0)));
            }
        }
        out
    }

    /// `s` split at `trenner` outside parentheses, trimmed, empty parts left out.
    fn oben_trennen(s: &str, trenner: char) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut tiefe = 0;
        for c in s.chars() {
            match c {
                '(' => tiefe += 1,
                ')' => tiefe -= 1,
                _ => {}
            }
            if c == trenner && tiefe == 0 {
                out.push(String::new());
            } else {
                out.last_mut().expect("a part").push(c);
            }
        }
        out.into_iter()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    }

    /// A rule of the stylesheet for `:focus` or `:focus-visible`.
    #[derive(Debug)]
    pub struct FokusRegel {
        pub selektor: String,
        /// It applies to all elements or all links (`:focus-visible`, `*:focus`,
        /// `a:focus-visible`, …), not to elements of one component.
        pub allgemein: bool,
        /// The colours of its `outline`, `outline-color` and `box-shadow` (custom properties
        /// resolved).
        pub farben: Vec<Rgb>,
    }

    /// The `:focus`/`:focus-visible` rules of a stylesheet (`:focus-within` is not focus
    /// styling), also inside `@media` blocks.
    pub fn fokus_regeln(css: &str) -> Vec<FokusRegel> {
        let regeln = regeln(css);
        let mut variablen = std::collections::HashMap::new();
        for (sel, decls) in &regeln {
            if sel.split(',').any(|s| s.trim() == ":root") {
                for (name, wert) in decls {
                    if name.starts_with("--") {
                        variablen.insert(name.clone(), wert.clone());
                    }
                }
            }
        }
        let ist_fokus = |s: &str| {
            let s = s.replace(":focus-within", "");
            s.contains(":focus")
        };
        let allgemein_teil = |s: &str| {
            let s = s.trim();
            let basis = s
                .strip_suffix(":focus-visible")
                .or_else(|| s.strip_suffix(":focus"));
            matches!(
                basis,
                Some(
                    "" | "*"
                        | "a"
                        | "a[href]"
                        | "button"
                        | "input"
                        | "select"
                        | "textarea"
                        | "summary"
                )
            )
        };
        regeln
            .iter()
            .filter(|(sel, _)| ist_fokus(sel))
            .map(|(sel, decls)| {
                let mut farben = Vec::new();
                for (name, wert) in decls {
                    if matches!(name.as_str(), "outline" | "outline-color" | "box-shadow") {
                        let wert = aufloesen(wert, &variablen, 0);
                        for wort in oben_trennen(&wert.replace(',', " , "), ' ') {
                            if let Some((c, a)) = parse(&wort)
                                && a > 0.0
                            {
                                farben.push(c);
                            }
                        }
                    }
                }
                FokusRegel {
                    selektor: sel.clone(),
                    allgemein: sel.split(',').filter(|s| ist_fokus(s)).any(allgemein_teil),
                    farben,
                }
            })
            .collect()
    }

    /// `var(--x)` and `var(--x, fallback)` replaced by the custom property's value.
    fn aufloesen(
        wert: &str,
        variablen: &std::collections::HashMap<String, String>,
        tiefe: usize,
    ) -> String {
        let Some(start) = wert.find("var(") else {
            return wert.to_string();
        };
        if tiefe > 8 {
            return wert.to_string();
        }
        let rest = &wert[start + 4..];
        let mut t = 1;
        let ende = rest
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => t += 1,
                    ')' => t -= 1,
                    _ => {}
                }
                t == 0
            })
            .map_or(rest.len(), |(i, _)| i);
        let innen = &rest[..ende];
        let (name, ersatz) = match innen.split_once(',') {
            Some((n, e)) => (n.trim(), Some(e.trim())),
            None => (innen.trim(), None),
        };
        let ein = variablen
            .get(name)
            .map(String::as_str)
            .or(ersatz)
            .unwrap_or("");
        let neu = format!(
            "{}{ein}{}",
            &wert[..start],
            rest.get(ende + 1..).unwrap_or("")
        );
        aufloesen(&neu, variablen, tiefe + 1)
    }

    /// The style rules of a stylesheet as (selector, [(property, value)]), comments removed,
    /// the rules inside `@media`/`@supports` blocks included.
    fn regeln(css: &str) -> Vec<(String, Vec<(String, String)>)> {
        let mut text = String::new();
        let mut rest = css;
        while let Some(i) = rest.find("/*") {
            text.push_str(&rest[..i]);
            rest = rest[i + 2..]
                .find("*/")
                .map_or("", |j| &rest[i + 2 + j + 2..]);
        }
        text.push_str(rest);

        let mut out = Vec::new();
        let mut kopf = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            match c {
                '{' => {
                    let sel = kopf.trim().to_string();
                    kopf.clear();
                    if sel.starts_with('@') {
                        // A block of rules: its rules follow at this level.
                        continue;
                    }
                    let mut koerper = String::new();
                    for c in chars.by_ref() {
                        if c == '}' {
                            break;
                        }
                        koerper.push(c);
                    }
                    let decls = koerper
                        .split(';')
                        .filter_map(|d| d.split_once(':'))
                        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
                        .collect();
                    out.push((sel, decls));
                }
                '}' | ';' => kopf.clear(),
                c => kopf.push(c),
            }
        }
        out
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn c(s: &str) -> Rgb {
            parse(s).expect("colour").0
        }

        #[test]
        fn kontrast_bekannter_paare() {
            assert!((kontrast(c("#000"), c("#fff")) - 21.0).abs() < 1e-9);
            assert!((kontrast(c("#fff"), c("#000")) - 21.0).abs() < 1e-9);
            assert!((kontrast(c("#777777"), c("white")) - 4.48).abs() < 0.01);
            assert!((kontrast(c("#fff"), c("rgb(255, 255, 255)")) - 1.0).abs() < 1e-9);
            // The focus ring of today: #ffbf47 on white, and the primary blue on white.
            assert!((kontrast(c("#ffbf47"), c("#fff")) - 1.64).abs() < 0.01);
            assert!((kontrast(c("#0b4b8f"), c("#fff")) - 8.69).abs() < 0.01);
        }

        #[test]
        fn farben_lesen() {
            assert_eq!(parse("#fff"), Some((Rgb(255.0, 255.0, 255.0), 1.0)));
            assert_eq!(parse("#0b4b8f"), Some((Rgb(11.0, 75.0, 143.0), 1.0)));
            assert_eq!(
                parse("rgb(255, 191, 71)"),
                Some((Rgb(255.0, 191.0, 71.0), 1.0))
            );
            assert_eq!(parse("rgba(0, 0, 0, 0)"), Some((Rgb(0.0, 0.0, 0.0), 0.0)));
            assert_eq!(parse("rgb(0 0 0 / 50%)"), Some((Rgb(0.0, 0.0, 0.0), 0.5)));
            assert_eq!(parse("currentcolor"), None);
            assert_eq!(
                hintergrund(&["rgba(0, 0, 0, 0)".into(), "rgb(242, 244, 247)".into()]),
                Rgb(242.0, 244.0, 247.0)
            );
            assert_eq!(
                hex(ueber(Rgb(0.0, 0.0, 0.0), 0.5, Rgb(255.0, 255.0, 255.0))),
                "#808080"
            );
        }

        #[test]
        fn schatten_lesen() {
            let s =
                schatten("rgb(255, 255, 255) 0px 0px 0px 2px, rgb(11, 75, 143) 0px 0px 0px 5px");
            assert_eq!(s.len(), 2);
            assert_eq!(s[1], (Rgb(11.0, 75.0, 143.0), 1.0, 5.0));
            assert!(schatten("none").is_empty());
        }

        #[test]
        fn regeln_lesen() {
            let css = ":root { --ring: #0b4b8f; --x: var(--ring); }
                /* :focus { outline: red } */
                :focus-visible { outline: 3px solid var(--x); outline-offset: 2px; }
                .fuss a:focus-visible { outline-color: #fff; }
                main:focus-within { outline: 1px solid #000; }
                @media (max-width: 40rem) { a:focus { box-shadow: 0 0 0 3px #ffbf47, 0 0 0 5px black; } }";
            let r = fokus_regeln(css);
            assert_eq!(r.len(), 3, "{r:?}");
            assert!(r[0].allgemein);
            assert_eq!(r[0].farben, vec![Rgb(11.0, 75.0, 143.0)]);
            assert!(!r[1].allgemein);
            assert!(r[2].allgemein);
            assert_eq!(
                r[2].farben,
                vec![Rgb(255.0, 191.0, 71.0), Rgb(0.0, 0.0, 0.0)]
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Print

/// Prints `path` as Chromium does from its print dialog (the page's CSS page size), returns
/// (page width, page height) in points and the text of the first page.
async fn drucken(b: &Browser, path: &str) -> ((f64, f64), String) {
    use base64::Engine;
    b.goto(path).await;
    let pdf = b
        .cdp(
            "Page.printToPDF",
            json!({"preferCSSPageSize": true, "printBackground": false}),
        )
        .await;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(pdf["data"].as_str().expect("printToPDF data"))
        .expect("base64 PDF");
    let dir = tempfile::tempdir().expect("temp dir");
    let datei = dir.path().join("druck.pdf");
    std::fs::write(&datei, &bytes).expect("write the PDF");
    let info = std::process::Command::new("pdfinfo")
        .arg(&datei)
        .output()
        .expect("pdfinfo (poppler-utils) must be installed: scripts/test.sh installs it");
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let groesse = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .and_then(|l| {
            let mut z = l.split_whitespace();
            let w = z.next()?.parse().ok()?;
            z.next();
            Some((w, z.next()?.parse().ok()?))
        })
        .unwrap_or_else(|| panic!("no page size in pdfinfo: {info}"));
    let text = std::process::Command::new("pdftotext")
        .args(["-layout", "-f", "1", "-l", "1", "-enc", "UTF-8"])
        .arg(&datei)
        .arg("-")
        .output()
        .expect("pdftotext");
    (groesse, String::from_utf8_lossy(&text.stdout).into_owned())
}

#[tokio::test]
async fn listen_drucken_quer_mit_allen_spalten() {
    let b = browser!("listen_drucken_quer_mit_allen_spalten");
    let mut problems = Vec::new();
    let spalten = [
        "Umsetzungsprojekt",
        "Themenfeld",
        "Fachlichkeit",
        "Mitarbeit",
        "Interesse",
        "Projektstart",
        "Priorität NRW",
        "Status",
    ];
    // Printed from a phone-sized window too: print has its own layout.
    for breite in [375, 1280] {
        b.set_viewport(breite, hoehe(breite)).await;
        let ((w, h), text) = drucken(&b, "/projekte?themenfeld=familie-kind").await;
        if w <= h {
            problems.push(format!(
                "/projekte @ {breite}px: printed {w}×{h} pt, not landscape"
            ));
        }
        let kopfzeile = text
            .lines()
            .find(|l| l.contains("Umsetzungsprojekt") && l.contains("Status"))
            .unwrap_or_default();
        let fehlt: Vec<_> = spalten.iter().filter(|s| !kopfzeile.contains(*s)).collect();
        if kopfzeile.is_empty() || !fehlt.is_empty() {
            problems.push(format!(
                "/projekte @ {breite}px: the printed table lacks the column(s) {fehlt:?} (no header row with all columns on page 1):\n{text}"
            ));
        }
        // The last column's values are on the page, not cut off.
        if !text.contains("Noch nicht begonnen") && !text.contains("begonnen") {
            problems.push(format!("/projekte @ {breite}px: no Status values printed"));
        }
    }
    // A page that is not a list keeps portrait (so the check above can tell the difference).
    let ((w, h), _) = drucken(&b, "/projekte/kinderbetreuung").await;
    if w >= h {
        problems.push(format!(
            "/projekte/kinderbetreuung: printed {w}×{h} pt, expected portrait"
        ));
    }
    fertig(&problems);
}

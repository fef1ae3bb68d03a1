//! Which authority is responsible: the Zuständigkeit data (`data/zustaendigkeit/`, embedded)
//! resolved by `ozg_domain::zustaendigkeit` from the citizen's postcode and place, then the
//! authority of that key in this portal.

use std::sync::LazyLock;

use ozg_domain::zustaendigkeit::{Quellen, Zustaendigkeit, Zustaendigkeiten};

use crate::antraege::Dienst;
use crate::antraege::daten::{self, Behoerde};
use crate::kern::{AppState, Fehler};

macro_rules! daten {
    ($p:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/", $p))
    };
}

/// The embedded data, loaded once (checked by `ozg check-data` and the tests).
pub static REGISTER: LazyLock<Result<Zustaendigkeiten, String>> = LazyLock::new(|| {
    Zustaendigkeiten::laden(&Quellen {
        gemeinden: daten!("nrw-gemeinden.csv"),
        plz: daten!("geonames/nrw-plz.csv"),
        dienste: daten!("zustaendigkeit/dienste.toml"),
        ausnahmen: daten!("zustaendigkeit/ausnahmen.csv"),
        jugendamt_kreise: daten!("zustaendigkeit/jugendamt-kreise.csv"),
        orte: daten!("zustaendigkeit/orte.csv"),
    })
    .map_err(|f| {
        f.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })
});

/// The register, or an internal error naming the broken data.
pub fn register() -> Result<&'static Zustaendigkeiten, Fehler> {
    REGISTER
        .as_ref()
        .map_err(|e| Fehler::from(anyhow::anyhow!("Zuständigkeitsdaten fehlerhaft: {e}")))
}

/// Who is responsible for `d` at this address, as the data says (whether or not the authority
/// uses this portal).
pub fn zustaendig(
    d: &Dienst,
    plz: &str,
    ort: &str,
) -> Result<Result<Zustaendigkeit, String>, Fehler> {
    let r = register()?;
    let g = match r.gemeinde_zu(plz, ort) {
        Ok(g) => g,
        Err(e) => return Ok(Err(format!("{e}."))),
    };
    Ok(r.zustaendig(d.schluessel, &g.ags)
        .map_err(|e| format!("{e}.")))
}

/// The authority of this portal that handles `d` at this address, or the German reason why
/// the application cannot go anywhere (unknown place, or the responsible authority does not
/// offer the service here).
pub async fn behoerde_fuer(
    st: &AppState,
    d: &Dienst,
    plz: &str,
    ort: &str,
) -> Result<Result<Behoerde, String>, Fehler> {
    let z = match zustaendig(d, plz, ort)? {
        Ok(z) => z,
        Err(m) => return Ok(Err(m)),
    };
    Ok(
        match daten::behoerde_per_schluessel(&st.db, &z.behoerde_schluessel).await? {
            Some(b) => Ok(b),
            None => Err(format!(
                "Für Ihre Anschrift ist {} ({}) zuständig. Diese Behörde bietet „{}“ noch nicht über dieses Portal an; bitte wenden Sie sich direkt an sie.",
                z.traeger_name,
                z.amt.label(),
                d.name
            )),
        },
    )
}

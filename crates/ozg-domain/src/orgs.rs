//! Organisations and how the names the plan writes resolve to one record each.

use std::collections::HashMap;

use crate::search::fold;

crate::schluessel! {
    /// Kind of an organisation.
    pub enum OrgArt: "keine Art von Organisation" {
        /// A Gemeinde belonging to a Kreis (kreisangehörig).
        Gemeinde = "gemeinde" / "Kreisangehörige Gemeinde",
        /// A kreisfreie Stadt (Gemeinde and Kreis level at once).
        KreisfreieStadt = "kreisfreie-stadt" / "Kreisfreie Stadt",
        /// A Kreis or the Städteregion Aachen.
        Kreis = "kreis" / "Kreis",
        /// A Regierungsbezirk.
        Regierungsbezirk = "regierungsbezirk" / "Regierungsbezirk",
        /// A municipal IT service provider (KDN member).
        ItDienstleister = "it-dienstleister" / "IT-Dienstleister",
        /// A Land ministry or the Staatskanzlei.
        Ministerium = "ministerium" / "Ministerium",
        /// Another public body (d-NRW, LVR, LWL, RKI, associations, federal bodies).
        Einrichtung = "einrichtung" / "Einrichtung",
    }
}

/// Normalises an organisation name for lookup: folded, punctuation dropped, spaces collapsed.
pub fn name_key(s: &str) -> String {
    let f = fold(s);
    let mut out = String::with_capacity(f.len());
    for w in f
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// The outcome of resolving a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Exactly one organisation.
    Found(usize),
    /// Several organisations fit; the name must be made precise.
    Ambiguous(Vec<usize>),
    /// No organisation fits.
    Unknown,
}

/// Name → organisation index, built from names, short names and aliases.
///
/// Rules, in order: the exact normalised name or alias; "Stadt X"/"Gemeinde X" → the Gemeinde X;
/// "Kreis X" → the Kreis X; a bare "X" → the Gemeinde X, else the Kreis X.
#[derive(Debug, Default, Clone)]
pub struct OrgDirectory {
    exact: HashMap<String, Vec<usize>>,
    gemeinde: HashMap<String, Vec<usize>>,
    kreis: HashMap<String, Vec<usize>>,
}

impl OrgDirectory {
    /// Registers an organisation under its names. `base` is the plain place name for Gemeinden
    /// and Kreise ("Gütersloh"), used by the "Stadt X"/"Kreis X"/bare rules.
    pub fn add(&mut self, idx: usize, art: OrgArt, names: &[&str], base: Option<&str>) {
        for n in names {
            let k = name_key(n);
            let v = self.exact.entry(k).or_default();
            if !v.contains(&idx) {
                v.push(idx);
            }
        }
        if let Some(b) = base {
            let map = match art {
                OrgArt::Gemeinde | OrgArt::KreisfreieStadt => &mut self.gemeinde,
                OrgArt::Kreis => &mut self.kreis,
                _ => return,
            };
            let v = map.entry(name_key(b)).or_default();
            if !v.contains(&idx) {
                v.push(idx);
            }
        }
    }

    /// Resolves a name as the plan writes it.
    pub fn resolve(&self, name: &str) -> Resolution {
        let k = name_key(name);
        let pick = |v: Option<&Vec<usize>>| match v.map(Vec::as_slice) {
            Some([one]) => Some(Resolution::Found(*one)),
            Some(many) if many.len() > 1 => Some(Resolution::Ambiguous(many.to_vec())),
            _ => None,
        };
        if let Some(r) = pick(self.exact.get(&k)) {
            return r;
        }
        for prefix in ["stadt ", "gemeinde ", "hansestadt "] {
            if let Some(rest) = k.strip_prefix(prefix)
                && let Some(r) = pick(self.gemeinde.get(rest))
            {
                return r;
            }
        }
        for prefix in ["kreis ", "landkreis "] {
            if let Some(rest) = k.strip_prefix(prefix)
                && let Some(r) = pick(self.kreis.get(rest))
            {
                return r;
            }
        }
        pick(self.gemeinde.get(&k))
            .or_else(|| pick(self.kreis.get(&k)))
            .unwrap_or(Resolution::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> OrgDirectory {
        let mut d = OrgDirectory::default();
        d.add(
            0,
            OrgArt::Gemeinde,
            &["Gütersloh", "Gütersloh, Stadt"],
            Some("Gütersloh"),
        );
        d.add(1, OrgArt::Kreis, &["Kreis Gütersloh"], Some("Gütersloh"));
        d.add(
            2,
            OrgArt::KreisfreieStadt,
            &["Mülheim an der Ruhr", "Mühlheim a. d. Ruhr"],
            Some("Mülheim an der Ruhr"),
        );
        d.add(
            3,
            OrgArt::ItDienstleister,
            &["Südwestfalen-IT", "SIT"],
            None,
        );
        d.add(
            4,
            OrgArt::Kreis,
            &["Rhein-Kreis Neuss", "Kreis Neuss"],
            Some("Neuss"),
        );
        d.add(5, OrgArt::Gemeinde, &["Neuss"], Some("Neuss"));
        d
    }

    #[test]
    fn plan_spellings_resolve() {
        let d = dir();
        assert_eq!(d.resolve("Stadt Gütersloh"), Resolution::Found(0));
        assert_eq!(d.resolve("Gütersloh"), Resolution::Found(0));
        assert_eq!(d.resolve("Gutersloh"), Resolution::Found(0));
        assert_eq!(d.resolve("Kreis Gütersloh"), Resolution::Found(1));
        assert_eq!(d.resolve("Mühlheim a. d. Ruhr"), Resolution::Found(2));
        assert_eq!(d.resolve("SIT"), Resolution::Found(3));
        assert_eq!(d.resolve("Kreis Neuss"), Resolution::Found(4));
        assert_eq!(d.resolve("Neuss"), Resolution::Found(5));
        assert_eq!(d.resolve("Atlantis"), Resolution::Unknown);
    }

    #[test]
    fn ambiguous_alias_reported() {
        let mut d = dir();
        d.add(6, OrgArt::Einrichtung, &["SIT"], None);
        assert_eq!(d.resolve("SIT"), Resolution::Ambiguous(vec![3, 6]));
    }
}

//! Random but realistic markets for tests and benchmarks.

use crate::engine::SplitMix64;
use crate::model::*;
use serde::{Deserialize, Serialize};

/// Parameters of [`generate`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GenerateParams {
    pub children: usize,
    pub kitas: usize,
    /// Wishes per child (capped at the number of Kitas).
    pub wishes: usize,
    /// Total places / children (≈ 0.75: scarce places).
    pub capacity_ratio: f64,
    pub seed: u64,
    pub kita_year: i32,
}

impl Default for GenerateParams {
    fn default() -> Self {
        GenerateParams {
            children: 1000,
            kitas: 50,
            wishes: 5,
            capacity_ratio: 0.75,
            seed: 1,
            kita_year: 2025,
        }
    }
}

/// Criteria of generated markets: (id, label).
pub const GENERATED_CRITERIA: [(&str, &str); 6] = [
    ("haertefall", "Härtefall"),
    ("geschwister", "Geschwisterkind"),
    ("wohnort", "Wohnort in der Gemeinde"),
    ("rechtsanspruch", "Rechtsanspruch"),
    ("berufstaetig", "Eltern berufstätig/in Ausbildung"),
    ("wartezeit", "Wartezeit (Monate)"),
];

fn pick(rng: &mut SplitMix64, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.next_f64() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// Generates a market: Kitas on a ring with skewed popularity (Pareto-like), children wish
/// nearby Kitas weighted by popularity, age mix U2 20 % / U3 20 % / Ü3 60 %, hours mix
/// 25 h 20 % / 35 h 35 % / 45 h 45 %, total capacity ≈ `capacity_ratio` × children,
/// split over age groups and hours like demand. Deterministic in `params.seed`.
pub fn generate(params: &GenerateParams) -> Market {
    let mut rng = SplitMix64::new(params.seed ^ 0x4b49_5441_4745_4e31);
    let nk = params.kitas.max(1);
    let n = params.children;
    let year = params.kita_year;
    let criteria: Vec<Criterion> = GENERATED_CRITERIA
        .iter()
        .map(|(id, label)| Criterion {
            id: id.to_string(),
            label: label.to_string(),
        })
        .collect();

    // popularity and size
    let popularity: Vec<f64> = (0..nk)
        .map(|_| (1.0 - rng.next_f64()).powf(-0.6).min(30.0))
        .collect();
    let size: Vec<f64> = popularity
        .iter()
        .map(|p| p.sqrt() * (0.6 + 0.8 * rng.next_f64()))
        .collect();
    let size_total: f64 = size.iter().sum();
    let places_total = (params.capacity_ratio * n as f64).round() as usize;
    let age_mix = [0.2, 0.2, 0.6];
    let hours_mix = [0.2, 0.35, 0.45];
    let mut kitas: Vec<Kita> = (0..nk)
        .map(|k| Kita {
            id: format!("KITA-{:05}", k + 1),
            name: format!("Kita {}", k + 1),
            capacity: [[0; 3]; 3],
            rules: Vec::new(),
        })
        .collect();
    // distribute places: each place goes to a Kita by size, then to an age group / hours by mix
    let mut cum = Vec::with_capacity(nk);
    let mut acc = 0.0;
    for s in &size {
        acc += s;
        cum.push(acc);
    }
    for _ in 0..places_total {
        let x = rng.next_f64() * size_total;
        let k = cum.partition_point(|&c| c <= x).min(nk - 1);
        let a = pick(&mut rng, &age_mix);
        let h = pick(&mut rng, &hours_mix);
        kitas[k].capacity[a][h] += 1;
    }
    // priority rules: a common order with local variations
    for kita in &mut kitas {
        let mut order: Vec<u16> = (0..6).collect();
        if rng.next_f64() < 0.3 {
            let i = 1 + rng.below(4) as usize;
            order.swap(i, i + 1);
        }
        if rng.next_f64() < 0.2 {
            order.remove(3); // no entitlement criterion
        }
        kita.rules = order
            .into_iter()
            .map(|c| Rule {
                criterion: c,
                order: Order::Desc,
            })
            .collect();
    }

    // wish sampling: popularity prefix sums over a doubled ring
    let mut pref = Vec::with_capacity(2 * nk + 1);
    pref.push(0.0);
    for i in 0..2 * nk {
        let last = *pref.last().unwrap();
        pref.push(last + popularity[i % nk]);
    }
    let window = (nk / 2).clamp(1, 40);
    let wishes_per = params.wishes.min(nk);
    let reference = Date {
        year,
        month: 8,
        day: 1,
    }
    .to_days();
    let mut children = Vec::with_capacity(n);
    let mut wishes = Vec::with_capacity(n * wishes_per);
    let mut values = vec![0i32; n * criteria.len()];
    let mut kita_values = Vec::new();
    let mut chosen: Vec<u32> = Vec::with_capacity(wishes_per);
    for c in 0..n {
        let a = pick(&mut rng, &age_mix);
        let (lo, hi) = match a {
            0 => (300i64, 730),   // about 10 months to 2 years
            1 => (731, 1095),     // 2 to under 3
            _ => (1096, 6 * 365), // 3 to school
        };
        let age_days = lo + rng.below((hi - lo) as u64) as i64;
        let birth = Date::from_days(reference - age_days);
        let age_group = AgeGroup::from_age(birth.age_on(Date::from_days(reference)))
            .unwrap_or(AgeGroup::from_index(a));
        let hours = Hours::from_index(pick(&mut rng, &hours_mix));
        let start_month = if rng.next_f64() < 0.7 {
            YearMonth { year, month: 8 }
        } else {
            let m = rng.below(12) as u8; // 0 = August
            let month = (8 + m - 1) % 12 + 1;
            YearMonth {
                year: if month >= 8 { year } else { year + 1 },
                month,
            }
        };
        // wishes near a home position
        let home = rng.below(nk as u64) as usize;
        let lo_i = home + nk - window.min(nk - 1);
        let hi_i = (home + nk + window).min(2 * nk - 1);
        let (plo, phi) = (pref[lo_i], pref[hi_i + 1]);
        chosen.clear();
        let mut guard = 0;
        while chosen.len() < wishes_per && guard < 1000 {
            guard += 1;
            let x = plo + rng.next_f64() * (phi - plo);
            let i = (pref.partition_point(|&p| p <= x) - 1).clamp(lo_i, hi_i);
            let k = (i % nk) as u32;
            if !chosen.contains(&k) {
                chosen.push(k);
            }
        }
        let wish_start = wishes.len() as u32;
        for &k in &chosen {
            let h = if rng.next_f64() < 0.05 {
                Some(Hours::from_index(rng.below(3) as usize)).filter(|&x| x != hours)
            } else {
                None
            };
            wishes.push(Wish { kita: k, hours: h });
        }
        let row = &mut values[c * 6..c * 6 + 6];
        row[0] = i32::from(rng.next_f64() < 0.02);
        row[2] = i32::from(rng.next_f64() < 0.9);
        row[3] = i32::from(age_days >= 365);
        row[4] = i32::from(rng.next_f64() < 0.65);
        row[5] = rng.below(25) as i32;
        if !chosen.is_empty() && rng.next_f64() < 0.12 {
            let k = chosen[rng.below(chosen.len() as u64) as usize];
            kita_values.push(KitaValue {
                child: c as u32,
                kita: k,
                criterion: 1,
                value: 1,
            });
        }
        children.push(Child {
            id: format!("KIND-{:06}", c + 1),
            birth_date: birth,
            start_month,
            hours,
            age_group,
            wish_start,
            wish_len: chosen.len() as u32,
        });
    }
    Market {
        kita_year: year,
        criteria,
        kitas,
        children,
        wishes,
        values,
        kita_values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_market_is_valid_and_deterministic() {
        let p = GenerateParams {
            children: 2000,
            kitas: 80,
            ..GenerateParams::default()
        };
        let m = generate(&p);
        assert_eq!(m, generate(&p));
        // survives a JSON round trip through validation
        let back = crate::parse_market_json(&crate::market_to_json(&m)).unwrap();
        assert_eq!(back, m);
        let places: u32 = m.kitas.iter().map(Kita::total_capacity).sum();
        assert_eq!(places, 1500);
        assert!(m.children.iter().all(|c| c.wish_len == 5));
        let ue3 = m
            .children
            .iter()
            .filter(|c| c.age_group == AgeGroup::Ue3)
            .count();
        assert!((1000..1400).contains(&ue3), "{ue3}");
    }
}

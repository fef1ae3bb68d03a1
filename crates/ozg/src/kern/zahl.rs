//! Numbers as German readers write them: 5.251 (thousands with a dot), 52,092 (decimal comma).

/// A whole number with thousands separators: `5251` → `5.251`, `-1234567` → `-1.234.567`.
pub fn zahl_de(n: impl std::borrow::Borrow<i64>) -> String {
    let n = *n.borrow();
    let ziffern = n.unsigned_abs().to_string();
    let mut aus = String::with_capacity(ziffern.len() + ziffern.len() / 3 + 1);
    if n < 0 {
        aus.push('-');
    }
    for (i, c) in ziffern.chars().enumerate() {
        if i > 0 && (ziffern.len() - i).is_multiple_of(3) {
            aus.push('.');
        }
        aus.push(c);
    }
    aus
}

/// A decimal number with `stellen` places and a decimal comma (thousands separated):
/// `52.0917, 3` → `52,092`.
pub fn dezimal_de(x: impl std::borrow::Borrow<f64>, stellen: usize) -> String {
    let x = *x.borrow();
    let text = format!("{:.*}", stellen, x.abs());
    let (ganz, rest) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let ganz = zahl_de(ganz.parse::<i64>().unwrap_or(0));
    let vorzeichen = if x < 0.0 && text.chars().any(|c| ('1'..='9').contains(&c)) {
        "-"
    } else {
        ""
    };
    if rest.is_empty() {
        format!("{vorzeichen}{ganz}")
    } else {
        format!("{vorzeichen}{ganz},{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn beispiele() {
        assert_eq!(zahl_de(0), "0");
        assert_eq!(zahl_de(999), "999");
        assert_eq!(zahl_de(5251), "5.251");
        assert_eq!(zahl_de(1_234_567), "1.234.567");
        assert_eq!(zahl_de(-1000), "-1.000");
        assert_eq!(zahl_de(i64::MIN), "-9.223.372.036.854.775.808");
        assert_eq!(dezimal_de(52.0917, 3), "52,092");
        assert_eq!(dezimal_de(7.5, 0), "8");
        assert_eq!(dezimal_de(-0.0001, 2), "0,00");
        assert_eq!(dezimal_de(1234.5, 1), "1.234,5");
    }

    proptest! {
        #[test]
        fn punkte_weg_gibt_die_zahl(n in any::<i64>()) {
            let t = zahl_de(n);
            prop_assert_eq!(t.replace('.', "").parse::<i64>().unwrap(), n);
            for gruppe in t.trim_start_matches('-').split('.').skip(1) {
                prop_assert_eq!(gruppe.len(), 3);
            }
        }
    }
}

//! German messages for the errors of the parsers we use (serde, toml, csv, serde_json), whose
//! own messages are English: a data file or upload that is refused must say why in German.
//!
//! [`deutsch`] recognises the messages these crates write and rewrites them; what it does not
//! recognise becomes a general German statement, never the English original.

/// The German form of a parser's error message (`meldung` without position: callers add the
/// file and line themselves).
pub fn deutsch(meldung: &str) -> String {
    let m = meldung.trim();
    // csv wraps serde messages: "CSV deserialize error: record 3 (line: 4, byte: 100): …"
    if let Some(rest) = m.split_once("): ").map(|(_, r)| r)
        && m.starts_with("CSV deserialize error")
    {
        return deutsch(rest);
    }
    // serde_json appends " at line L column C"; the caller names the position.
    let m = match m.rfind(" at line ") {
        Some(i) if m[i..].contains(" column ") => &m[..i],
        _ => m,
    };
    let zitat = |praefix: &str| -> Option<(String, &str)> {
        let rest = m.strip_prefix(praefix)?;
        let (name, danach) = rest.split_once('`')?;
        Some((name.to_owned(), danach))
    };
    if let Some((n, _)) = zitat("missing field `") {
        return format!("Angabe „{n}“ fehlt");
    }
    if let Some((n, danach)) = zitat("unknown field `") {
        return format!("unbekannte Angabe „{n}“{}", erlaubt(danach));
    }
    if let Some((n, danach)) = zitat("unknown variant `") {
        return format!("unbekannter Wert „{n}“{}", erlaubt(danach));
    }
    if let Some((n, _)) = zitat("duplicate field `").or_else(|| zitat("duplicate key `")) {
        return format!("„{n}“ ist doppelt angegeben");
    }
    if m.starts_with("duplicate key") {
        return "ein Schlüssel ist doppelt angegeben".into();
    }
    if let Some(rest) = m.strip_prefix("invalid type: ")
        && let Some((ist, soll)) = rest.split_once(", expected ")
    {
        return format!("falscher Typ: {} statt {}", typ(ist), typ(soll));
    }
    if let Some(rest) = m.strip_prefix("invalid value: ")
        && let Some((ist, soll)) = rest.split_once(", expected ")
    {
        return format!("ungültiger Wert: {} statt {}", typ(ist), typ(soll));
    }
    if let Some(rest) = m.strip_prefix("invalid length ")
        && let Some((n, _)) = rest.split_once(',')
    {
        return format!("falsche Anzahl von Einträgen ({n})");
    }
    if m.starts_with("found record with")
        && let Some((a, b)) = zahlen_paar(m)
    {
        return format!("die Zeile hat {a} Felder, die Zeile davor {b}");
    }
    if m.contains("EOF while parsing") || m.contains("unexpected end") || m.contains("unclosed") {
        return "die Datei endet mitten in einer Angabe (etwas ist nicht geschlossen)".into();
    }
    if m.contains("invalid unicode") || m.contains("invalid UTF-8") || m.contains("utf-8") {
        return "ungültige Zeichenkodierung (erwartet wird UTF-8)".into();
    }
    if m.contains("control character") {
        return "Steuerzeichen sind an dieser Stelle nicht erlaubt".into();
    }
    if m.contains("trailing") {
        return "nach dem Ende der Angabe folgen weitere Zeichen".into();
    }
    if m.contains("recursion limit") {
        return "zu tief verschachtelt".into();
    }
    if m.contains("number out of range") || m.contains("out of range") {
        return "die Zahl liegt außerhalb des erlaubten Bereichs".into();
    }
    if let Some(i) = m.find("expected ") {
        let erwartet = m[i + "expected ".len()..].lines().next().unwrap_or("");
        return format!("ungültige Schreibweise; erwartet wird {}", typ(erwartet));
    }
    "ungültige Schreibweise".into()
}

/// "`a`, `b`" or "one of `a`, `b`" after "expected" → "; erlaubt: a, b".
fn erlaubt(danach: &str) -> String {
    let Some(i) = danach.find("expected") else {
        return String::new();
    };
    let namen: Vec<&str> = danach[i..].split('`').skip(1).step_by(2).collect();
    if namen.is_empty() {
        String::new()
    } else {
        format!("; erlaubt: {}", namen.join(", "))
    }
}

/// The kinds of value in serde's and toml's messages, in German; quoted values kept.
fn typ(s: &str) -> String {
    const WOERTER: [(&str, &str); 24] = [
        ("a borrowed string", "Text"),
        ("a string", "Text"),
        ("string", "Text"),
        ("an integer", "ganze Zahl"),
        ("integer", "ganze Zahl"),
        ("a boolean", "Wahrheitswert"),
        ("boolean", "Wahrheitswert"),
        ("a float", "Kommazahl"),
        ("floating point", "Kommazahl"),
        ("float", "Kommazahl"),
        ("a sequence", "Liste"),
        ("sequence", "Liste"),
        ("an array", "Liste"),
        ("array", "Liste"),
        ("a map", "Tabelle"),
        ("map", "Tabelle"),
        ("a table", "Tabelle"),
        ("table", "Tabelle"),
        ("struct", "Tabelle"),
        ("unit value", "leerer Wert"),
        ("null", "leerer Wert"),
        ("a character", "Zeichen"),
        ("char", "Zeichen"),
        ("a datetime", "Datum"),
    ];
    // Quoted parts (`x` or "x") stay as they are; only the words around them change.
    let mut aus = String::new();
    for (i, teil) in s.split('`').enumerate() {
        if i % 2 == 1 {
            aus.push('„');
            aus.push_str(teil);
            aus.push('“');
            continue;
        }
        let mut t = teil.to_owned();
        for (en, de) in WOERTER {
            t = t.replace(en, de);
        }
        for (en, de) in [
            (" or ", " oder "),
            ("one of", "eins von"),
            ("expected", "erwartet"),
            ("u8", "Zahl"),
            ("u16", "Zahl"),
            ("u32", "Zahl"),
            ("u64", "Zahl"),
            ("i32", "Zahl"),
            ("i64", "Zahl"),
            ("f64", "Kommazahl"),
            ("an ", ""),
            ("a ", ""),
        ] {
            t = t.replace(en, de);
        }
        aus.push_str(&t);
    }
    aus.trim().to_owned()
}

/// The first two numbers in `s`.
fn zahlen_paar(s: &str) -> Option<(u64, u64)> {
    let mut z = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty())
        .filter_map(|t| t.parse().ok());
    Some((z.next()?, z.next()?))
}

/// Whether `s` still reads like one of the parsers' English messages (for tests).
pub fn klingt_englisch(s: &str) -> bool {
    const ENGLISCH: [&str; 14] = [
        "expected",
        "invalid",
        "missing",
        "unknown",
        "field",
        "found ",
        "record",
        "duplicate",
        "EOF",
        "unexpected",
        "while parsing",
        "error",
        " line ",
        "column",
    ];
    ENGLISCH.iter().any(|w| s.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Zeile {
        name: String,
        anzahl: u32,
        #[serde(default)]
        art: Option<Art>,
    }
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Art {
        Kreis,
        Gemeinde,
    }

    fn alle(text: &str) -> Vec<String> {
        let mut m = Vec::new();
        if let Err(e) = toml::from_str::<Zeile>(text) {
            m.push(e.message().to_owned());
        }
        if let Err(e) = serde_json::from_str::<Zeile>(text) {
            m.push(e.to_string());
        }
        let mut r = csv::Reader::from_reader(text.as_bytes());
        for z in r.deserialize::<Zeile>() {
            if let Err(e) = z {
                m.push(e.to_string());
            }
        }
        m
    }

    #[test]
    fn bekannte_meldungen() {
        assert_eq!(deutsch("missing field `name`"), "Angabe „name“ fehlt");
        assert_eq!(
            deutsch("unknown field `nmae`, expected `name` or `anzahl`"),
            "unbekannte Angabe „nmae“; erlaubt: name, anzahl"
        );
        assert_eq!(
            deutsch("invalid type: string \"x\", expected u32 at line 1 column 20"),
            "falscher Typ: Text \"x\" statt Zahl"
        );
        assert_eq!(
            deutsch("found record with 3 fields, but the previous record has 2 fields"),
            "die Zeile hat 3 Felder, die Zeile davor 2"
        );
    }

    #[test]
    fn echte_fehler_der_parser() {
        for text in [
            "name = \"a\"\nanzahl = \"x\"",
            "name = \"a\"",
            "name = \"a\"\nanzahl = 1\nfarbe = 2",
            "name = \"a\"\nname = \"b\"\nanzahl = 1",
            "name = \"a\"\nanzahl = 1\nart = \"stadt\"",
            "name = \"a",
            "[x\n",
            "{\"name\": \"a\", \"anzahl\": -1}",
            "{\"name\": \"a\"",
            "name,anzahl\na,1,2\n",
            "name,anzahl\na,x\n",
            "\u{1}",
        ] {
            for m in alle(text) {
                let d = deutsch(&m);
                assert!(!klingt_englisch(&d), "{text:?}: {m:?} → {d:?}");
            }
        }
    }

    proptest! {
        /// Whatever the parsers say about arbitrary text, the German form reads German.
        #[test]
        fn nie_englisch(text in ".{0,80}", roh in proptest::collection::vec(any::<u8>(), 0..80)) {
            for t in [text, String::from_utf8_lossy(&roh).into_owned()] {
                for m in alle(&t) {
                    let d = deutsch(&m);
                    prop_assert!(!klingt_englisch(&d), "{:?} → {:?}", m, d);
                }
            }
        }
    }
}

//! Checks for uploaded attachments (Steckbrief attachments, photo protocols of workshops):
//! size limit, file type recognised by content, and a file name safe to send back in a
//! `Content-Disposition` header. Pure: the application reads the upload and asks these
//! functions.

/// Largest attachment accepted, in bytes (10 MB).
pub const ANHANG_MAX_BYTES: usize = 10 * 1024 * 1024;

/// Bytes of one megabyte as the messages count them.
const MB: usize = 1024 * 1024;

/// Longest cleaned file name, extension included, in characters.
const NAME_MAX_ZEICHEN: usize = 80;

crate::schluessel! {
    /// The file types an attachment may have.
    pub enum Dateiart: "keine Dateiart" {
        /// PDF document.
        Pdf = "pdf" / "PDF",
        /// PNG image.
        Png = "png" / "PNG-Bild",
        /// JPEG image.
        Jpeg = "jpeg" / "JPEG-Bild",
        /// WebP image.
        Webp = "webp" / "WebP-Bild",
    }
}

impl Dateiart {
    /// MIME type for the `Content-Type` header.
    pub fn mime(self) -> &'static str {
        match self {
            Dateiart::Pdf => "application/pdf",
            Dateiart::Png => "image/png",
            Dateiart::Jpeg => "image/jpeg",
            Dateiart::Webp => "image/webp",
        }
    }

    /// File name extension, without the dot.
    pub fn endung(self) -> &'static str {
        match self {
            Dateiart::Pdf => "pdf",
            Dateiart::Png => "png",
            Dateiart::Jpeg => "jpg",
            Dateiart::Webp => "webp",
        }
    }

    /// Whether the type is an image (may be shown inline, e.g. in a photo protocol).
    pub fn ist_bild(self) -> bool {
        !matches!(self, Dateiart::Pdf)
    }
}

/// Recognises the file type by its magic bytes only, never by a name.
pub fn erkennen(bytes: &[u8]) -> Option<Dateiart> {
    if bytes.starts_with(b"%PDF-") {
        Some(Dateiart::Pdf)
    } else if bytes.starts_with(&[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(Dateiart::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Dateiart::Jpeg)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(Dateiart::Webp)
    } else {
        None
    }
}

/// Formats a byte count in MB with one decimal (German decimal comma), rounded up so that a
/// file just over the limit never reads as exactly the limit.
fn mb(bytes: usize) -> String {
    let zehntel = (bytes as u128 * 10).div_ceil(MB as u128);
    format!("{},{} MB", zehntel / 10, zehntel % 10)
}

/// The base name of an uploaded name: everything after the last `/` or `\`.
fn basisname(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// Checks an upload: not empty, at most [`ANHANG_MAX_BYTES`], and of a type in `erlaubt`,
/// recognised by content. `dateiname` is used only in the messages. Returns the type.
pub fn pruefen(dateiname: &str, bytes: &[u8], erlaubt: &[Dateiart]) -> Result<Dateiart, String> {
    pruefen_anfang(dateiname, bytes.len(), bytes, erlaubt)
}

/// [`pruefen`] for a file that is not in memory: its size and its first bytes (16 suffice).
pub fn pruefen_anfang(
    dateiname: &str,
    groesse: usize,
    anfang: &[u8],
    erlaubt: &[Dateiart],
) -> Result<Dateiart, String> {
    let name = basisname(dateiname).trim();
    if groesse == 0 {
        return Err(format!("Die Datei „{name}“ ist leer."));
    }
    if groesse > ANHANG_MAX_BYTES {
        return Err(format!(
            "Die Datei „{name}“ ist {} groß; erlaubt sind höchstens {} MB.",
            mb(groesse),
            ANHANG_MAX_BYTES / MB
        ));
    }
    let mut zulaessig: Vec<&str> = Vec::new();
    for d in erlaubt {
        if !zulaessig.contains(&d.label()) {
            zulaessig.push(d.label());
        }
    }
    let hinweis = "Die Dateiart wird am Inhalt der Datei erkannt, nicht am Dateinamen.";
    if zulaessig.is_empty() {
        return Err(format!(
            "Die Datei „{name}“ kann hier nicht hochgeladen werden: es sind keine Anhänge erlaubt."
        ));
    }
    let erlaubt_text = format!("erlaubt sind nur {}", zulaessig.join(", "));
    match erkennen(anfang) {
        Some(art) if erlaubt.contains(&art) => Ok(art),
        Some(art) => Err(format!(
            "Die Datei „{name}“ ist ein {}; hier {erlaubt_text}. {hinweis}",
            art.label()
        )),
        None => Err(format!(
            "Die Datei „{name}“ hat keine erkennbare erlaubte Dateiart; {erlaubt_text}. {hinweis}"
        )),
    }
}

/// Whether `s` looks like a file extension that should be replaced: 1 to 5 ASCII letters or
/// digits, at least one letter (so that "Protokoll 2024.03.15" keeps its date).
fn sieht_wie_endung_aus(s: &str) -> bool {
    (1..=5).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_alphanumeric())
        && s.chars().any(|c| c.is_ascii_alphabetic())
}

/// A file name safe for storage and the `Content-Disposition` header: the base name only
/// (any path with `/` or `\` stripped), letters (umlauts included), digits, `-`, `_` and `.`
/// kept, spaces turned into `_`, everything else dropped, no leading dots, at most 80
/// characters; "anhang" when nothing is left. The extension is forced to [`Dateiart::endung`]:
/// a wrong one is replaced, a missing one added.
pub fn dateiname_bereinigen(name: &str, art: Dateiart) -> String {
    let sauber: String = basisname(name)
        .chars()
        .filter_map(|c| {
            if c.is_alphabetic() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.') {
                Some(c)
            } else if c == ' ' || (c.is_whitespace() && !c.is_control()) {
                Some('_')
            } else {
                None
            }
        })
        .collect();
    let stamm = match sauber.rsplit_once('.') {
        Some((stamm, endung)) if sieht_wie_endung_aus(endung) => stamm,
        _ => sauber.as_str(),
    };
    let endung = art.endung();
    let platz = NAME_MAX_ZEICHEN - 1 - endung.len();
    let gekuerzt: String = stamm.trim_matches('.').chars().take(platz).collect();
    let gekuerzt = gekuerzt.trim_end_matches('.');
    let stamm = if gekuerzt.is_empty() {
        "anhang"
    } else {
        gekuerzt
    };
    format!("{stamm}.{endung}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PDF: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";
    const PNG: &[u8] = &[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F'];
    const WEBP: &[u8] = b"RIFF\x24\x00\x00\x00WEBPVP8 ";

    #[test]
    fn keys_labels_and_parse() {
        for d in Dateiart::ALL {
            assert_eq!(Dateiart::parse(d.key()), Ok(d));
        }
        assert!(
            Dateiart::parse("gif")
                .unwrap_err()
                .contains("pdf, png, jpeg, webp")
        );
        assert_eq!(Dateiart::Jpeg.endung(), "jpg");
        assert_eq!(Dateiart::Webp.mime(), "image/webp");
        assert!(!Dateiart::Pdf.ist_bild());
        assert!(Dateiart::Png.ist_bild() && Dateiart::Jpeg.ist_bild() && Dateiart::Webp.ist_bild());
    }

    #[test]
    fn recognises_by_magic_bytes() {
        assert_eq!(erkennen(PDF), Some(Dateiart::Pdf));
        assert_eq!(erkennen(PNG), Some(Dateiart::Png));
        assert_eq!(erkennen(JPEG), Some(Dateiart::Jpeg));
        assert_eq!(erkennen(WEBP), Some(Dateiart::Webp));
        assert_eq!(erkennen(b""), None);
        assert_eq!(erkennen(b"%PDF"), None);
        assert_eq!(erkennen(b"RIFF\x24\x00\x00\x00WAVEfmt "), None);
        assert_eq!(erkennen(b"RIFF\x24\x00\x00\x00WEB"), None);
        assert_eq!(erkennen(b"<html>%PDF-"), None);
        assert_eq!(erkennen(b"GIF89a"), None);
    }

    #[test]
    fn empty_and_too_large() {
        let alle = Dateiart::ALL;
        assert_eq!(
            pruefen("C:\\Users\\x\\bericht.pdf", b"", &alle).unwrap_err(),
            "Die Datei „bericht.pdf“ ist leer."
        );
        let mut gross = PDF.to_vec();
        gross.resize(12_897_484, b' ');
        let err = pruefen("gross.pdf", &gross, &alle).unwrap_err();
        assert!(err.contains("12,3 MB"), "{err}");
        assert!(err.contains("höchstens 10 MB"), "{err}");
        let mut knapp = PDF.to_vec();
        knapp.resize(ANHANG_MAX_BYTES + 1, b' ');
        assert!(
            pruefen("knapp.pdf", &knapp, &alle)
                .unwrap_err()
                .contains("10,1 MB")
        );
        knapp.truncate(ANHANG_MAX_BYTES);
        assert_eq!(pruefen("knapp.pdf", &knapp, &alle), Ok(Dateiart::Pdf));
    }

    #[test]
    fn type_is_checked_by_content() {
        let bilder = [Dateiart::Png, Dateiart::Jpeg, Dateiart::Webp];
        assert_eq!(pruefen("foto.pdf", JPEG, &bilder), Ok(Dateiart::Jpeg));
        let err = pruefen("foto.png", PDF, &bilder).unwrap_err();
        assert!(err.contains("ist ein PDF"), "{err}");
        assert!(err.contains("nur PNG-Bild, JPEG-Bild, WebP-Bild"), "{err}");
        assert!(err.contains("am Inhalt"), "{err}");
        let err = pruefen("virus.pdf", b"MZ\x90\x00", &Dateiart::ALL).unwrap_err();
        assert!(
            err.contains("nur PDF, PNG-Bild, JPEG-Bild, WebP-Bild"),
            "{err}"
        );
        assert!(err.contains("nicht am Dateinamen"), "{err}");
        assert!(
            pruefen("x.pdf", PDF, &[])
                .unwrap_err()
                .contains("keine Anhänge")
        );
        let err = pruefen("x.gif", b"GIF89a", &[Dateiart::Pdf, Dateiart::Pdf]).unwrap_err();
        assert!(err.contains("nur PDF."), "{err}");
    }

    #[test]
    fn cleans_names() {
        use Dateiart::*;
        assert_eq!(
            dateiname_bereinigen("Bericht März 2024.pdf", Pdf),
            "Bericht_März_2024.pdf"
        );
        assert_eq!(dateiname_bereinigen("../../etc/passwd", Pdf), "passwd.pdf");
        assert_eq!(
            dateiname_bereinigen("C:\\fakepath\\Foto.PNG", Jpeg),
            "Foto.jpg"
        );
        assert_eq!(dateiname_bereinigen("foto.jpeg", Jpeg), "foto.jpg");
        assert_eq!(dateiname_bereinigen("scan", Pdf), "scan.pdf");
        assert_eq!(dateiname_bereinigen(".htaccess", Png), "htaccess.png");
        assert_eq!(dateiname_bereinigen(".pdf", Pdf), "anhang.pdf");
        assert_eq!(dateiname_bereinigen("...", Png), "anhang.png");
        assert_eq!(dateiname_bereinigen("", Webp), "anhang.webp");
        assert_eq!(dateiname_bereinigen("dir/", Webp), "anhang.webp");
        assert_eq!(
            dateiname_bereinigen("a\"b;c\r\nd\u{202E}e%f<g>.pdf", Pdf),
            "abcdefg.pdf"
        );
        assert_eq!(
            dateiname_bereinigen("Protokoll 2024.03.15", Pdf),
            "Protokoll_2024.03.15.pdf"
        );
        assert_eq!(
            dateiname_bereinigen("Straße-Ölweg_1.tar.gz", Pdf),
            "Straße-Ölweg_1.tar.pdf"
        );
        let lang = dateiname_bereinigen(&"ä".repeat(200), Webp);
        assert_eq!(lang.chars().count(), 80);
        assert!(lang.ends_with(".webp"));
        let punkte = dateiname_bereinigen(&format!("{}.abcdefg", "x".repeat(75)), Pdf);
        assert_eq!(punkte, format!("{}.pdf", "x".repeat(75)));
    }

    proptest! {
        #[test]
        fn erkennen_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = erkennen(&bytes);
            let _ = pruefen("x", &bytes, &Dateiart::ALL);
        }

        #[test]
        fn magic_prefix_wins(rest in prop::collection::vec(any::<u8>(), 0..32)) {
            for (kopf, art) in [(PDF, Dateiart::Pdf), (PNG, Dateiart::Png), (JPEG, Dateiart::Jpeg), (WEBP, Dateiart::Webp)] {
                let mut b = kopf.to_vec();
                b.extend_from_slice(&rest);
                prop_assert_eq!(erkennen(&b), Some(art));
            }
        }

        #[test]
        fn cleaned_names_are_safe(
            name in prop_oneof![any::<String>(), "[./\\\\\" \\-_a-zäöüß0-9\\x00-\\x1f\\u{7f}\\u{202e}]{0,200}"],
            art in prop::sample::select(Dateiart::ALL.to_vec()),
        ) {
            let n = dateiname_bereinigen(&name, art);
            prop_assert!(!n.is_empty());
            prop_assert!(!n.contains(['/', '\\', '"']), "{}", n);
            prop_assert!(!n.chars().any(char::is_control), "{}", n);
            prop_assert!(!n.starts_with('.'), "{}", n);
            prop_assert!(n.ends_with(&format!(".{}", art.endung())), "{}", n);
            prop_assert!(n.chars().count() <= 85, "{}", n);
            prop_assert_eq!(dateiname_bereinigen(&n, art), n.clone());
        }
    }
}

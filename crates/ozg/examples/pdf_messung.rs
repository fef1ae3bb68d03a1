//! How long the documents of an Antrag take to set: 200 receipts (3 sections × 6 answers) and
//! 20 case files of about three pages, after one warm-up each; the receipts once on one thread
//! and once on two (the machine's cores), with wall-clock and CPU time (all threads).
//!
//!     cargo run --release -p ozg --example pdf_messung [ANZAHL]

use std::time::Instant;

use ozg::antraege::dokumente::{
    Abschnitt, Akte, Antwort, Eingangsbestaetigung, Nachricht, Verlaufseintrag, akte_pdf,
    eingangsbestaetigung_pdf,
};

fn abschnitte(n: usize, je: usize, k: usize) -> Vec<Abschnitt> {
    (1..=n)
        .map(|a| Abschnitt {
            titel: format!("Abschnitt {a}: Angaben zur Person"),
            antworten: (1..=je)
                .map(|i| Antwort {
                    frage: format!("Frage {a}.{i}: Straße und Hausnummer"),
                    antwort: format!("Müllerstraße {} in 50667 Köln ({k})", i * a),
                })
                .collect(),
        })
        .collect()
}

fn eingang(k: usize) -> Eingangsbestaetigung {
    Eingangsbestaetigung {
        dienst: "Bewohnerparkausweis".into(),
        antragsnummer: format!("BPA-2026-{k:06}"),
        behoerde: "Stadt Köln, Amt für Straßen und Verkehr".into(),
        behoerde_anschrift: vec!["Willy-Brandt-Platz 2".into(), "50679 Köln".into()],
        eingegangen: "04.12.2026, 14:03 Uhr".into(),
        antragsteller: format!("Jürgen Öztürk-Weiß {k}"),
        abschnitte: abschnitte(3, 6, k),
        anlagen: vec!["Nachweis.pdf (1,2 MB)".into()],
        hinweis: "Wir prüfen Ihren Antrag in der Regel innerhalb von zwei Wochen.".into(),
    }
}

fn akte(k: usize) -> Akte {
    let eintrag = |i: usize| Verlaufseintrag {
        zeit: "05.12.2026, 10:00 Uhr".into(),
        wer: "Frau Schäfer (Sachbearbeitung)".into(),
        was: format!("Schritt {i}: Antrag geprüft"),
        warum: "Unterlagen unvollständig".into(),
    };
    Akte {
        dienst: "Bewohnerparkausweis".into(),
        antragsnummer: format!("BPA-2026-{k:06}"),
        behoerde: "Stadt Köln".into(),
        zustand: "in Bearbeitung".into(),
        erstellt: "04.12.2026, 14:03 Uhr".into(),
        abschnitte: abschnitte(3, 10, k),
        anlagen: vec!["Nachweis.pdf (1,2 MB)".into()],
        verlauf: (0..20).map(eintrag).collect(),
        nachrichten: (0..5)
            .map(|i| Nachricht {
                zeit: "05.12.2026, 11:15 Uhr".into(),
                von: "Jürgen Öztürk-Weiß".into(),
                betreff: format!("Rückfrage {i}"),
                text: "Guten Tag,\n\nanbei der Nachweis.".into(),
                anlagen: vec!["Foto.jpg (800 kB)".into()],
            })
            .collect(),
        notizen: vec![eintrag(1)],
    }
}

/// Pages, by `pdfinfo` (poppler-utils), or "?" without it.
fn seiten(pdf: &[u8]) -> String {
    let pfad = std::env::temp_dir().join(format!("pdf_messung_{}.pdf", std::process::id()));
    let n = std::fs::write(&pfad, pdf)
        .ok()
        .and_then(|()| {
            std::process::Command::new("pdfinfo")
                .arg(&pfad)
                .output()
                .ok()
        })
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .find_map(|z| z.strip_prefix("Pages:").map(|n| n.trim().to_owned()))
        });
    let _ = std::fs::remove_file(&pfad);
    n.unwrap_or_else(|| "?".into())
}

/// CPU time of the whole process (all threads, user and system) in milliseconds, from
/// `/proc/self/stat` (clock ticks of 10 ms).
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let felder: Vec<&str> = stat.rsplit(") ").next().unwrap_or("").split(' ').collect();
    let tick = |i: usize| {
        felder
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 14 and 15 of the line (utime, stime) are 11 and 12 after the command name.
    (tick(11) + tick(12)) * 10.0
}

/// Renders `n` receipts on `faeden` threads; prints wall and CPU time per receipt.
fn runde(n: usize, faeden: usize, jetzt: jiff::Timestamp) -> anyhow::Result<()> {
    let (t, c) = (Instant::now(), cpu_ms());
    let bytes: usize = std::thread::scope(|s| {
        let faeden: Vec<_> = (0..faeden)
            .map(|f| {
                s.spawn(move || -> anyhow::Result<usize> {
                    let mut bytes = 0;
                    for k in (1..=n).filter(|k| k % faeden == f) {
                        bytes += eingangsbestaetigung_pdf(&eingang(k), jetzt)?.len();
                    }
                    Ok(bytes)
                })
            })
            .collect();
        faeden
            .into_iter()
            .map(|f| f.join().expect("thread"))
            .sum::<anyhow::Result<usize>>()
    })?;
    let wand = t.elapsed().as_secs_f64() * 1e3 / n as f64;
    let cpu = (cpu_ms() - c) / n as f64;
    println!(
        "Eingangsbestätigung, {n} Stück auf {faeden} {}: {wand:.2} ms je PDF (Wanduhr, {:.0}/s), {cpu:.2} ms CPU je PDF, {} Bytes im Mittel",
        if faeden == 1 { "Faden" } else { "Fäden" },
        1e3 / wand,
        bytes / n
    );
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(hwm) = status.lines().find(|l| l.starts_with("VmHWM")) {
        println!(
            "Speicher höchstens: {}",
            hwm.trim_start_matches("VmHWM:").trim()
        );
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let jetzt = jiff::Timestamp::now();

    let t = Instant::now();
    let erste = eingangsbestaetigung_pdf(&eingang(0), jetzt)?;
    println!(
        "Eingangsbestätigung, erste (mit Schriften laden): {:.1} ms, {} Bytes",
        t.elapsed().as_secs_f64() * 1e3,
        erste.len()
    );

    runde(n, 1, jetzt)?;
    runde(n, 2, jetzt)?;

    let m = n / 10;
    let probe = akte_pdf(&akte(0), jetzt)?;
    let (t, c) = (Instant::now(), cpu_ms());
    for k in 1..=m {
        akte_pdf(&akte(k), jetzt)?;
    }
    let ms = t.elapsed().as_secs_f64() * 1e3 / m as f64;
    let cpu = (cpu_ms() - c) / m as f64;
    println!(
        "Akte ({} Seiten): {m} Stück, {ms:.2} ms je PDF (Wanduhr), {cpu:.2} ms CPU je PDF, {} Bytes",
        seiten(&probe),
        probe.len()
    );
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(hwm) = status.lines().find(|l| l.starts_with("VmHWM")) {
        println!(
            "Speicher höchstens: {}",
            hwm.trim_start_matches("VmHWM:").trim()
        );
    }
    Ok(())
}

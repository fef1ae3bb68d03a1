//! `ozg kita …`: the shell front end of the Kita allocation engine (crate `kita-alloc`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use kita_alloc::{GenerateParams, Options};

/// Kita subcommands.
#[derive(Subcommand, Debug)]
pub enum KitaCommand {
    /// Vergibt Plätze: kindvorschlagendes Deferred Acceptance mit Losnummern aus dem Seed.
    Match {
        /// Markt als JSON oder CSV (Endung .csv).
        #[arg(long)]
        input: PathBuf,
        /// Seed für die Losnummern (wird im Ergebnis festgehalten).
        #[arg(long)]
        seed: u64,
        /// Ergebnisdatei (JSON).
        #[arg(long)]
        output: PathBuf,
        /// Ohne Begründungen je Kind (schneller, weniger Speicher).
        #[arg(long)]
        ohne_begruendungen: bool,
        /// Ohne Vergleich mit dem kitavorschlagenden Verfahren.
        #[arg(long)]
        ohne_vergleich: bool,
    },
    /// Folgerunde: verarbeitet Zusagen und Absagen und vergibt frei gewordene Plätze.
    Folgerunde {
        /// Markt (wie bei `match`).
        #[arg(long)]
        input: PathBuf,
        /// Ergebnis der vorigen Runde (JSON).
        #[arg(long)]
        vorher: PathBuf,
        /// Rückmeldungen der Eltern: {"K1": "angenommen" | "abgelehnt" | "abgelehnt_warten"}.
        #[arg(long)]
        rueckmeldungen: PathBuf,
        /// Ergebnisdatei (JSON).
        #[arg(long)]
        output: PathBuf,
    },
    /// Erzeugt einen zufälligen, realistischen Markt für Tests und Benchmarks.
    Generate {
        /// Zahl der Kinder.
        #[arg(long, default_value_t = 1000)]
        kinder: usize,
        /// Zahl der Kitas.
        #[arg(long, default_value_t = 50)]
        kitas: usize,
        /// Wünsche je Kind.
        #[arg(long, default_value_t = 5)]
        wuensche: usize,
        /// Plätze je Kind (Knappheit).
        #[arg(long, default_value_t = 0.75)]
        kapazitaet: f64,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Kita-Jahr (Beginn 1. August).
        #[arg(long, default_value_t = 2026)]
        jahr: i32,
        /// Zieldatei (.json oder .csv).
        #[arg(long)]
        output: PathBuf,
    },
}

fn read(p: &Path) -> Result<String> {
    std::fs::read_to_string(p).with_context(|| format!("{} nicht lesbar", p.display()))
}

fn write(p: &Path, s: &str) -> Result<()> {
    std::fs::write(p, s).with_context(|| format!("{} nicht schreibbar", p.display()))
}

/// Writes the result and prints the summary, or prints every input error (nothing is written).
fn finish(
    result: Result<kita_alloc::Outcome, Vec<kita_alloc::MarketError>>,
    output: &Path,
) -> Result<ExitCode> {
    match result {
        Ok(outcome) => {
            write(output, &kita_alloc::outcome_to_json(&outcome))?;
            println!("{}", kita_alloc::summary(&outcome));
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            eprintln!("{}", kita_alloc::format_errors(&errors));
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Runs a Kita subcommand.
pub fn run(cmd: KitaCommand) -> Result<ExitCode> {
    match cmd {
        KitaCommand::Match {
            input,
            seed,
            output,
            ohne_begruendungen,
            ohne_vergleich,
        } => {
            let text = read(&input)?;
            let options = Options {
                explanations: !ohne_begruendungen,
                compare_kita_proposing: !ohne_vergleich,
                ..Options::default()
            };
            match kita_alloc::parse_market(
                &text,
                kita_alloc::InputFormat::from_path(&input.to_string_lossy()),
            ) {
                // Stream the result to the file: at 200,000 children the JSON is ~250 MB.
                Ok(market) => {
                    let outcome = kita_alloc::allocate(&market, seed, &options);
                    let file = std::fs::File::create(&output)
                        .with_context(|| format!("{} nicht schreibbar", output.display()))?;
                    kita_alloc::write_outcome_json(&outcome, std::io::BufWriter::new(file))
                        .with_context(|| format!("{} nicht schreibbar", output.display()))?;
                    println!("{}", kita_alloc::summary(&outcome));
                    Ok(ExitCode::SUCCESS)
                }
                Err(errors) => {
                    eprintln!("{}", kita_alloc::format_errors(&errors));
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        KitaCommand::Folgerunde {
            input,
            vorher,
            rueckmeldungen,
            output,
        } => {
            let text = read(&input)?;
            finish(
                kita_alloc::follow_up_from_texts(
                    &text,
                    kita_alloc::InputFormat::from_path(&input.to_string_lossy()),
                    &read(&vorher)?,
                    &read(&rueckmeldungen)?,
                    &Options::default(),
                ),
                &output,
            )
        }
        KitaCommand::Generate {
            kinder,
            kitas,
            wuensche,
            kapazitaet,
            seed,
            jahr,
            output,
        } => {
            if kinder == 0 || kitas == 0 || wuensche == 0 {
                anyhow::bail!("--kinder, --kitas und --wuensche müssen mindestens 1 sein");
            }
            if !(kapazitaet > 0.0 && kapazitaet <= 10.0) {
                anyhow::bail!("--kapazitaet muss größer als 0 und höchstens 10 sein");
            }
            let params = GenerateParams {
                children: kinder,
                kitas,
                wishes: wuensche,
                capacity_ratio: kapazitaet,
                seed,
                kita_year: jahr,
            };
            write(
                &output,
                &kita_alloc::market_to_string(
                    &kita_alloc::generate(&params),
                    kita_alloc::InputFormat::from_path(&output.to_string_lossy()),
                ),
            )?;
            println!(
                "Markt mit {kinder} Kindern und {kitas} Kitas nach {} geschrieben.",
                output.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_match_and_reject_broken_market() {
        let dir = tempfile::tempdir().unwrap();
        let market = dir.path().join("markt.csv");
        let result = dir.path().join("ergebnis.json");
        let generate = KitaCommand::Generate {
            kinder: 60,
            kitas: 6,
            wuensche: 3,
            kapazitaet: 0.75,
            seed: 3,
            jahr: 2026,
            output: market.clone(),
        };
        assert_eq!(run(generate).unwrap(), ExitCode::SUCCESS);
        let m = |output: &Path| KitaCommand::Match {
            input: market.clone(),
            seed: 9,
            output: output.to_owned(),
            ohne_begruendungen: false,
            ohne_vergleich: false,
        };
        assert_eq!(run(m(&result)).unwrap(), ExitCode::SUCCESS);
        let first = std::fs::read_to_string(&result).unwrap();
        assert!(first.contains("\"seed\""));
        // Same seed, same result, bit for bit.
        let again = dir.path().join("nochmal.json");
        run(m(&again)).unwrap();
        assert_eq!(first, std::fs::read_to_string(&again).unwrap());
        // A wish for an unknown Kita: reported, nothing computed or written.
        let mut text = std::fs::read_to_string(&market).unwrap();
        let line = text
            .lines()
            .find(|l| l.starts_with("kind,"))
            .unwrap()
            .to_owned();
        let broken: Vec<&str> = line.split(',').collect();
        text.push_str(&format!(
            "kind,NEU-1,{},{},{},GIBT-ES-NICHT\n",
            broken[2], broken[3], broken[4]
        ));
        std::fs::write(&market, text).unwrap();
        let out = dir.path().join("kaputt.json");
        assert_eq!(run(m(&out)).unwrap(), ExitCode::FAILURE);
        assert!(!out.exists());
    }
}

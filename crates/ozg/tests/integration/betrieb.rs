//! Operations on the shell: the import does not silently undo web edits, numbers are never
//! reused, and a backup restores every table.

use crate::support::*;

story!(import_schuetzt_web_aenderungen);
/// `ozg import` refuses while web edits since the last import exist and names them; with
/// `--force` it first writes a backup, says what is lost, and replaces the data. A workshop made
/// online afterwards never takes the number of one the import removed (no inherited photos or
/// history).
async fn import_schuetzt_web_aenderungen(t: &TestApp) {
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let url = "/projekte/kinderbetreuung/bearbeiten";
    let form = t.get_with(url, &ks).await.text();
    let r = t
        .post(
            url,
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("name", "Kita-Portal (im Portal geändert)"),
                ("version", &form_value(&form, "version")),
                ("protokoll_stand", &form_value(&form, "protokoll_stand")),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = t
        .post(
            "/workshops",
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("datum", "2021-05-05"),
                ("ort", "Online"),
                ("themenfeld", "familie-kind"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let web_ws = t.scalar("SELECT MAX(id) FROM workshop").await;
    assert!(
        web_ws > 190_000,
        "web numbers above the import's range: {web_ws}"
    );
    let name = || async {
        t.ok("/api/v1/umsetzungsprojekte/kinderbetreuung")
            .await
            .json()["name"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    let (ok, out, err) = ozg(t, &["import"]);
    assert!(!ok, "refused: {out} {err}");
    assert!(err.contains("Nicht importiert"), "{err}");
    assert!(
        err.contains("Projekt bearbeitet (projekt:kinderbetreuung)"),
        "{err}"
    );
    assert!(err.contains("Workshop angelegt"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(
        name().await,
        "Kita-Portal (im Portal geändert)",
        "nothing changed"
    );

    let (ok, out, err) = ozg(t, &["import", "--force"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("Sicherung vor dem Import: "), "{out}");
    let sicherung = out
        .lines()
        .find_map(|l| l.strip_prefix("Sicherung vor dem Import: "))
        .unwrap()
        .to_owned();
    assert!(std::path::Path::new(&sicherung).is_file(), "{sicherung}");
    assert!(out.contains("Projekt bearbeitet"), "{out}");
    t.ok("/projekte").await;
    assert_eq!(name().await, "Kinderbetreuung", "the plan's name again");
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM workshop WHERE id = {web_ws}"
        ))
        .await,
        0
    );
    // Nothing new to lose: a second import runs without --force.
    let (ok, _, err) = ozg(t, &["import"]);
    assert!(ok, "{err}");
    // The next workshop made online takes a new number.
    let r = t
        .post(
            "/workshops",
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("datum", "2021-06-06"),
                ("ort", "Münster"),
                ("themenfeld", "familie-kind"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(t.scalar("SELECT MAX(id) FROM workshop").await > web_ws);
}

story!(sicherung_stellt_jede_tabelle_wieder_her);
/// `ozg backup` and `ozg restore`: after a restore, every table holds exactly what it held when
/// the backup was taken (SQLite: a copy of the file; PostgreSQL: pg_dump/pg_restore).
async fn sicherung_stellt_jede_tabelle_wieder_her(t: &TestApp) {
    let (ks, ks_csrf) = login_as(t, "koordination", "koordinierungsstelle", "").await;
    let r = t
        .post(
            "/projekte/kinderbetreuung/partnersuche",
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("aktiv", "ja"),
                ("hinweis", "vor der Sicherung"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let vorher = alle_tabellen(&t.db).await;
    assert!(vorher.len() > 30, "{} tables", vorher.len());
    let dir = tempfile::tempdir().unwrap();
    let datei = dir.path().join("sicherung.bin");
    let datei_s = datei.to_string_lossy().into_owned();
    let (ok, out, err) = ozg(t, &["backup", "--to", &datei_s]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("Sicherung geschrieben"), "{out}");
    // A backup never overwrites.
    let (ok, _, err) = ozg(t, &["backup", "--to", &datei_s]);
    assert!(!ok && err.contains("überschreibt nichts"), "{err}");
    // Changes after the backup …
    let r = t
        .post(
            "/projekte/kinderbetreuung/partnersuche",
            &ks,
            &[
                ("_csrf", &ks_csrf),
                ("aktiv", "ja"),
                ("hinweis", "nach der Sicherung"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_ne!(alle_tabellen(&t.db).await, vorher);
    // … are gone after the restore: every table as it was.
    let wieder = if t.url.starts_with("postgres") {
        let (ok, out, err) = ozg(t, &["restore", "--from", &datei_s]);
        assert!(ok, "{out}{err}");
        alle_tabellen(&t.db).await
    } else {
        // SQLite: restore into a new data directory (this test's portal keeps its file open).
        let neu = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ozg"))
            .args(["restore", "--from", &datei_s, "--data-dir"])
            .arg(neu.path())
            .env_remove("OZG_DATABASE_URL")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let db = Db::connect(&neu.path().join("ozg.db").to_string_lossy())
            .await
            .unwrap();
        alle_tabellen(&db).await
    };
    assert_eq!(
        wieder.keys().collect::<Vec<_>>(),
        vorher.keys().collect::<Vec<_>>()
    );
    for (tabelle, zeilen) in &vorher {
        assert_eq!(&wieder[tabelle], zeilen, "table {tabelle}");
    }
    // A file that is not a backup is refused.
    let falsch = dir.path().join("falsch.bin");
    std::fs::write(&falsch, b"keine Sicherung").unwrap();
    let (ok, _, err) = ozg(t, &["restore", "--from", &falsch.to_string_lossy()]);
    assert!(!ok, "{err}");
}

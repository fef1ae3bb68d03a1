//! HTTP stories of the platform core: the authorisation matrix over every write route, the
//! append-only audit log.

use crate::support::*;

story!(authorisation_matrix);
async fn authorisation_matrix(t: &TestApp) {
    use ozg_domain::access::{Nutzer, Rolle, darf};
    // The table is built from the route declarations (`Routen::schreiben`): there is no other
    // way to declare a POST route, so none can be missing from it.
    let pfade: std::collections::BTreeSet<&str> = t.routen.iter().map(|r| r.pfad).collect();
    assert_eq!(pfade.len(), t.routen.len(), "a write route declared twice");
    assert!(t.routen.len() >= 29, "{} write routes", t.routen.len());
    let tf =
        t.db.scalar(sql!(
            "SELECT id FROM themenfeld WHERE slug = 'familie-kind'"
        ))
        .await
        .unwrap();
    let mut who: Vec<(String, Option<Nutzer>, String, String)> = Vec::new();
    for (i, rolle) in Rolle::ALL.into_iter().enumerate() {
        let tfs = if rolle == Rolle::ThemenfeldKoordinator {
            "familie-kind"
        } else {
            ""
        };
        let (cookie, csrf) = login_as(t, &format!("rolle{i}"), rolle.key(), tfs).await;
        let themenfelder = if tfs.is_empty() { vec![] } else { vec![tf] };
        who.push((
            rolle.key().to_owned(),
            Some(Nutzer {
                rolle,
                themenfelder,
            }),
            cookie,
            csrf,
        ));
    }
    // The public: only the pre-login CSRF cookie.
    let page = t.ok("/anmelden").await;
    let pc = page.set_cookie(CSRF).unwrap();
    who.push(("öffentlich".into(), None, format!("{CSRF}={pc}"), pc));

    let mut problems = Vec::new();
    // Logging out ends the sessions the other rows need: last.
    let mut routes: Vec<_> = t.routen.iter().map(|r| (r.pfad, r.aktion)).collect();
    routes.sort_by_key(|(p, _)| *p == "/abmelden");
    for (route, aktion) in routes {
        let uri = route
            .replace("{id}", "999999")
            .replace("{token}", "ungueltig")
            .replace("{slug}", "kinderbetreuung");
        for (name, nutzer, cookie, csrf) in &who {
            let before = t.audit_count().await;
            let r = t.post(&uri, cookie, &[("_csrf", csrf)]).await;
            // Routes on a project decide by its Themenfeld (Kinderbetreuung: Familie & Kind).
            let allowed = aktion.is_none_or(|a| darf(nutzer.as_ref(), a, Some(tf)));
            let denied = r.status == StatusCode::FORBIDDEN;
            if allowed == denied {
                problems.push(format!(
                    "{name} POST {uri}: {} (expected {})",
                    r.status,
                    if allowed { "allow" } else { "deny" }
                ));
            }
            if t.audit_count().await != before {
                problems.push(format!("{name} POST {uri}: an empty form changed data"));
            }
            // Without the CSRF token every route refuses.
            let r = t.post(&uri, cookie, &[]).await;
            if r.status != StatusCode::FORBIDDEN {
                problems.push(format!("{name} POST {uri} without _csrf: {}", r.status));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

story!(audit_log_is_append_only_in_the_database);
async fn audit_log_is_append_only_in_the_database(t: &TestApp) {
    login_as(t, "koordination", "koordinierungsstelle", "").await;
    let n = t.audit_count().await;
    assert!(n > 0);
    for sql in ["UPDATE audit SET konto = 'jemand'", "DELETE FROM audit"] {
        let e =
            t.db.execute_all(&[Stmt::ungeprueft(sql.to_owned())])
                .await
                .expect_err(sql);
        assert!(format!("{e:#}").contains("unveränderlich"), "{sql}: {e:#}");
    }
    assert_eq!(t.audit_count().await, n);
    // Appending still works, and migrating again (a second start) keeps the protection.
    t.db.migrate().await.unwrap();
    assert!(
        t.db.execute_all(&[sql!("DELETE FROM audit")])
            .await
            .is_err()
    );
}

#![cfg(test)]
use ozg_domain::dataset::Dataset;

#[test]
fn dump() {
    let files = crate::data_files::builtin();
    let ds = Dataset::build(&files).expect("build");
    for p in &ds.projekte {
        let r: Vec<String> = p
            .rollen
            .iter()
            .map(|r| {
                format!(
                    "{:?}:{}={}",
                    r.rolle,
                    r.text,
                    r.organisation
                        .map(|i| ds.organisationen[i].slug.clone())
                        .unwrap_or_default()
                )
            })
            .collect();
        println!(
            "{} | {:?} | {:?} | {:?} | {:?} | {:?} {:?} | {}",
            p.slug,
            p.themenfelder,
            p.projektstart.map(|s| s.to_string()),
            p.kdn_nr,
            p.kdn_admin_nr,
            p.prioritaet_nrw,
            p.prioritaet_bund,
            r.join(", ")
        );
    }
    println!("{:?}", ds.uebersicht_projekte);
}

//! Reading the plan's files (Themenfeld tables, Steckbriefe, workshops, the programme) into
//! the dataset: the steps of [`Dataset::load_plan`](super::Dataset).

use super::*;

impl Dataset {
    /// Reads the plan files in a fixed order: the Themenfeld tables, then the reference rows
    /// (`verweis`, which may point to a project of a later table), the Steckbriefe (which need
    /// every project), the name matches to the catalogue for projects still without a link,
    /// the workshops and the programme. The problems are reported in this order.
    pub(super) fn load_plan<'a>(
        ds: &mut Dataset,
        cx: &mut Ctx,
        dir: &OrgDirectory,
        ozg_known: &HashMap<OzgId, usize>,
        get: &impl Fn(&str) -> Option<&'a SourceFile>,
        with_prefix: &impl Fn(&str) -> Vec<&'a SourceFile>,
    ) {
        const WS: &str = "plan/workshops.toml";
        const PR: &str = "plan/programm.toml";
        const FACH: &str = "plan/fachlichkeiten.toml";
        let toml_only = |prefix: &str| {
            with_prefix(prefix)
                .into_iter()
                .filter(|f| f.path.ends_with(".toml"))
        };
        let mut plan = PlanLoader {
            ds,
            cx,
            dir,
            ozg_known,
            by_slug: HashMap::new(),
            kdn_owner: HashMap::new(),
            position: 0,
            vokabular_lesbar: true,
        };
        if let Some(f) = get(FACH) {
            match Vokabular::lesen(&f.text) {
                Ok(v) => plan.ds.fachlichkeit_vokabular = v,
                Err(maengel) => {
                    plan.vokabular_lesbar = false;
                    for (zeile, m) in maengel {
                        plan.cx.err(&f.path, zeile, m);
                    }
                }
            }
        }
        let mut refs = Vec::new();
        for f in toml_only("plan/themenfelder/") {
            plan.themenfeld_file(f, &mut refs);
        }
        if plan.vokabular_lesbar {
            plan.unbenutzte_schreibweisen(FACH);
        }
        for r in refs {
            plan.merge_reference(r);
        }
        for f in toml_only("plan/steckbriefe/") {
            plan.steckbrief_file(f);
        }
        plan.link_by_name();
        if let Some(f) = get(WS) {
            plan.workshops(f);
        }
        if let Some(f) = get(PR) {
            plan.programm(f);
        }
    }
}

/// Index of a Themenfeld in [`THEMENFELDER`], the name compared as [`name_key`] does.
pub(super) fn themenfeld_index(name: &str) -> Option<usize> {
    THEMENFELDER
        .iter()
        .position(|t| name_key(t) == name_key(name))
}

/// A reference row (`verweis`) of a Themenfeld table: a project of another table that is also
/// listed in this one. Kept until every table is read, since the target may come later.
struct PendingRef {
    file: String,
    line: usize,
    themenfeld: usize,
    row: ProjektRow,
}

/// What the steps of [`Dataset::load_plan`] share.
struct PlanLoader<'d> {
    ds: &'d mut Dataset,
    cx: &'d mut Ctx,
    dir: &'d OrgDirectory,
    ozg_known: &'d HashMap<OzgId, usize>,
    /// Project index by id.
    by_slug: HashMap<String, usize>,
    /// The project each ozg.kdn.de number belongs to.
    kdn_owner: HashMap<u32, usize>,
    /// Document order of the last table row read (reference rows count too).
    position: i64,
    /// False when `plan/fachlichkeiten.toml` could not be read: its own errors are reported,
    /// and the rows are not checked against an empty vocabulary (which would bury them).
    vokabular_lesbar: bool,
}

impl PlanLoader<'_> {
    /// A file `plan/themenfelder/*.toml`: the section data of its Themenfeld and its project
    /// rows. Reference rows go to `refs`; a second file for the same Themenfeld is rejected whole.
    fn themenfeld_file(&mut self, f: &SourceFile, refs: &mut Vec<PendingRef>) {
        let Some(tfile) = toml_file::<ThemenfeldFile>(f, self.cx) else {
            return;
        };
        let Some(tf) = themenfeld_index(&tfile.themenfeld) else {
            self.cx.err(
                &f.path,
                Some(1),
                format!("unbekanntes Themenfeld „{}“", tfile.themenfeld),
            );
            return;
        };
        if !self.set_section(&f.path, tf, &tfile) {
            return;
        }
        self.check_leistung_ids(f, &tfile.leistung);
        for row in tfile.projekt {
            let line = line_of(&f.text, row.span().start);
            let row = row.into_inner();
            self.position += 1;
            self.fachlichkeiten_bekannt(&f.path, line, &row.fachlichkeit);
            if row.verweis.is_some() {
                refs.push(PendingRef {
                    file: f.path.clone(),
                    line,
                    themenfeld: tf,
                    row,
                });
                continue;
            }
            self.project_row(f, line, tf, &tfile.projektleitung, &row);
        }
    }

    /// Stores the section data of the file on its Themenfeld; `false` (with an error) if an
    /// earlier file already did.
    fn set_section(&mut self, path: &str, tf: usize, tfile: &ThemenfeldFile) -> bool {
        let t = &mut self.ds.themenfelder[tf];
        if t.abschnitt.is_some() {
            self.cx.err(
                path,
                Some(1),
                format!("Themenfeld „{}“ hat schon eine Datei", t.name),
            );
            return false;
        }
        t.abschnitt = Some(tfile.abschnitt.clone());
        t.hinweis = tfile.hinweis.clone();
        t.projektleitung_text = tfile.projektleitung_text.clone();
        t.leistungstabelle = tfile.leistung.iter().map(|l| l.get_ref().clone()).collect();
        true
    }

    /// The Leistungen table is kept as written; only its OZG-IDs must exist in the catalogue.
    fn check_leistung_ids(&mut self, f: &SourceFile, leistung: &[toml::Spanned<LeistungRow>]) {
        for l in leistung {
            if let Some(id) = l.get_ref().ozg_id {
                let ok = OzgId::try_from(id)
                    .ok()
                    .filter(|i| self.ozg_known.contains_key(i));
                if ok.is_none() {
                    self.cx.err(
                        &f.path,
                        Some(line_of(&f.text, l.span().start)),
                        format!("OZG-ID {id} gibt es im Katalog nicht"),
                    );
                }
            }
        }
    }

    /// A project row (not a reference) at `line` of a Themenfeld table: creates the project.
    /// `tf_leitung` is the table's own Projektleitung, which leads every project in it.
    fn project_row(
        &mut self,
        f: &SourceFile,
        line: usize,
        tf: usize,
        tf_leitung: &[OrgEntry],
        row: &ProjektRow,
    ) {
        let Some((name, slug)) = self.project_key(&f.path, line, row) else {
            return;
        };
        let quelle = format!("{}:{line}", f.path);
        let mut p = new_projekt(slug.clone(), &name, self.position, tf, row, quelle);
        self.row_values(&f.path, line, &name, row, &mut p);
        resolve_roles(
            self.dir,
            self.cx,
            &f.path,
            line,
            Rolle::Projektleitung,
            tf_leitung,
            &mut p.rollen,
        );
        for r in p.rollen.iter_mut() {
            r.hinweis
                .get_or_insert_with(|| "für das ganze Themenfeld".into());
        }
        row_roles(self.dir, self.cx, &f.path, line, row, &mut p.rollen);
        let idx = self.ds.projekte.len();
        self.claim_kdn_numbers(&f.path, line, idx, &row.kdn_nr, &mut p.kdn_nr);
        // The admin form's numbers are the same numbering: none may belong to another project.
        let mut admin = Vec::new();
        self.claim_kdn_numbers(&f.path, line, idx, &row.kdn_admin_nr, &mut admin);
        self.by_slug.insert(slug, idx);
        self.ds.projekte.push(p);
    }

    /// Every Fachlichkeit of a row must be in the vocabulary (`plan/fachlichkeiten.toml`), as
    /// a term or a spelling: otherwise the filter would offer a term nobody reviewed.
    fn fachlichkeiten_bekannt(&mut self, path: &str, line: usize, werte: &[String]) {
        if !self.vokabular_lesbar {
            return;
        }
        let vok = &self.ds.fachlichkeit_vokabular;
        for w in werte.iter().map(|w| w.trim()).filter(|w| !w.is_empty()) {
            if vok.kennt(w) {
                continue;
            }
            let aehnlich = vok
                .aehnlich(w)
                .map(|b| format!(" (ähnlich: „{b}“)"))
                .unwrap_or_default();
            self.cx.err(
                path,
                Some(line),
                format!(
                    "Fachlichkeit „{w}“ steht nicht in plan/fachlichkeiten.toml; bitte dort einem Begriff unter „schreibweisen“ zuordnen oder als eigenen Begriff eintragen{aehnlich}"
                ),
            );
        }
    }

    /// Notes for spellings of the vocabulary that no table uses (any more).
    fn unbenutzte_schreibweisen(&mut self, path: &str) {
        let benutzt: std::collections::HashSet<&str> = self
            .ds
            .projekte
            .iter()
            .flat_map(|p| p.fachlichkeiten.iter().map(|f| f.trim()))
            .collect();
        if benutzt.is_empty() {
            return;
        }
        for b in self.ds.fachlichkeit_vokabular.begriffe() {
            let unbenutzt: Vec<&str> = b
                .schreibweisen
                .iter()
                .map(String::as_str)
                .filter(|s| !benutzt.contains(s))
                .collect();
            if !unbenutzt.is_empty() {
                self.cx.note(
                    path,
                    b.zeile,
                    format!(
                        "Schreibweisen von „{}“ kommen im Plan nicht vor: {}",
                        b.name,
                        unbenutzt.join(", ")
                    ),
                );
            } else if b.schreibweisen.is_empty() && !benutzt.contains(b.name.as_str()) {
                self.cx.note(
                    path,
                    b.zeile,
                    format!("Begriff „{}“ kommt im Plan nicht vor", b.name),
                );
            }
        }
    }

    /// The name and id of a new project (the id defaults to the slug of the name), or `None`
    /// with an error: no name, an id that is not a valid slug, or an id already taken.
    fn project_key(
        &mut self,
        path: &str,
        line: usize,
        row: &ProjektRow,
    ) -> Option<(String, String)> {
        let Some(name) = row.name.clone().filter(|n| !n.trim().is_empty()) else {
            self.cx
                .err(path, Some(line), "Projekt ohne Namen (Feld „name“ fehlt)");
            return None;
        };
        let slug = row.id.clone().unwrap_or_else(|| slugify(&name));
        if slug != slugify(&slug) {
            self.cx.err(
                path,
                Some(line),
                format!("id „{slug}“ ist kein gültiger Schlüssel (erlaubt: a–z, 0–9, Bindestrich)"),
            );
            return None;
        }
        if self.by_slug.contains_key(&slug) {
            self.cx
                .err(path, Some(line), format!("Projekt-id „{slug}“ doppelt"));
            return None;
        }
        Some((name, slug))
    }

    /// The checked values of a table row: Projektstart, the two priorities, the Zielportal and
    /// the OZG-IDs named in the document. A bad value is reported and left empty.
    fn row_values(
        &mut self,
        path: &str,
        line: usize,
        name: &str,
        row: &ProjektRow,
        p: &mut Projekt,
    ) {
        let cx = &mut *self.cx;
        if let Some(ps) = &row.projektstart {
            match Projektstart::parse(ps) {
                Ok(v) => p.projektstart = Some(v),
                Err(e) => cx.err(path, Some(line), format!("Projekt „{name}“: {}", e.0)),
            }
        }
        if let Some(v) = row.prioritaet_nrw {
            match parse_prioritaet_nrw(v) {
                Ok(v) => p.prioritaet_nrw = Some(v),
                Err(e) => cx.err(path, Some(line), e.0),
            }
        }
        if let Some(v) = row.prioritaet_bund {
            match parse_prioritaet_bund(v) {
                Ok(v) => p.prioritaet_bund = Some(v),
                Err(e) => cx.err(path, Some(line), e.0),
            }
        }
        if let Some(z) = &row.zielportal {
            match Zielportal::parse(z) {
                Ok(v) => p.zielportal = Some(v),
                Err(e) => cx.err(path, Some(line), e),
            }
        }
        for id in &row.ozg_ids {
            match OzgId::try_from(*id) {
                Ok(i) if self.ozg_known.contains_key(&i) => p.ozg.push(OzgLink {
                    ozg_id: i,
                    quelle: "dokument",
                    hinweis: None,
                }),
                _ => cx.err(
                    path,
                    Some(line),
                    format!("OZG-ID {id} gibt es im Katalog nicht"),
                ),
            }
        }
    }

    /// Gives the ozg.kdn.de numbers of the new project `idx` (not yet in the dataset) to it.
    /// A number belongs to one project only: a project listed in two Themenfelder is entered
    /// once and referred to with `verweis` in the other table.
    fn claim_kdn_numbers(
        &mut self,
        path: &str,
        line: usize,
        idx: usize,
        numbers: &[u32],
        kdn_nr: &mut Vec<u32>,
    ) {
        for n in numbers {
            if let Some(prev) = self.kdn_owner.insert(*n, idx) {
                if prev != idx {
                    let prev = &self.ds.projekte[prev];
                    self.cx.err(
                        path,
                        Some(line),
                        format!(
                            "ozg.kdn.de-Nummer {n} gehört schon zu Projekt „{}“ ({}); ein Projekt in zwei Themenfeldern wird mit „verweis“ eingetragen",
                            prev.name, prev.quelle
                        ),
                    );
                }
            } else {
                kdn_nr.push(*n);
            }
        }
    }

    /// Adds a reference row to the project it refers to: the Themenfeld, and the cells the row
    /// repeats as printed in this section (Fachlichkeiten, roles, notes, ozg.kdn.de numbers).
    fn merge_reference(&mut self, r: PendingRef) {
        let PendingRef {
            file,
            line,
            themenfeld: tf,
            row,
        } = r;
        let target = row.verweis.clone().unwrap_or_default();
        let Some(&idx) = self.by_slug.get(&target) else {
            self.cx.err(
                &file,
                Some(line),
                format!("verweis auf unbekanntes Projekt „{target}“"),
            );
            return;
        };
        let p = &mut self.ds.projekte[idx];
        if p.themenfelder.iter().any(|(t, _)| *t == tf) {
            self.cx.err(
                &file,
                Some(line),
                format!("Projekt „{}“ steht schon in diesem Themenfeld", p.name),
            );
            return;
        }
        p.themenfelder.push((tf, row.teilabschnitt.clone()));
        for f in &row.fachlichkeit {
            if !p.fachlichkeiten.contains(f) {
                p.fachlichkeiten.push(f.clone());
            }
        }
        let mut extra = Vec::new();
        row_roles(self.dir, self.cx, &file, line, &row, &mut extra);
        for r in extra {
            if !p
                .rollen
                .iter()
                .any(|x| x.rolle == r.rolle && x.organisation == r.organisation && x.text == r.text)
            {
                p.rollen.push(r);
            }
        }
        // A start printed in this table belongs to this listing (the project's own start is
        // its first table's).
        if let Some(ps) = &row.projektstart
            && p.projektstart_text.as_deref() != Some(ps.as_str())
        {
            match Projektstart::parse(ps) {
                Ok(_) => {
                    p.listen_start.insert(tf, ps.clone());
                }
                Err(e) => self.cx.err(&file, Some(line), e.to_string()),
            }
        }
        merge_reference_notes(p, THEMENFELDER[tf], &row);
        self.reference_kdn_numbers(&file, line, idx, &row.kdn_nr);
    }

    /// The ozg.kdn.de numbers of a reference row: new ones go to the project referred to (`idx`);
    /// one that belongs to another project is an error.
    fn reference_kdn_numbers(&mut self, path: &str, line: usize, idx: usize, numbers: &[u32]) {
        for n in numbers {
            match self.kdn_owner.get(n) {
                Some(o) if *o == idx => {}
                Some(o) => self.cx.err(
                    path,
                    Some(line),
                    format!(
                        "ozg.kdn.de-Nummer {n} gehört zu einem anderen Projekt („{}“)",
                        self.ds.projekte[*o].name
                    ),
                ),
                None => {
                    self.kdn_owner.insert(*n, idx);
                    self.ds.projekte[idx].kdn_nr.push(*n);
                }
            }
        }
    }

    /// A file `plan/steckbriefe/*.toml`: attaches the Steckbrief to its project with its roles,
    /// OZG-Leistungen, priority and start. One Steckbrief per project.
    fn steckbrief_file(&mut self, f: &SourceFile) {
        let Some(sb) = toml_file::<SteckbriefFile>(f, self.cx) else {
            return;
        };
        let Some(&idx) = self.by_slug.get(&sb.projekt) else {
            self.cx.err(
                &f.path,
                Some(1),
                format!("Steckbrief für unbekanntes Projekt „{}“", sb.projekt),
            );
            return;
        };
        let mut rollen = Vec::new();
        for (rolle, entries) in [
            (Rolle::Auftraggeber, &sb.auftraggeber),
            (Rolle::Kommunalpartner, &sb.kommunalpartner),
            (Rolle::ItPartner, &sb.it_partner),
        ] {
            resolve_roles(self.dir, self.cx, &f.path, 1, rolle, entries, &mut rollen);
        }
        self.check_steckbrief_themenfelder(&f.path, idx, &sb.themenfelder);
        let p = &mut self.ds.projekte[idx];
        if p.steckbrief.is_some() {
            self.cx.err(
                &f.path,
                Some(1),
                format!("Projekt „{}“ hat schon einen Steckbrief", p.name),
            );
            return;
        }
        steckbrief_ozg_links(self.cx, self.ozg_known, &f.path, p, &sb.ozg_leistungen);
        steckbrief_prioritaet_und_start(self.cx, &f.path, p, &sb);
        p.rollen.extend(rollen);
        p.steckbrief = Some(sb);
    }

    /// The Themenfelder a Steckbrief names must exist; one whose table does not list the
    /// project is worth a note.
    fn check_steckbrief_themenfelder(&mut self, path: &str, idx: usize, themenfelder: &[String]) {
        let listed = &self.ds.projekte[idx].themenfelder;
        for t in themenfelder {
            match themenfeld_index(t) {
                Some(tf) if !listed.iter().any(|(x, _)| *x == tf) => self.cx.note(
                    path,
                    Some(1),
                    format!(
                        "Steckbrief nennt Themenfeld „{t}“, in dessen Tabelle das Projekt nicht steht"
                    ),
                ),
                Some(_) => {}
                None => self.cx.err(path, Some(1), format!("unbekanntes Themenfeld „{t}“")),
            }
        }
    }

    /// Links projects without any OZG link to the catalogue entry of the same name (compared as
    /// the search index does). Several entries of that name, or only similar names in the
    /// project's Themenfelder, give a note instead, so the link can be added by hand.
    fn link_by_name(&mut self) {
        let by_name: HashMap<String, Vec<OzgId>> =
            self.ds
                .ozg_leistungen
                .iter()
                .fold(HashMap::new(), |mut m, l| {
                    m.entry(index_string(&l.name)).or_default().push(l.ozg_id);
                    m
                });
        for p in self.ds.projekte.iter_mut() {
            if !p.ozg.is_empty() {
                continue;
            }
            match by_name.get(&index_string(&p.name)).map(Vec::as_slice) {
                Some([one]) => p.ozg.push(OzgLink {
                    ozg_id: *one,
                    quelle: "namensgleich",
                    hinweis: None,
                }),
                Some(many) if many.len() > 1 => {
                    let ids: Vec<String> = many.iter().map(ToString::to_string).collect();
                    let (datei, zeile) = quelle_teile(&p.quelle);
                    self.cx.note(
                        datei,
                        zeile,
                        format!(
                            "Projekt „{}“: mehrere OZG-Leistungen gleichen Namens ({}), nicht verknüpft",
                            p.name,
                            ids.join(", ")
                        ),
                    );
                }
                _ => {
                    let cands = similar_leistungen(&self.ds.ozg_leistungen, p);
                    if !cands.is_empty() {
                        let (datei, zeile) = quelle_teile(&p.quelle);
                        self.cx.note(
                            datei,
                            zeile,
                            format!(
                                "Projekt „{}“: kein eindeutiger Katalogtreffer, nicht verknüpft; Kandidaten: {}",
                                p.name,
                                cands.join("; ")
                            ),
                        );
                    }
                }
            }
        }
    }

    /// `plan/workshops.toml`: every workshop with a valid date; unknown Themenfelder are
    /// reported and left out of the workshop.
    fn workshops(&mut self, f: &SourceFile) {
        let Some(wf) = toml_file::<WorkshopFile>(f, self.cx) else {
            return;
        };
        for w in wf.workshop {
            let line = line_of(&f.text, w.span().start);
            let w = w.into_inner();
            if !is_iso_date(&w.datum) {
                self.cx.err(
                    &f.path,
                    Some(line),
                    format!("Datum „{}“ ist kein Datum im Format JJJJ-MM-TT", w.datum),
                );
                continue;
            }
            let mut tfs = Vec::new();
            for t in &w.themenfelder {
                match themenfeld_index(t) {
                    Some(i) => tfs.push(i),
                    None => {
                        self.cx
                            .err(&f.path, Some(line), format!("unbekanntes Themenfeld „{t}“"));
                    }
                }
            }
            self.ds.workshops.push(Workshop {
                row: w,
                themenfelder: tfs,
            });
        }
    }

    /// `plan/programm.toml`: its divergences and section-1 entries add to the projects; the
    /// file itself is kept for display.
    fn programm(&mut self, f: &SourceFile) {
        let Some(pf) = toml_file::<ProgrammFile>(f, self.cx) else {
            return;
        };
        for d in &pf.divergenz {
            self.divergenz(&f.path, d);
        }
        for e in &pf.uebersicht.eintrag {
            self.uebersicht_eintrag(&f.path, e);
        }
        self.ds.programm = Some(pf);
    }

    /// A divergence between the NRW and the Bund-Länder lists: the Bund-Länder priority comes
    /// from it, the NRW one only where the table has none. An unknown project is only a note.
    fn divergenz(&mut self, path: &str, d: &Divergenz) {
        let Some(i) = find_project(&self.ds.projekte, &d.projekt) else {
            self.cx.note(
                path,
                None,
                format!("Divergenz: Projekt „{}“ nicht gefunden", d.projekt),
            );
            return;
        };
        let p = &mut self.ds.projekte[i];
        if let Some(b) = d.prioritaet_bund {
            match parse_prioritaet_bund(b) {
                Ok(b) => p.prioritaet_bund = Some(b),
                Err(e) => self.cx.err(path, None, e.0),
            }
        }
        if let Some(n) = d.prioritaet_nrw
            && p.prioritaet_nrw.is_none()
        {
            match parse_prioritaet_nrw(n) {
                Ok(n) => p.prioritaet_nrw = Some(n),
                Err(e) => self.cx.err(path, None, e.0),
            }
        }
    }

    /// An entry of section 1 (the overview list). Its project, if found, takes the entry's
    /// Zielportal and working structure where it has none, and its doubts. The match (or
    /// `None`, with a note) is kept in `uebersicht_projekte`, one per entry in order.
    fn uebersicht_eintrag(&mut self, path: &str, e: &UebersichtEintrag) {
        let target = e.projekt.as_deref().unwrap_or(&e.name);
        let found = find_project(&self.ds.projekte, target);
        if found.is_none() {
            self.cx.note(
                path,
                None,
                format!("Abschnitt 1: „{}“ keinem Projekt zugeordnet", e.name),
            );
        }
        if let Some(i) = found {
            let p = &mut self.ds.projekte[i];
            if let Some(z) = &e.zielportal {
                match Zielportal::parse(z) {
                    Ok(z) => p.zielportal = p.zielportal.or(Some(z)),
                    Err(err) => self.cx.err(path, None, err),
                }
            }
            for (k, v) in &e.unsicher {
                if k != "projekt" {
                    p.unsicher
                        .entry(k.clone())
                        .or_insert_with(|| format!("Abschnitt 1: {v}"));
                }
            }
            if e.arbeitsstruktur.is_some() && p.arbeitsstruktur.is_none() {
                p.arbeitsstruktur = e.arbeitsstruktur;
            }
        }
        self.ds.uebersicht_projekte.push(found);
    }
}

/// A new project from its table row, with the cells taken as written; the checked values
/// (start, priorities, Zielportal, OZG links, roles, ozg.kdn.de numbers) are added afterwards.
fn new_projekt(
    slug: String,
    name: &str,
    position: i64,
    tf: usize,
    row: &ProjektRow,
    quelle: String,
) -> Projekt {
    Projekt {
        slug,
        name: name.trim().to_owned(),
        position,
        themenfelder: vec![(tf, row.teilabschnitt.clone())],
        listen_start: BTreeMap::new(),
        fachlichkeiten: row
            .fachlichkeit
            .iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        rollen: Vec::new(),
        projektstart: None,
        projektstart_text: row.projektstart.clone(),
        prioritaet_nrw: None,
        prioritaet_bund: None,
        prioritaet_veranstaltungen: row.prioritaet_veranstaltungen.clone(),
        zielportal: None,
        arbeitsstruktur: row.arbeitsstruktur,
        kdn_nr: Vec::new(),
        kdn_admin_nr: row.kdn_admin_nr.clone(),
        ozg: Vec::new(),
        anmerkung: row.anmerkung.clone(),
        hinweise: row.hinweise.clone(),
        unsicher: row.unsicher.clone(),
        steckbrief: None,
        quelle,
    }
}

/// Resolves the organisations of one role cell and appends them to `out`. "noch offen" stays
/// without an organisation; an organisation already in `out` in the same role is skipped; an
/// unknown or ambiguous name is an error (the entry is left out).
fn resolve_roles(
    dir: &OrgDirectory,
    cx: &mut Ctx,
    file: &str,
    line: usize,
    rolle: Rolle,
    entries: &[OrgEntry],
    out: &mut Vec<RoleEntry>,
) {
    for e in entries {
        let offen = e.is_offen();
        let organisation = if offen {
            None
        } else {
            match dir.resolve(e.name()) {
                Resolution::Found(i) => Some(i),
                Resolution::Ambiguous(v) => {
                    cx.err(
                        file,
                        Some(line),
                        format!(
                            "{}: „{}“ ist mehrdeutig ({} Organisationen passen); bitte genauer schreiben oder Alias ergänzen",
                            rolle.label(),
                            e.name(),
                            v.len()
                        ),
                    );
                    continue;
                }
                Resolution::Unknown => {
                    cx.err(
                        file,
                        Some(line),
                        format!(
                            "{}: Organisation „{}“ unbekannt (in data/organisationen ergänzen oder Alias anlegen)",
                            rolle.label(),
                            e.name()
                        ),
                    );
                    continue;
                }
            }
        };
        if let Some(o) = organisation
            && out
                .iter()
                .any(|r| r.rolle == rolle && r.organisation == Some(o))
        {
            continue;
        }
        out.push(RoleEntry {
            rolle,
            organisation,
            text: e.name().to_owned(),
            hinweis: e.hinweis().map(str::to_owned),
            offen,
            unsicher: e.unsicher().map(str::to_owned),
        });
    }
}

/// The three role columns of a table row, in this order: Projektleitung, Mitarbeit, Interesse.
fn row_roles(
    dir: &OrgDirectory,
    cx: &mut Ctx,
    file: &str,
    line: usize,
    row: &ProjektRow,
    out: &mut Vec<RoleEntry>,
) {
    resolve_roles(
        dir,
        cx,
        file,
        line,
        Rolle::Projektleitung,
        &row.projektleitung,
        out,
    );
    resolve_roles(dir, cx, file, line, Rolle::Mitarbeit, &row.mitarbeit, out);
    resolve_roles(dir, cx, file, line, Rolle::Interesse, &row.interesse, out);
}

/// The note cells of a reference row, added to its project with the name of the Themenfeld
/// they come from: doubts and cell texts per field, the remark as a further line, and a
/// Projektstart that differs from the project's as a cell text (the project's own start stays).
fn merge_reference_notes(p: &mut Projekt, tf_name: &str, row: &ProjektRow) {
    for (k, v) in &row.unsicher {
        p.unsicher
            .entry(k.clone())
            .and_modify(|e| e.push_str(&format!(" | {tf_name}: {v}")))
            .or_insert_with(|| format!("{tf_name}: {v}"));
    }
    for (k, v) in &row.hinweise {
        p.hinweise
            .entry(k.clone())
            .and_modify(|e| e.push_str(&format!(" | {tf_name}: {v}")))
            .or_insert_with(|| format!("{tf_name}: {v}"));
    }
    if let Some(a) = &row.anmerkung {
        p.anmerkung = Some(match p.anmerkung.take() {
            Some(prev) => format!("{prev}\n{tf_name}: {a}"),
            None => format!("{tf_name}: {a}"),
        });
    }
}

/// The OZG-Leistungen of a Steckbrief replace the table's links to the same Leistung; when
/// the document printed another OZG-ID, the link says so.
fn steckbrief_ozg_links(
    cx: &mut Ctx,
    ozg_known: &HashMap<OzgId, usize>,
    path: &str,
    p: &mut Projekt,
    leistungen: &[SteckbriefLeistung],
) {
    for l in leistungen {
        match OzgId::try_from(l.ozg_id) {
            Ok(i) if ozg_known.contains_key(&i) => {
                p.ozg.retain(|x| x.ozg_id != i);
                let hinweis = l.dokument_ozg_id.filter(|d| *d != l.ozg_id).map(|d| {
                    l.hinweis
                        .clone()
                        .unwrap_or_else(|| format!("Das Dokument nennt die OZG-ID {d}."))
                });
                p.ozg.push(OzgLink {
                    ozg_id: i,
                    quelle: "steckbrief",
                    hinweis,
                });
            }
            _ => cx.err(
                path,
                Some(1),
                format!("OZG-ID {} gibt es im Katalog nicht", l.ozg_id),
            ),
        }
    }
}

/// The NRW priority of a Steckbrief must agree with the table's; its Projektstart is used only
/// where the table has none (kept as a cell text if it does not parse).
fn steckbrief_prioritaet_und_start(cx: &mut Ctx, path: &str, p: &mut Projekt, sb: &SteckbriefFile) {
    if let Some(v) = sb.prioritaet_nrw {
        match parse_prioritaet_nrw(v) {
            Ok(v) if p.prioritaet_nrw.is_some_and(|x| x != v) => cx.err(
                path,
                Some(1),
                format!(
                    "Priorität {v} widerspricht der Tabelle ({})",
                    p.prioritaet_nrw.unwrap_or_default()
                ),
            ),
            Ok(v) => p.prioritaet_nrw = Some(v),
            Err(e) => cx.err(path, Some(1), e.0),
        }
    }
    if p.projektstart.is_none()
        && let Some(ps) = &sb.projektstart
    {
        match Projektstart::parse(ps) {
            Ok(v) => {
                p.projektstart = Some(v);
                p.projektstart_text = Some(ps.clone());
            }
            Err(_) => {
                p.hinweise
                    .entry("projektstart".into())
                    .or_insert_with(|| ps.clone());
            }
        }
    }
}

/// Catalogue entries in the project's Themenfelder whose name contains the project's name or
/// is contained in it (names of at least 4 characters), as "OZG-ID name".
fn similar_leistungen(leistungen: &[OzgLeistung], p: &Projekt) -> Vec<String> {
    let key = name_key(&p.name);
    leistungen
        .iter()
        .filter(|l| p.themenfelder.iter().any(|(t, _)| *t == l.themenfeld))
        .filter(|l| {
            let lk = name_key(&l.name);
            key.len() >= 4 && (lk.contains(&key) || key.contains(&lk))
        })
        .map(|l| format!("{} {}", l.ozg_id, l.name))
        .collect()
}

/// The project a name in the programme refers to: same name (as [`name_key`]) or same slug.
fn find_project(projekte: &[Projekt], name: &str) -> Option<usize> {
    let k = name_key(name);
    projekte
        .iter()
        .position(|p| name_key(&p.name) == k || p.slug == slugify(name))
}

pub(super) fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s[..4].parse::<u16>().is_ok()
        && s[5..7].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
        && s[8..].parse::<u8>().is_ok_and(|d| (1..=31).contains(&d))
}

/// A project's source `path:line` as file and line (problems carry them apart).
fn quelle_teile(quelle: &str) -> (&str, Option<usize>) {
    match quelle.rsplit_once(':') {
        Some((datei, zeile)) if zeile.parse::<usize>().is_ok() => (datei, zeile.parse().ok()),
        _ => (quelle, None),
    }
}

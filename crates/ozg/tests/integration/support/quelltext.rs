//! The application's source, read with `syn`: its modules, what each refers to, and its fixed
//! SQL statements. The architecture check and the statement test are built on it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// A module of the crate: its path (`crate::programm::listen`) and its syntax tree.
pub struct Modul {
    pub pfad: Vec<String>,
    pub datei: PathBuf,
    pub ast: syn::File,
}

impl Modul {
    /// `crate::a::b`.
    pub fn name(&self) -> String {
        self.pfad.join("::")
    }
}

/// Every module file under `src/` (the library; `main.rs` is the binary and left out).
pub fn module() -> Vec<Modul> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") || p.ends_with("main.rs") {
                continue;
            }
            let rel = p.strip_prefix(&src).unwrap();
            let mut pfad = vec!["crate".to_owned()];
            for c in rel.components() {
                let c = c.as_os_str().to_string_lossy().into_owned();
                pfad.push(c.trim_end_matches(".rs").to_owned());
            }
            if matches!(pfad.last().map(String::as_str), Some("mod" | "lib")) {
                pfad.pop();
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let ast = syn::parse_file(&text)
                .unwrap_or_else(|e| panic!("{} nicht lesbar: {e}", p.display()));
            out.push(Modul {
                pfad,
                datei: p,
                ast,
            });
        }
    }
    out.sort_by_key(Modul::name);
    out
}

/// Whether an item is compiled only for tests (`#[cfg(test)]`).
fn nur_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

/// A path as written, resolved to `crate::…` (relative `super::` and `self::` made absolute);
/// `None` for paths outside the crate.
fn absolut(modul: &[String], segmente: &[String]) -> Option<Vec<String>> {
    let erstes = segmente.first()?;
    match erstes.as_str() {
        "crate" => Some(segmente.to_vec()),
        "self" => Some(modul.iter().chain(&segmente[1..]).cloned().collect()),
        "super" => {
            let mut basis = modul.to_vec();
            let mut rest = segmente;
            while rest.first().is_some_and(|s| s == "super") {
                basis.pop();
                rest = &rest[1..];
            }
            Some(basis.into_iter().chain(rest.iter().cloned()).collect())
        }
        _ => None,
    }
}

/// Collects the crate paths a module refers to (in `use` and in code), outside test items.
struct Verweise<'a> {
    modul: &'a [String],
    pfade: Vec<Vec<String>>,
}

impl Verweise<'_> {
    fn baum(&mut self, praefix: Vec<String>, t: &syn::UseTree) {
        match t {
            syn::UseTree::Path(p) => {
                let mut v = praefix;
                v.push(p.ident.to_string());
                self.baum(v, &p.tree);
            }
            syn::UseTree::Name(n) => {
                let mut v = praefix;
                if n.ident != "self" {
                    v.push(n.ident.to_string());
                }
                self.neu(&v);
            }
            syn::UseTree::Rename(r) => {
                let mut v = praefix;
                v.push(r.ident.to_string());
                self.neu(&v);
            }
            syn::UseTree::Glob(_) => self.neu(&praefix),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.baum(praefix.clone(), t);
                }
            }
        }
    }

    fn neu(&mut self, v: &[String]) {
        if let Some(a) = absolut(self.modul, v) {
            self.pfade.push(a);
        }
    }
}

impl<'ast> Visit<'ast> for Verweise<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !nur_test(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        }
    }
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !nur_test(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        if !nur_test(&u.attrs) {
            self.baum(Vec::new(), &u.tree);
        }
    }
    fn visit_path(&mut self, p: &'ast syn::Path) {
        let v: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        self.neu(&v);
        syn::visit::visit_path(self, p);
    }
}

/// The crate paths each module refers to, by module name.
pub fn verweise(module: &[Modul]) -> BTreeMap<String, Vec<Vec<String>>> {
    module
        .iter()
        .map(|m| {
            let mut v = Verweise {
                modul: &m.pfad,
                pfade: Vec::new(),
            };
            v.visit_file(&m.ast);
            (m.name(), v.pfade)
        })
        .collect()
}

/// A fixed SQL statement: where it stands, its text, and how many values it binds.
#[derive(Debug, Clone)]
pub struct Anweisung {
    pub ort: String,
    pub sql: String,
    pub argumente: usize,
}

struct Anweisungen<'a> {
    datei: &'a str,
    out: Vec<Anweisung>,
}

impl<'ast> Visit<'ast> for Anweisungen<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !nur_test(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        }
    }
    fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
        // A macro's definition is a template, not a statement.
        if m.ident.is_none() {
            syn::visit::visit_item_macro(self, m);
        }
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if m.path.segments.last().is_some_and(|s| s.ident == "sql") {
            let args = m
                .parse_body_with(
                    syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
                )
                .unwrap_or_else(|e| panic!("sql! in {} nicht lesbar: {e}", self.datei));
            let mut it = args.iter();
            let Some(syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            })) = it.next()
            else {
                panic!("sql! in {} ohne Text als erstes Argument", self.datei);
            };
            self.out.push(Anweisung {
                ort: format!("{}:{}", self.datei, s.span().start().line),
                sql: s.value(),
                argumente: args.len() - 1,
            });
        }
        syn::visit::visit_macro(self, m);
    }
}

/// Every `sql!` statement of the application (outside tests).
pub fn anweisungen(module: &[Modul]) -> Vec<Anweisung> {
    let mut out = Vec::new();
    for m in module {
        let datei = m.datei.to_string_lossy().into_owned();
        let mut v = Anweisungen {
            datei: &datei,
            out: Vec::new(),
        };
        v.visit_file(&m.ast);
        out.extend(v.out);
    }
    out
}

/// The highest `$n` placeholder in a statement (0: none); PostgreSQL's `$f$` quoting aside.
pub fn hoechster_platzhalter(sql: &str) -> usize {
    let b = sql.as_bytes();
    let mut max = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let mut j = i + 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j > i + 1 {
                max = max.max(sql[i + 1..j].parse().unwrap_or(0));
            }
            i = j;
        } else {
            i += 1;
        }
    }
    max
}

//! The layers of rosa's modules (issue 19). Reads every `crate::` path in `src/`,
//! builds the graph of top-level modules (`index`, `roster`, `audit`, ...), and
//! checks two invariants:
//!
//! - every module is in one layer of [`LAYERS`] and imports only from its own
//!   layer or the layers below it;
//! - no import cycle, not even inside a layer.
//!
//! A violation fails the test naming the file that imports and the file of the
//! module it imports. Code under `#[cfg(test)]` (and the files of
//! `#[cfg(test)] mod tests;`) is not read: tests may import any layer. A new
//! module must be placed in the table; ARCHITECTURE.md describes the layers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first; a module may import its own layer and those below.
const LAYERS: &[(&str, &[&str])] = &[
    // Errors, the output language, dates, digests, number formats, fault injection,
    // the binary codec, the reference data (taxonomies, comuni, ESCO), the validated records and
    // their import from ClicLavoro XML.
    (
        "core",
        &[
            "error", "lang", "date", "digest", "number", "fault", "codec", "taxonomy", "geo",
            "esco", "model", "import",
        ],
    ),
    // The law: the rules' vocabulary and the per-row types it needs, congruity
    // of an offer, the graduatorie.
    ("law", &["law", "congruity", "graduatoria"]),
    // Every tunable number, validated, and its fingerprint.
    ("policy", &["policy"]),
    // The store: the audit log's file, per-row features, bitmaps by key, the
    // text index, the index (rows, commits, snapshots).
    (
        "store",
        &["journal", "features", "filters", "text", "index"],
    ),
    // A query and what answers it: rules, score, top-k, roster, explanation, offers,
    // and the words of rule and criterion details (render).
    (
        "search",
        &[
            "query", "rules", "score", "roster", "explain", "offers", "render",
        ],
    ),
    // The audit trail read against the index: verify, repair, replay.
    ("audit", &["audit"]),
    // The adapters: gRPC server and the CLI.
    ("adapters", &["grpc", "cli"]),
    // Tooling: the generator, the evaluation, the fuzzing entry points.
    ("tooling", &["gen", "eval", "fuzzing"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file under `src/` belongs to (`None` for the crate root
/// and the binary).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (!matches!(name.as_str(), "lib" | "main")).then_some(name)
}

/// The source text without its test-only items (an item under `#[cfg(test)]`:
/// a `mod tests { .. }`, a helper), and the names of the modules declared
/// test-only in another file (`#[cfg(test)] mod tests;`). Test code may import
/// any layer (a unit test of the store may build a roster); only the code that
/// is compiled into rosa is layered. String, char and comment text is skipped
/// when braces are matched.
fn without_tests(text: &str) -> (String, Vec<String>) {
    const MARK: &str = "#[cfg(test)]";
    let b = text.as_bytes();
    let mut out = String::new();
    let mut test_files = Vec::new();
    let mut rest = 0;
    while let Some(i) = text[rest..].find(MARK) {
        let start = rest + i;
        out.push_str(&text[rest..start]);
        let mut j = start + MARK.len();
        // Further attributes and whitespace before the item.
        loop {
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if text[j..].starts_with("#[") {
                j = skip_item(b, j, true);
            } else {
                break;
            }
        }
        let item = text[j..]
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub ");
        if let Some(decl) = item.strip_prefix("mod ") {
            let name: String = decl
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if decl[name.len()..].trim_start().starts_with(';') {
                test_files.push(name);
            }
        }
        rest = skip_item(b, j, false);
    }
    out.push_str(&text[rest..]);
    (out, test_files)
}

/// The end of the item (or, with `attribute`, of the `#[..]`) starting at `i`:
/// past its first `;` at depth 0, or past the bracket that closes its first
/// brace (bracket, for an attribute).
fn skip_item(b: &[u8], mut i: usize, attribute: bool) -> usize {
    let (open, close) = if attribute {
        (b'[', b']')
    } else {
        (b'{', b'}')
    };
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'"' => {
                // A raw string r#"..."#: its hashes end it; else escapes count.
                let hashes = b[..i].iter().rev().take_while(|&&c| c == b'#').count();
                let raw = i > hashes && b[i - hashes - 1] == b'r';
                i += 1;
                while i < b.len() {
                    if !raw && b[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if b[i] == b'"' && b[i + 1..].iter().take(hashes).all(|&c| c == b'#') {
                        i += hashes;
                        break;
                    }
                    i += 1;
                }
            }
            // A char literal ('{', '\'', '\u{7b}'), not a lifetime.
            b'\'' if b.get(i + 2) == Some(&b'\'') => i += 2,
            b'\'' if b.get(i + 1) == Some(&b'\\') => {
                i += 2;
                while i < b.len() && b[i] != b'\'' {
                    i += 1;
                }
            }
            c if c == open => depth += 1,
            c if c == close => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            b';' if depth == 0 && !attribute => return i + 1,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// Top-level modules named after `crate::` in a source text, `use crate::{a, b::{..}}`
/// groups over several lines included. Line comments are skipped.
fn imports(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let Some(group) = rest.strip_prefix('{') else {
            out.insert(ident(rest));
            continue;
        };
        // The first segment of each top-level item of the group.
        let (mut depth, mut item_start) = (0usize, true);
        for (j, c) in group.char_indices() {
            if item_start && depth == 0 {
                let name = ident(&group[j..]);
                if !name.is_empty() {
                    out.insert(name);
                    item_start = false;
                }
            }
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => item_start = true,
                _ => {}
            }
        }
    }
    out.remove("");
    out
}

/// Edges whose ends are in one strongly connected component (Tarjan).
fn cyclic_edges(graph: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<(String, String)> {
    struct T<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on: BTreeSet<&'g str>,
        comp: BTreeMap<&'g str, usize>,
        next: usize,
        comps: usize,
    }
    fn visit<'g>(t: &mut T<'g>, v: &'g str) {
        t.index.insert(v, t.next);
        t.low.insert(v, t.next);
        t.next += 1;
        t.stack.push(v);
        t.on.insert(v);
        for w in t.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !t.index.contains_key(w) {
                visit(t, w);
                let l = t.low[w].min(t.low[v]);
                t.low.insert(v, l);
            } else if t.on.contains(w) {
                let l = t.index[w].min(t.low[v]);
                t.low.insert(v, l);
            }
        }
        if t.low[v] == t.index[v] {
            loop {
                let w = t.stack.pop().unwrap();
                t.on.remove(w);
                t.comp.insert(w, t.comps);
                if w == v {
                    break;
                }
            }
            t.comps += 1;
        }
    }
    let mut t = T {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        comp: BTreeMap::new(),
        next: 0,
        comps: 0,
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    let mut out = BTreeSet::new();
    for (v, ws) in graph {
        for w in ws {
            if t.comp.get(v.as_str()) == t.comp.get(w.as_str()) {
                out.insert((v.clone(), w.clone()));
            }
        }
    }
    out
}

/// The file of a top-level module (`src/x.rs` or `src/x/mod.rs`).
fn file_of(src: &Path, module: &str) -> String {
    let flat = src.join(format!("{module}.rs"));
    if flat.exists() {
        format!("src/{module}.rs")
    } else {
        format!("src/{module}/mod.rs")
    }
}

#[test]
fn modules_import_only_their_own_layer_and_those_below_without_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(&src, f)).collect();
    let layer: BTreeMap<&str, (usize, &str)> = LAYERS
        .iter()
        .enumerate()
        .flat_map(|(i, (name, ms))| ms.iter().map(move |m| (*m, (i, *name))))
        .collect();
    let unplaced: Vec<&String> = modules
        .iter()
        .filter(|m| !layer.contains_key(m.as_str()))
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules in no layer of LAYERS (place them): {unplaced:?}"
    );
    let gone: Vec<&&str> = layer.keys().filter(|m| !modules.contains(**m)).collect();
    assert!(
        gone.is_empty(),
        "LAYERS names modules that do not exist: {gone:?}"
    );
    // The code of each file without its tests, and the files that are tests.
    let mut code: BTreeMap<&PathBuf, String> = BTreeMap::new();
    let mut test_files: Vec<PathBuf> = Vec::new();
    for f in &files {
        let (text, tests) = without_tests(&std::fs::read_to_string(f).unwrap());
        let stem = f.file_stem().unwrap();
        let dir = if stem == "mod" || stem == "lib" {
            f.parent().unwrap().to_path_buf()
        } else {
            f.with_extension("")
        };
        test_files.extend(tests.iter().map(|t| dir.join(t)));
        code.insert(f, text);
    }
    let is_test = |f: &Path| {
        test_files
            .iter()
            .any(|t| f == t.with_extension("rs") || f.starts_with(t))
    };
    assert!(
        is_test(&src.join("audit/tests.rs")) && !is_test(&src.join("audit/mod.rs")),
        "the scan no longer finds `#[cfg(test)] mod tests;`: {test_files:?}"
    );
    // Module graph, and for each edge the first file that makes it.
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut witness: BTreeMap<(String, String), PathBuf> = BTreeMap::new();
    for f in &files {
        let Some(from) = module_of(&src, f) else {
            continue;
        };
        if is_test(f) {
            continue;
        }
        for to in imports(&code[f]) {
            if to != from && modules.contains(&to) {
                graph.entry(from.clone()).or_default().insert(to.clone());
                witness
                    .entry((from.clone(), to))
                    .or_insert_with(|| f.strip_prefix(&src).unwrap().to_path_buf());
            }
        }
    }
    assert!(
        graph.values().map(BTreeSet::len).sum::<usize>() > 20,
        "the import scan found almost nothing: {graph:?}"
    );
    let name = |e: &(String, String)| {
        let (lf, lt) = (layer[e.0.as_str()], layer[e.1.as_str()]);
        format!(
            "src/{} ({}) imports {} ({})",
            witness[e].display(),
            lf.1,
            file_of(&src, &e.1),
            lt.1
        )
    };
    let upward: Vec<String> = witness
        .keys()
        .filter(|(a, b)| layer[a.as_str()].0 < layer[b.as_str()].0)
        .map(name)
        .collect();
    assert!(
        upward.is_empty(),
        "{} import(s) from a higher layer:\n  {}",
        upward.len(),
        upward.join("\n  ")
    );
    let cyclic: Vec<String> = cyclic_edges(&graph).iter().map(name).collect();
    assert!(
        cyclic.is_empty(),
        "{} import(s) on a cycle between modules:\n  {}",
        cyclic.len(),
        cyclic.join("\n  ")
    );
}

#[test]
fn the_scan_reads_use_groups_and_paths_and_skips_comments() {
    let text = "use crate::index::{Index, Small};\nuse crate::{audit, policy::hex};\n\
                let x = crate::roster::top_k(a);\n// crate::gen is only mentioned\n\
                use crate::{\n    esco::{Inferred, OccId},\n    model,\n};\n";
    let got: Vec<String> = imports(text).into_iter().collect();
    assert_eq!(got, ["audit", "esco", "index", "model", "policy", "roster"]);
    let text = "use crate::a;\n#[cfg(test)]\nmod tests {\n    use crate::b;\n    \
                fn f() { let _ = ('{', \"}\", r#\"}\"#); }\n}\nuse crate::c;\n\
                #[cfg(test)]\n#[path = \"t.rs\"]\nmod t;\n#[cfg(test)]\n\
                pub(crate) fn g() -> u8 { crate::d::x() }\n";
    let (code, test_files) = without_tests(text);
    let got: Vec<String> = imports(&code).into_iter().collect();
    assert_eq!(got, ["a", "c"], "{code}");
    assert_eq!(test_files, ["t"]);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, b) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        g.entry(a.into()).or_default().insert(b.into());
    }
    let cyc: Vec<(String, String)> = cyclic_edges(&g).into_iter().collect();
    assert_eq!(cyc.len(), 3, "{cyc:?}");
    assert!(!cyc.contains(&("c".into(), "d".into())));
}

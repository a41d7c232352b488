use super::csv::*;
use super::normalise::*;
use super::skills::*;
use super::*;

const TIG: &str = "http://data.europa.eu/esco/skill/a51adea8-bf02-488a-a0d8-b0961caca5b0";
const FORKLIFT: &str = "http://data.europa.eu/esco/skill/28cb374e-6261-4133-8371-f9a5470145da";
const HACCP: &str = "http://data.europa.eu/esco/skill/5ba1d5b9-3f8d-46ca-bf9f-2e9ca65d1350";
const CASH_REGISTER: &str = "http://data.europa.eu/esco/skill/0cb013af-6dd9-4fb2-b34e-63dda1a5cf82";

fn skills() -> &'static SkillTaxonomy {
    SkillTaxonomy::embedded()
}

#[test]
fn related_skills_share_distinctive_label_words() {
    let t = skills();
    let id = |uri: &str| {
        t.by_uri(&format!("http://data.europa.eu/esco/skill/{uri}"))
            .unwrap()
    };
    let tig = id("a51adea8-bf02-488a-a0d8-b0961caca5b0"); // perform tungsten inert gas welding
    let mig = id("f015c5d5-6a1c-4f63-9012-a05f4f34105e"); // perform metal inert gas welding
    let forklift = id("28cb374e-6261-4133-8371-f9a5470145da"); // operate forklift
                                                               // {tungsten, inert, gas, welding} and {inert, gas, welding}: "perform" and
                                                               // "metal" are too common to count; Dice 2·3 / (4 + 3).
    assert_eq!(t.related(tig, mig), 6.0 / 7.0);
    assert_eq!(t.related(mig, tig), 6.0 / 7.0);
    assert_eq!(t.related(tig, forklift), 0.0);
    assert_eq!(t.related(tig, tig), 1.0);
}

fn id(uri: &str) -> SkillId {
    skills()
        .by_uri(uri)
        .unwrap_or_else(|| panic!("{uri} not in the taxonomy"))
}

fn best(label: &str) -> Option<SkillMatch> {
    skills().normalise_label(label, DEFAULT_LABEL_THRESHOLD)
}

#[test]
fn split_csv_line_handles_quotes_commas_and_doubled_quotes() {
    assert_eq!(split_csv_line("a,b,,c"), ["a", "b", "", "c"]);
    assert_eq!(
        split_csv_line("001004,A157,Albiano d'Ivrea,TO\r\n"),
        ["001004", "A157", "Albiano d'Ivrea", "TO"]
    );
    assert_eq!(
        split_csv_line(r#"u,"evaluate data, information",x"#),
        ["u", "evaluate data, information", "x"]
    );
    assert_eq!(split_csv_line(r#""say ""hi""",b"#), [r#"say "hi""#, "b"]);
    assert_eq!(split_csv_line(r#"a"b,c"#), [r#"a"b"#, "c"]);
    assert_eq!(split_csv_line(""), [""]);
}

#[test]
fn csv_records_span_quoted_newlines_and_count_lines() {
    let text = "h1,h2\n\"a\nb\",c\n\nd,e\n";
    let recs: Vec<_> = CsvRecords::new(text, "t").map(Result::unwrap).collect();
    assert_eq!(recs[0], (1, vec!["h1".to_string(), "h2".to_string()]));
    assert_eq!(recs[1], (2, vec!["a\nb".to_string(), "c".to_string()]));
    assert_eq!(recs[2], (5, vec!["d".to_string(), "e".to_string()]));
    assert_eq!(recs.len(), 3);
    let err = CsvRecords::new("h\n\"open", "t")
        .nth(1)
        .unwrap()
        .unwrap_err();
    assert_eq!(err.line, 2);
}

#[test]
fn isco_contains_every_level_and_knows_levels() {
    let isco = Isco::embedded();
    for (code, level) in [("7", 1), ("72", 2), ("721", 3), ("7212", 4), ("0110", 4)] {
        assert!(isco.contains(code), "{code}");
        assert_eq!(isco.level(code), Some(level), "{code}");
    }
    assert!(!isco.contains("7299"));
    assert!(!isco.contains("72120"));
    assert!(!isco.contains(""));
    assert_eq!(isco.title("7212"), Some("Welders and flamecutters"));
    assert_eq!(
        isco.title("03"),
        Some("Armed forces occupations, other ranks")
    );
    let units: Vec<&str> = isco.unit_groups().collect();
    assert!(units.windows(2).all(|w| w[0] < w[1]));
    assert!(units.iter().all(|u| u.len() == 4));
    assert!(units.contains(&"7212"));
}

#[test]
fn isco_errors_name_file_and_line() {
    let e = Isco::parse_csv("code,level,title\n1,1,Managers\n123,3,Orphan\n").unwrap_err();
    assert_eq!((e.file, e.line), (ISCO_FILE, 3));
    let e = Isco::parse_csv("code,level,title\n1,2,Managers\n").unwrap_err();
    assert_eq!(e.line, 2);
    assert!(Isco::parse_csv("code,title\n").is_err());
}

#[test]
fn isco_shared_digits_counts_the_common_prefix() {
    assert_eq!(isco_shared_digits("7212", "7212"), 4);
    assert_eq!(isco_shared_digits("7212", "7213"), 3);
    assert_eq!(isco_shared_digits("7212", "7221"), 2);
    assert_eq!(isco_shared_digits("7212", "7311"), 1);
    assert_eq!(isco_shared_digits("7212", "5120"), 0);
    assert_eq!(isco_shared_digits("7212", "72"), 2);
    assert_eq!(isco_shared_digits("", "7212"), 0);
    assert_eq!(isco_shared_digits("72125", "72125"), 4);
}

#[test]
fn normalise_text_folds_case_accents_and_punctuation() {
    assert_eq!(
        normalise_text("  Saldatura  TIG/MIG, l'elettrodo "),
        "saldatura tig mig l elettrodo"
    );
    assert_eq!(
        normalise_text("Qualità è Più Città Perché"),
        "qualita e piu citta perche"
    );
    assert_eq!(normalise_text("Ò-Ù\u{a0}ç"), "o u c");
    assert_eq!(normalise_text("--"), "");
}

#[test]
fn inflection_key_merges_italian_and_english_plurals() {
    assert_eq!(
        inflection_key("carrelli elevatori"),
        inflection_key("carrello elevatore")
    );
    assert_eq!(
        inflection_key("saldature tig"),
        inflection_key("saldatura tig")
    );
    assert_eq!(
        inflection_key("operate forklifts"),
        inflection_key("operate forklift")
    );
    assert_eq!(inflection_key("batteries"), inflection_key("battery"));
    assert_eq!(inflection_key("elettriche"), inflection_key("elettrici"));
    assert_ne!(inflection_key("tig"), inflection_key("ti"));
}

#[test]
fn embedded_taxonomy_loads_every_skill_and_synonym() {
    assert_eq!(skills().len(), 10_715);
    assert!(!skills().is_empty());
    let italian: Vec<_> = skills().italian_labels().collect();
    assert!(italian.len() >= 120, "{}", italian.len());
    assert_eq!(italian[0].0, "saldatura");
    let tig = id(TIG);
    assert_eq!(
        skills().get(tig).label,
        "perform tungsten inert gas welding"
    );
    assert!(skills()
        .get(tig)
        .aliases
        .iter()
        .any(|a| a == "undertake tungsten inert gas welding"));
    // Aliases split on newlines as well as `|`.
    assert!(skills()
        .get(tig)
        .aliases
        .iter()
        .all(|a| !a.contains('\n') && !a.contains('|')));
}

#[test]
fn saldatura_tig_maps_to_tig_welding_in_any_spelling() {
    for label in [
        "saldatura TIG",
        "Saldatura tig ",
        "SALDATURA  TIG",
        "saldatura a TIG",
    ] {
        let m = best(label).unwrap_or_else(|| panic!("{label}"));
        assert_eq!(m.id, id(TIG), "{label}");
        assert_eq!(m.similarity, 1.0, "{label}");
    }
    let plural = best("saldature TIG").unwrap();
    assert_eq!(
        (plural.id, plural.similarity),
        (id(TIG), INFLECTION_SIMILARITY)
    );
}

#[test]
fn muletto_and_forklift_variants_map_to_operate_forklift() {
    for label in [
        "muletto",
        "Carrello elevatore",
        "carrelli elevatori",
        "carrelli elevatore",
        "operate forklifts",
    ] {
        let m = best(label).unwrap_or_else(|| panic!("{label}"));
        assert_eq!(m.id, id(FORKLIFT), "{label}");
        assert!(
            m.similarity >= INFLECTION_SIMILARITY,
            "{label}: {}",
            m.similarity
        );
    }
    assert_eq!(best("muletto").unwrap().matched_label, "muletto");
}

#[test]
fn haccp_and_cash_register_map_to_their_skills() {
    let m = best("HACCP").unwrap();
    assert_eq!((m.id, m.similarity), (id(HACCP), 1.0));
    assert_eq!(best("Registratore di cassa").unwrap().id, id(CASH_REGISTER));
}

#[test]
fn english_exact_label_or_alias_scores_one() {
    let m = best("Operate Forklift").unwrap();
    assert_eq!((m.id, m.similarity), (id(FORKLIFT), 1.0));
    assert_eq!(m.matched_label, "operate forklift");
    let m = best("drive a forklift").unwrap();
    assert_eq!((m.id, m.similarity), (id(FORKLIFT), 1.0));
    assert_eq!(m.matched_label, "drive a forklift");
}

#[test]
fn misspelled_english_labels_map_with_partial_similarity() {
    for (label, uri) in [
        ("perform tungsten inert gas weldng", TIG),
        ("perform tungsten inert gas wleding", TIG),
        ("operate forklfit", FORKLIFT),
        ("operate frklift", FORKLIFT),
        ("operate cash regster", CASH_REGISTER),
    ] {
        let m = best(label).unwrap_or_else(|| panic!("{label}: no match"));
        assert_eq!(m.id, id(uri), "{label} -> {}", m.matched_label);
        assert!(
            (0.85..1.0).contains(&m.similarity),
            "{label}: {}",
            m.similarity
        );
    }
}

#[test]
fn garbage_and_empty_labels_match_nothing() {
    assert_eq!(best("xqzv kkk"), None);
    assert_eq!(best(""), None);
    assert_eq!(best(" -- "), None);
    assert_eq!(best("zzzzzzzzzz"), None);
}

#[test]
fn threshold_is_applied_to_the_best_similarity() {
    let m = best("operate forklfit").unwrap();
    assert_eq!(
        skills().normalise_label("operate forklfit", m.similarity),
        Some(m.clone())
    );
    assert_eq!(
        skills().normalise_label("operate forklfit", m.similarity + 0.001),
        None
    );
    assert!(skills().normalise_label("muletto", 1.0).is_some());
}

#[test]
fn every_italian_synonym_maps_back_to_its_own_skill() {
    for (label, sid) in skills().italian_labels() {
        let m = best(label).unwrap_or_else(|| panic!("{label}"));
        assert_eq!((m.id, m.similarity), (sid, 1.0), "{label}");
    }
}

#[test]
fn synonym_with_unknown_uri_is_an_error_naming_the_line() {
    let esco = "uri,label,aliases\nu1,weld,\"welding|welds\nweld metal\"\n";
    let ok = SkillTaxonomy::parse(esco, "label,uri\nsaldatura,u1\n").unwrap();
    assert_eq!(ok.get(0).aliases, ["welding", "welds", "weld metal"]);
    let e = SkillTaxonomy::parse(esco, "label,uri\nsaldatura,u1\nx,u2\n")
        .err()
        .unwrap();
    assert_eq!((e.file, e.line), (SYNONYMS_FILE, 3));
    let e = SkillTaxonomy::parse("uri,label,aliases\nu1,a,\nu1,b,\n", "label,uri\n")
        .err()
        .unwrap();
    assert_eq!((e.file, e.line), (ESCO_FILE, 3));
}

#[test]
fn results_are_deterministic_across_threads() {
    let labels = [
        "saldatura",
        "pulizie uffici",
        "cameriera di sala",
        "magazziniera",
        "welidng",
    ];
    let here: Vec<_> = labels.iter().map(|l| best(l)).collect();
    let there = std::thread::spawn(move || labels.iter().map(|l| best(l)).collect::<Vec<_>>())
        .join()
        .unwrap();
    assert_eq!(here, there);
}

/// `cargo test --release --lib taxonomy -- --ignored --nocapture`
#[test]
#[ignore = "timing report, run in release"]
fn time_embedded_load_and_normalise_label() {
    let t = std::time::Instant::now();
    let tax = SkillTaxonomy::parse(
        include_str!("../../data/esco_skills.csv"),
        include_str!("../../data/skill_synonyms_it.csv"),
    )
    .unwrap();
    println!("load: {:?} ({} skills)", t.elapsed(), tax.len());
    let mut labels: Vec<String> = Vec::new();
    for (i, (label, _)) in tax.italian_labels().enumerate() {
        labels.push(label.to_string());
        labels.push(format!("{label}{}", ["i", "e", " base", "zione"][i % 4]));
    }
    for (i, s) in tax.skills.iter().enumerate().step_by(7).take(400) {
        let l: String = s.label.chars().take(40).collect();
        let mut typo: Vec<char> = l.chars().collect();
        if typo.len() > 4 {
            let k = i % (typo.len() - 1);
            typo.swap(k, k + 1);
        }
        labels.push(typo.into_iter().collect());
        labels.push(l.split(' ').rev().collect::<Vec<_>>().join(" "));
    }
    labels.extend(
        [
            "xqzv kkk",
            "esperienza pluriennale",
            "manutenzione",
            "pulizie civili",
        ]
        .map(String::from),
    );
    let n = 10_000;
    let t = std::time::Instant::now();
    let mut hits = 0;
    for i in 0..n {
        hits += tax
            .normalise_label(&labels[i % labels.len()], DEFAULT_LABEL_THRESHOLD)
            .is_some() as usize;
    }
    let per = t.elapsed() / n as u32;
    println!(
        "normalise_label: {per:?} per call over {n} calls, {} distinct labels, {hits} hits",
        labels.len()
    );
}
/// Labels with one or two typos, as a CV would have them.
fn typo_labels(tax: &SkillTaxonomy, n: usize) -> Vec<String> {
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |m: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % m as u64) as usize
    };
    let mut out = Vec::new();
    while out.len() < n {
        let s = &tax.skills[next(tax.skills.len())];
        let base = if s.aliases.is_empty() || next(2) == 0 {
            &s.label
        } else {
            &s.aliases[next(s.aliases.len())]
        };
        let mut c: Vec<char> = base.chars().take(40).collect();
        for _ in 0..1 + next(2) {
            if c.len() < 4 {
                break;
            }
            let i = next(c.len() - 1);
            match next(4) {
                0 => {
                    c.remove(i);
                }
                1 => c.insert(i, (b'a' + next(26) as u8) as char),
                2 => c[i] = (b'a' + next(26) as u8) as char,
                _ => c.swap(i, i + 1),
            }
        }
        out.push(c.into_iter().collect());
    }
    out
}

/// Labels with typos: the pruned search finds what comparing the label with
/// every entry finds (the same skill, or a match at least as similar), or
/// nothing when nothing reaches the threshold, for all but `MAX_MISSES` of
/// the 300 (fixed seed, so the count is exact).
///
/// The bound, 3 (1%): past the candidate step the pruning is exact
/// ([`similarity_bound`] is a true upper bound of [`similarity`]), but only
/// entries sharing [`MIN_SHARED_PERCENT`] of the query's trigrams become
/// candidates, and two typos close together in a short label destroy up to
/// eight trigrams: the three misses of the current code are such labels
/// (*jmll qfruits* for *jell fruits*, *maintkin coers*, *sprya test
/// pnael*), a deliberate trade of recall for speed. A change to the
/// candidate step that loses more fails here.
///
/// `cargo test --release --lib taxonomy::tests::recall -- --ignored --nocapture`
/// (about 4 minutes in a debug build: every label against every entry).
#[test]
#[ignore = "slow brute-force comparison, run in release"]
fn recall_against_brute_force() {
    const MAX_MISSES: usize = 3;
    let tax = skills();
    let labels = typo_labels(tax, 300);
    let (mut same, mut found, mut missed) = (0, 0, 0);
    for label in &labels {
        let q = normalise_text(label);
        let lq = q.chars().count();
        let mut brute: Option<(f32, SkillId, usize)> = None;
        for (i, e) in tax.entries.iter().enumerate() {
            let s = similarity(&q, &e.text, lq, e.chars as usize, 0.0).unwrap();
            if brute.is_none_or(|(bs, bk, bi)| s > bs || (s == bs && (e.skill, i) < (bk, bi))) {
                brute = Some((s, e.skill, i));
            }
        }
        let (bs, bk, _) = brute.unwrap();
        let got = tax.normalise_label(label, DEFAULT_LABEL_THRESHOLD);
        if bs < DEFAULT_LABEL_THRESHOLD && got.is_none() {
            same += 1;
            continue;
        }
        match got {
            Some(m) if m.id == bk || m.similarity >= bs => found += 1,
            other => {
                missed += 1;
                println!(
                    "MISS {label:?}: brute {bs:.3} {:?} got {other:?}",
                    tax.get(bk).label
                );
            }
        }
    }
    println!("both none {same}, found {found}, missed {missed}");
    assert_eq!(same + found + missed, labels.len());
    assert!(
        found > labels.len() / 2,
        "most typo labels map ({found} of {})",
        labels.len()
    );
    assert!(
        missed <= MAX_MISSES,
        "{missed} labels missed the best entry (at most {MAX_MISSES})"
    );
}

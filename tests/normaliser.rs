//! The label normaliser on real-world ways of writing competences in Italian CPI
//! records and job ads: Italian and English, case, accents dropped or written as
//! apostrophes, plurals and gender endings, dotted abbreviations, job titles used
//! as skills, and typos. Each label must map to the expected ESCO skill (URIs from
//! `data/skill_synonyms_it.csv`) with a similarity at or above the default
//! threshold; nonsense and non-skills must not map.

use rosa::taxonomy::{SkillTaxonomy, DEFAULT_LABEL_THRESHOLD};

const ESCO: &str = "http://data.europa.eu/esco/skill/";
const WELDING: &str = "29d762da-1711-4a3c-b424-f0a404f4bf2d";
const TIG: &str = "a51adea8-bf02-488a-a0d8-b0961caca5b0";
const FORKLIFT: &str = "28cb374e-6261-4133-8371-f9a5470145da";
const HACCP: &str = "5ba1d5b9-3f8d-46ca-bf9f-2e9ca65d1350";
const TILL: &str = "0cb013af-6dd9-4fb2-b34e-63dda1a5cf82";
const OFFICE: &str = "f683ae1d-cb7c-4aa1-b9fe-205e1bd23535";
const SPREADSHEETS: &str = "1973c966-f236-40c9-b2d4-5d71a89019be";
const ELDERLY: &str = "261e740b-d32d-4356-94a8-3ea29128b70b";
const PATIENTS: &str = "24f980ba-b44f-4739-b563-205104c3190d";
const CLEANING: &str = "4f1b6304-f54a-42f0-9604-5427a28d240f";
const CLEAN_ROOMS: &str = "7bb01a18-4637-4535-ba18-258f48f705b8";
const WAREHOUSE: &str = "5d2e82cc-5943-4218-a459-a1956fad2b63";
const DRIVING: &str = "2a82241a-216e-44d8-bb50-6b9a0ef82084";
const CUSTOMER_SERVICE: &str = "75dfe1ee-5935-42ce-b820-697f827825c3";
const ACCOUNTS: &str = "faf8943c-72ff-4736-a587-25508695d6f0";
const COOKING: &str = "f3934441-4bff-4076-9945-e6c51a01c467";
const TABLE_SERVICE: &str = "42a6eff0-e9d9-423d-877b-e48fe91ff26f";

/// (label as written, expected skill).
const VARIANTS: &[(&str, &str)] = &[
    // Welding: case, dotted abbreviation, plural, English.
    ("saldatura tig", TIG),
    ("Saldatura T.I.G.", TIG),
    ("saldature", WELDING),
    ("SALDATURA", WELDING),
    ("welding", WELDING),
    // Forklift: job titles, licence wording, plural, English.
    ("carrellista", FORKLIFT),
    ("mulettista", FORKLIFT),
    ("patentino muletto", FORKLIFT),
    ("patentino del muletto", FORKLIFT),
    ("carrelli elevatori", FORKLIFT),
    ("forklift", FORKLIFT),
    // Food hygiene.
    ("HACCP", HACCP),
    ("haccp alimentare", HACCP),
    // Till: masculine for the listed feminine, object.
    ("cassa", TILL),
    ("cassiere", TILL),
    ("cassiera", TILL),
    ("registratore di cassa", TILL),
    // Office software, with a doubled letter.
    ("pacchetto office", OFFICE),
    ("excel", SPREADSHEETS),
    ("excell", SPREADSHEETS),
    // Care work: an extra preposition, job titles, dotted acronym.
    ("assistenza anziani", ELDERLY),
    ("assistenza agli anziani", ELDERLY),
    ("badante", ELDERLY),
    ("OSS", PATIENTS),
    ("O.S.S.", PATIENTS),
    // Cleaning: plural of a listed phrase, English.
    ("pulizie", CLEANING),
    ("cleaning", CLEANING),
    ("pulizie uffici", CLEAN_ROOMS),
    // Warehouse and driving.
    ("magazzino", WAREHOUSE),
    ("magazziniere", WAREHOUSE),
    ("guida furgone", DRIVING),
    // Customer service, Italian and English.
    ("customer service", CUSTOMER_SERVICE),
    ("servizio clienti", CUSTOMER_SERVICE),
    // Accounting: accent, no accent, accent as apostrophe.
    ("contabilità", ACCOUNTS),
    ("contabilita", ACCOUNTS),
    ("contabilita'", ACCOUNTS),
    // Kitchen and dining room: gender and number.
    ("cuoca", COOKING),
    ("camerieri", TABLE_SERVICE),
];

#[test]
fn real_world_variants_map_to_the_expected_skill() {
    let t = SkillTaxonomy::embedded();
    let mut failures = Vec::new();
    for &(label, want) in VARIANTS {
        let want = format!("{ESCO}{want}");
        assert!(
            t.by_uri(&want).is_some(),
            "{want} is not in esco_skills.csv"
        );
        match t.normalise_label(label, DEFAULT_LABEL_THRESHOLD) {
            Some(m) if t.get(m.id).uri == want && m.similarity >= DEFAULT_LABEL_THRESHOLD => {}
            Some(m) => failures.push(format!(
                "{label:?} -> {} {:?} via {:?} ({:.3}), want {want}",
                t.get(m.id).uri,
                t.get(m.id).label,
                m.matched_label,
                m.similarity
            )),
            None => failures.push(format!("{label:?} -> no match, want {want}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn nonsense_and_non_skills_do_not_map() {
    let t = SkillTaxonomy::embedded();
    // Nonsense, a party, a sport, a driving licence and a language (licences and
    // languages are separate fields, not skills).
    for label in [
        "xyzzy",
        "pizza party",
        "asdfgh",
        "calcio",
        "patente B",
        "inglese",
        "",
        "  ",
    ] {
        let m = t.normalise_label(label, DEFAULT_LABEL_THRESHOLD);
        assert!(
            m.is_none(),
            "{label:?} should not map, got {:?}",
            m.map(|m| (t.get(m.id).label.clone(), m.matched_label, m.similarity))
        );
    }
}

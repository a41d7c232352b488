//! The Ministry of Labour's code lists, as the ClicLavoro schemas use them, mapped to
//! rosa's vocabulary. Each table says where its reading comes from; a code that matches
//! the schema's pattern but is not in a table is not guessed: the importer leaves the
//! value out and says so in the report.

use crate::model::{Cefr, ContractType};

/// EQF level of a ClicLavoro *titolo di studio* (`titolostudio`, `idtitolostudio`: two
/// digits). The Ministry's list is grouped by the first digit (the regional systems send
/// the first digit followed by 0, except `81` and `83`, which they keep; Emilia-Romagna's
/// SIL `DeTitolo.getCodTitoloClicLavoro` does exactly this). Levels follow the Italian EQF
/// referencing report (2012, updated 2018):
///
/// | code | title | EQF |
/// |---|---|---|
/// | 00 | nessun titolo | none |
/// | 10 | licenza elementare | 1 |
/// | 20 | licenza media (first cycle) | 1 |
/// | 30 | qualifica professionale (IeFP, 3 years) | 3 |
/// | 40 | diploma di scuola secondaria superiore | 4 |
/// | 50 | diploma terziario extra-universitario (ITS, AFAM) | 5 |
/// | 60 | diploma universitario, laurea (first cycle) | 6 |
/// | 70 | laurea magistrale / specialistica / vecchio ordinamento | 7 |
/// | 80 | dottorato di ricerca | 8 |
/// | 81, 83 | post-laurea titles (master, specializzazione) | 7 (held for certain; not overstated) |
///
/// Other codes in a group (`41`, `72`...) take their group's level: the Ministry's
/// groups are the levels of study. `None` means no title (or `00`).
pub fn titolo_eqf(code: &str) -> Option<Result<u8, ()>> {
    let b = code.as_bytes();
    if b.len() != 2 || !b.iter().all(u8::is_ascii_digit) {
        return Some(Err(()));
    }
    Some(Ok(match (b[0], b[1]) {
        (b'0', _) => return None,
        (b'1', _) | (b'2', _) => 1,
        (b'3', _) => 3,
        (b'4', _) => 4,
        (b'5', _) => 5,
        (b'6', _) => 6,
        (b'7', _) => 7,
        (b'8', b'0') => 8,
        (b'8', _) => 7,
        _ => return Some(Err(())),
    }))
}

/// ISO 639-1 code of a ClicLavoro language code (`idlingua`: three letters, three digits
/// or `WU`). The Ministry's table uses three-letter codes; both the ISO 639-2
/// bibliographic and terminological forms and the Italian abbreviations used by the
/// regional systems (`ING`, `TED`...) are read. Numeric codes are regional and not read.
pub fn language(code: &str) -> Option<&'static str> {
    Some(match code {
        "ENG" | "ING" => "en",
        "FRA" | "FRE" => "fr",
        "DEU" | "GER" | "TED" => "de",
        "SPA" => "es",
        "ITA" => "it",
        "POR" => "pt",
        "RUS" => "ru",
        "ARA" => "ar",
        "ZHO" | "CHI" | "CIN" => "zh",
        "JPN" | "GIA" => "ja",
        "NLD" | "DUT" | "OLA" => "nl",
        "POL" => "pl",
        "RON" | "RUM" => "ro",
        "ALB" | "SQI" => "sq",
        "UKR" => "uk",
        "GRE" | "ELL" => "el",
        "TUR" => "tr",
        "SWE" | "SVE" => "sv",
        "DAN" => "da",
        "FIN" => "fi",
        "NOR" => "no",
        "CES" | "CZE" => "cs",
        "SLK" | "SLO" => "sk",
        "SLV" => "sl",
        "HRV" | "SCR" | "CRO" => "hr",
        "SRP" | "SCC" => "sr",
        "BUL" => "bg",
        "HUN" | "UNG" => "hu",
        "HIN" => "hi",
        "BEN" => "bn",
        "URD" => "ur",
        "PER" | "FAS" => "fa",
        "HEB" => "he",
        "KOR" => "ko",
        "VIE" => "vi",
        "TGL" => "tl",
        "SWA" => "sw",
        "AMH" => "am",
        "TIR" => "ti",
        "SOM" => "so",
        "PAN" => "pa",
        "TAM" => "ta",
        "SIN" => "si",
        "MAY" | "MSA" => "ms",
        "IND" => "id",
        "LIT" => "lt",
        "LAV" => "lv",
        "EST" => "et",
        "MKD" | "MAC" => "mk",
        "BOS" => "bs",
        "CAT" => "ca",
        _ => return None,
    })
}

/// CEFR level of a Ministry language level (`idlivello*`: `[A-C][1-2]`). The Ministry's
/// levels are the CEFR's six; anything else is not a level.
pub fn cefr(code: &str) -> Option<Cefr> {
    Some(match code {
        "A1" => Cefr::A1,
        "A2" => Cefr::A2,
        "B1" => Cefr::B1,
        "B2" => Cefr::B2,
        "C1" => Cefr::C1,
        "C2" => Cefr::C2,
        _ => return None,
    })
}

/// rosa licence code of a ClicLavoro driving licence (`idpatenteguida`, two digits), in
/// the order of the categories of the Codice della strada (art. 116) as the Ministry's
/// list numbers them. Codes outside the table are left out and reported.
pub fn driving_licence(code: &str) -> Option<&'static str> {
    Some(match code {
        "01" => "AM",
        "02" => "A1",
        "03" => "A2",
        "04" => "A",
        "05" => "B1",
        "06" => "B",
        "07" => "BE",
        "08" => "C1",
        "09" => "C1E",
        "10" => "C",
        "11" => "CE",
        "12" => "D1",
        "13" => "D1E",
        "14" => "D",
        "15" => "DE",
        "16" => "KA",
        "17" => "KB",
        "18" => "CQC",
        _ => return None,
    })
}

/// rosa licence code of a ClicLavoro *patentino* (`idpatentino`, two digits: operator
/// certificates). Codes outside the table are left out and reported.
pub fn patentino(code: &str) -> Option<&'static str> {
    Some(match code {
        "01" => "forklift",
        "02" => "crane",
        "03" => "aerial_platform",
        "04" => "earthmoving",
        "05" => "boiler",
        "06" => "pesticides",
        "07" => "gas_handling",
        "08" => "haccp",
        "09" => "welding",
        "10" => "first_aid",
        "11" => "fire_safety",
        _ => return None,
    })
}

/// rosa contract kind of a ClicLavoro contract type (`idtipologiacontratto`,
/// `[A-Z][0-9]{2}`: the UniLav *tipologia contrattuale* family without its last level:
/// A.01 *tempo indeterminato*, A.02 *tempo determinato*, A.03 *apprendistato*, C.01
/// *tirocinio*). Every other family (intermittent, shared, home work, self-employment,
/// collaborations, and agency work, whose family code rosa could not check) is `None`:
/// left out and reported, never guessed.
pub fn contract(code: &str) -> Option<ContractType> {
    Some(match code {
        "A01" => ContractType::Permanent,
        "A02" => ContractType::FixedTerm,
        "A03" => ContractType::Apprenticeship,
        "C01" => ContractType::Internship,
        _ => return None,
    })
}

/// Working time of a ClicLavoro working mode (`idmodalitalavorativa`,
/// `idmodalitalavoro`: two letters). `FT` full time; `PT` (and the part-time kinds
/// `PO` horizontal, `PV` vertical, `PM` mixed) part time. `None`: not a working time.
pub fn working_time(code: &str) -> Option<WorkingTime> {
    Some(match code {
        "FT" => WorkingTime::Full,
        "PT" | "PO" | "PV" | "PM" => WorkingTime::Part,
        _ => return None,
    })
}

/// Full or part time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkingTime {
    /// Full time.
    Full,
    /// Part time.
    Part,
}

/// Weekly hours given to a vacancy by its working mode: ClicLavoro carries no hours.
/// Full time is 40 (the usual CCNL week), part time 20; no mode reads as full time.
pub fn weekly_hours(w: Option<WorkingTime>) -> f64 {
    match w {
        Some(WorkingTime::Part) => 20.0,
        _ => 40.0,
    }
}

/// Monthly payments an annual gross pay (*retribuzione annua lorda*) is divided into:
/// twelve months plus the *tredicesima*, which every CCNL pays.
pub const MONTHLY_PAYMENTS: f64 = 13.0;

/// Whether a shift (`turno`, a regional code) is a night shift: `N`, `NOT`, `NOTTE`,
/// `NOTTURNO` in any case.
pub fn is_night_shift(code: &str) -> bool {
    matches!(
        code.to_ascii_uppercase().as_str(),
        "N" | "NOT" | "NOTTE" | "NOTTURNO" | "NOTTURNI"
    )
}

/// Region name (as in `data/comuni.csv`) of an ISTAT region code (`codregionedisp`,
/// `ambitodiffusione`).
pub fn region(code: &str) -> Option<&'static str> {
    Some(match code {
        "01" => "Piemonte",
        "02" => "Valle d'Aosta/Vallée d'Aoste",
        "03" => "Lombardia",
        "04" => "Trentino-Alto Adige/Südtirol",
        "05" => "Veneto",
        "06" => "Friuli-Venezia Giulia",
        "07" => "Liguria",
        "08" => "Emilia-Romagna",
        "09" => "Toscana",
        "10" => "Umbria",
        "11" => "Marche",
        "12" => "Lazio",
        "13" => "Abruzzo",
        "14" => "Molise",
        "15" => "Campania",
        "16" => "Puglia",
        "17" => "Basilicata",
        "18" => "Calabria",
        "19" => "Sicilia",
        "20" => "Sardegna",
        _ => return None,
    })
}

/// Parses a *durata* (free text of up to 30 characters: `6`, `6 mesi`, `1 anno`,
/// `12 settimane`, `90 giorni`) into whole months (at least 1). A bare number is months.
pub fn duration_months(text: &str) -> Option<u32> {
    let t = text.trim().to_lowercase();
    let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
    let n: u32 = digits.parse().ok()?;
    if n == 0 {
        return None;
    }
    let unit = t[digits.len()..].trim();
    let months = if unit.is_empty() || unit.starts_with("mes") || unit == "m" {
        n
    } else if unit.starts_with("ann") || unit == "a" {
        n.checked_mul(12)?
    } else if unit.starts_with("settiman") || unit == "s" {
        (n * 7).div_ceil(30)
    } else if unit.starts_with("giorn") || unit == "g" || unit == "gg" {
        n.div_ceil(30)
    } else {
        return None;
    };
    Some(months.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titolo_groups_map_to_eqf() {
        assert_eq!(titolo_eqf("00"), None);
        assert_eq!(titolo_eqf("10"), Some(Ok(1)));
        assert_eq!(titolo_eqf("30"), Some(Ok(3)));
        assert_eq!(titolo_eqf("40"), Some(Ok(4)));
        assert_eq!(titolo_eqf("60"), Some(Ok(6)));
        assert_eq!(titolo_eqf("70"), Some(Ok(7)));
        assert_eq!(titolo_eqf("80"), Some(Ok(8)));
        assert_eq!(titolo_eqf("81"), Some(Ok(7)));
        assert_eq!(titolo_eqf("4"), Some(Err(())));
        assert_eq!(titolo_eqf("90"), Some(Err(())));
    }

    #[test]
    fn durations_read_as_months() {
        assert_eq!(duration_months("6"), Some(6));
        assert_eq!(duration_months("6 mesi"), Some(6));
        assert_eq!(duration_months("1 anno"), Some(12));
        assert_eq!(duration_months("2 anni"), Some(24));
        assert_eq!(duration_months("12 settimane"), Some(3));
        assert_eq!(duration_months("10 giorni"), Some(1));
        assert_eq!(duration_months("a lungo"), None);
        assert_eq!(duration_months("0"), None);
    }
}

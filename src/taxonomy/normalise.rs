//! Text normalisation of labels: case, accents and punctuation folded, and an
//! inflection key that merges Italian and English plurals.

/// Folds a lowercase letter with a diacritic to its base letter(s); `None` leaves it as is.
fn fold_diacritic(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' | 'ā' => "a",
        'è' | 'é' | 'ê' | 'ë' | 'ē' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'ø' | 'ō' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => "u",
        'ç' => "c",
        'ñ' => "n",
        'ý' | 'ÿ' => "y",
        'š' => "s",
        'ž' => "z",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        _ => return None,
    })
}

/// Normalises text for matching: lowercase, strip accents (à→a, è/é→e, ì→i, ò→o, ù→u, ç→c
/// and the other Latin diacritics), turn every non-alphanumeric character (apostrophes,
/// hyphens, slashes, punctuation, non-breaking spaces) into a space, collapse runs of
/// spaces, and trim. `"Saldatura  TIG/MIG, l'elettrodo"` → `"saldatura tig mig l elettrodo"`.
pub fn normalise_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else {
            space = true;
        }
    };
    for c in s.chars() {
        if c.is_ascii() {
            push(c.to_ascii_lowercase(), &mut out);
            continue;
        }
        for lc in c.to_lowercase() {
            match fold_diacritic(lc) {
                Some(folded) => folded.chars().for_each(|f| push(f, &mut out)),
                None => push(lc, &mut out),
            }
        }
    }
    out
}

/// Reduces a normalised text to an inflection-insensitive key, token by token (tokens of
/// at most 3 letters and tokens with digits are kept): English `-ies` → `-y`, a final `s`
/// (not `ss`) is dropped, then a final Italian vowel `a`/`e`/`i`/`o` is dropped, then the
/// `h` of a final `ch`/`gh` (Italian plurals `-che`/`-ghi`). So *carrelli elevatori* and
/// *carrello elevatore* share a key, and so do *forklifts* and *forklift*.
pub(super) fn inflection_key(normalised: &str) -> String {
    let mut out = String::with_capacity(normalised.len());
    for (i, token) in normalised.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let start = out.len();
        out.push_str(token);
        if token.chars().count() <= 3 || !token.chars().all(char::is_alphabetic) {
            continue;
        }
        if token.len() > 4 && token.ends_with("ies") {
            out.truncate(out.len() - 3);
            out.push('y');
        } else if token.ends_with('s') && !token.ends_with("ss") {
            out.pop();
        }
        if out.len() - start > 3 && out.ends_with(['a', 'e', 'i', 'o']) {
            out.pop();
        }
        if out.len() - start > 3 && (out.ends_with("ch") || out.ends_with("gh")) {
            out.pop();
        }
    }
    out
}

//! One JSON record: strict JSON (a key given twice is refused), then
//! deserialisation and validation.

use crate::error::FieldError;
use crate::geo::Comuni;
use crate::taxonomy::Isco;

use super::read::sniff_id;
use super::*;

/// Parses JSON text into a value, refusing duplicate keys (which serde_json
/// would resolve silently, last one wins: a record must say one thing). The
/// error is `(field, message)`: the duplicate key's dotted path, or `-` with
/// "malformed JSON: ..." for a syntax error.
fn strict_json(text: &str) -> Result<serde_json::Value, (String, String)> {
    // The common case without path tracking (it allocates per key); a bad
    // record is parsed again to find where it went wrong.
    if let Ok(Strict(v)) = serde_json::from_str(text) {
        return Ok(v);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value = match serde_path_to_error::deserialize(&mut de) {
        Ok(Strict(v)) => v,
        Err(err) => {
            let path = err.path().to_string();
            let message = err.into_inner().to_string();
            let Some((key, rest)) = message
                .strip_prefix(DUPLICATE_KEY)
                .and_then(|m| m.split_once(DUPLICATE_KEY_END))
            else {
                // A syntax error inside a field (a number out of range, e.g.
                // 1e400) names the field.
                // (`?`: serde_path_to_error's "not known yet", e.g. inside an
                // unfinished key.)
                let field = if path == "." || path == "?" || path.is_empty() {
                    "-".to_string()
                } else {
                    path
                };
                return Err((field, format!("malformed JSON: {message}")));
            };
            let field = if path == "." || path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            };
            return Err((field, format!("duplicate key{rest}")));
        }
    };
    de.end()
        .map_err(|e| ("-".to_string(), format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// How [`StrictVisitor`] frames a duplicate key in its error, so that
/// [`strict_json`] can put the key in the field path.
const DUPLICATE_KEY: &str = "duplicate key \u{1}";
const DUPLICATE_KEY_END: &str = "\u{1}";

/// A JSON value whose objects have no duplicate keys.
struct Strict(serde_json::Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Strict;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Strict, E> {
        Ok(Strict(v.into()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Strict, E> {
        Ok(Strict(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Strict, E> {
        Ok(Strict(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Strict, E> {
        // serde_json never yields a non-finite number, but say so if one comes.
        Ok(Strict(
            serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into),
        ))
    }
    fn visit_str<E>(self, v: &str) -> Result<Strict, E> {
        Ok(Strict(v.into()))
    }
    fn visit_string<E>(self, v: String) -> Result<Strict, E> {
        Ok(Strict(v.into()))
    }
    fn visit_unit<E>(self) -> Result<Strict, E> {
        Ok(Strict(serde_json::Value::Null))
    }
    fn visit_none<E>(self) -> Result<Strict, E> {
        Ok(Strict(serde_json::Value::Null))
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Strict, D::Error> {
        serde::Deserialize::deserialize(d)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Strict(serde_json::Value::Array(items)))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
        use serde::de::Error as _;
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match out.entry(key) {
                serde_json::map::Entry::Occupied(e) => {
                    let key = crate::error::escape(e.key());
                    return Err(A::Error::custom(format!(
                        "{DUPLICATE_KEY}{key}{DUPLICATE_KEY_END}: given twice, a record must give each field once"
                    )));
                }
                serde_json::map::Entry::Vacant(e) => {
                    let Strict(v) = map.next_value()?;
                    e.insert(v);
                }
            }
        }
        Ok(Strict(serde_json::Value::Object(out)))
    }
}

/// Parses and validates one JSON record; errors carry file, line, id and field.
pub fn parse_record<R: Record>(text: &str, file: &str, line: usize) -> Result<R, Vec<FieldError>> {
    if text.len() > MAX_LINE_BYTES {
        return Err(vec![FieldError::new(
            "-",
            format!("record is {} bytes, at most {MAX_LINE_BYTES}", text.len()),
        )
        .at(file, line, "-")]);
    }
    // Read the id first, so that even a record that fails to parse is named.
    let value = match strict_json(text) {
        Ok(v) => v,
        Err((field, message)) => {
            let id = sniff_id(text.as_bytes());
            return Err(vec![FieldError::new(field, message).at(
                file,
                line,
                id.as_deref().unwrap_or("-"),
            )]);
        }
    };
    let id = value
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or("-")
        .to_string();
    let id = if id.len() > 64 {
        format!(
            "{}...",
            &id[..id.char_indices().nth(60).map_or(id.len(), |(i, _)| i)]
        )
    } else {
        id
    };
    let rec: R = match serde_path_to_error::deserialize(value) {
        Ok(r) => r,
        Err(err) => {
            let path = err.path().to_string();
            let field = if path == "." || path.is_empty() {
                "-".to_string()
            } else {
                path
            };
            let msg = err.into_inner().to_string();
            // serde reports "missing field `x`" at the parent: put x in the field path.
            let field = match msg
                .strip_prefix("missing field `")
                .and_then(|m| m.split('`').next())
            {
                Some(name) if field == "-" => name.to_string(),
                Some(name) => format!("{field}.{name}"),
                None => field,
            };
            return Err(vec![FieldError::new(field, msg).at(file, line, &id)]);
        }
    };
    let errs = rec.check(Comuni::embedded(), Isco::embedded());
    if errs.is_empty() {
        Ok(rec)
    } else {
        Err(errs.into_iter().map(|e| e.at(file, line, &id)).collect())
    }
}

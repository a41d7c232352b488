//! Italian municipalities (*comuni*), distances between them and estimated travel times.
//!
//! Answers: "which comune is `F205`?", "how far is the workplace from the domicile?" and
//! "how long would the trip take by public transport?".
//!
//! The comuni table (ISTAT code, Belfiore cadastral code, name, province, region, centroid,
//! population) is embedded from `data/comuni.csv`; nothing here reads files or the network.
//! Distances are great-circle distances between centroids: right for the distance rules
//! (km from domicile to workplace), not for street-level routing. Travel times come from a
//! [`TravelTime`] implementation: [`DistanceModel`] by default, or a real router supplied
//! by an integrator.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::error::ReferenceError;
use crate::taxonomy::split_csv_line;

const COMUNI_FILE: &str = "data/comuni.csv";
const HEADER: [&str; 8] = [
    "istat_code",
    "belfiore",
    "name",
    "province",
    "region",
    "lat",
    "lon",
    "population",
];

/// Index of a comune in [`Comuni`] (row order of `data/comuni.csv`).
pub type ComuneId = u16;

/// One Italian municipality.
#[derive(Debug, Clone)]
pub struct Comune {
    /// ISTAT code, 6 digits with leading zeros (`"015146"`).
    pub istat: String,
    /// Belfiore cadastral code, a letter and 3 digits, uppercase (`"F205"`); Italian labour
    /// records (SAP, ClicLavoro) identify comuni by it.
    pub belfiore: String,
    /// Official name (`"Milano"`).
    pub name: String,
    /// Province plate code (`"MI"`).
    pub province: String,
    /// Region name (`"Lombardia"`).
    pub region: String,
    /// Latitude of the 2023 boundary's centroid, WGS84 degrees.
    pub lat: f64,
    /// Longitude of the 2023 boundary's centroid, WGS84 degrees.
    pub lon: f64,
    /// Residents in 2022 (0 for comuni created later).
    pub population: u32,
}

/// The table of Italian comuni, looked up by ISTAT or Belfiore code.
#[derive(Debug, Clone)]
pub struct Comuni {
    comuni: Vec<Comune>,
    /// ISTAT code as a number -> id.
    by_istat: HashMap<u32, ComuneId>,
    /// Uppercase Belfiore code -> id.
    by_belfiore: HashMap<[u8; 4], ComuneId>,
}

/// The ISTAT code as a number when `code` is exactly 6 ASCII digits.
fn istat_key(code: &str) -> Option<u32> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        code.parse().ok()
    } else {
        None
    }
}

/// The uppercase Belfiore code when `code` is a letter followed by 3 ASCII digits.
fn belfiore_key(code: &str) -> Option<[u8; 4]> {
    let b = code.as_bytes();
    (b.len() == 4 && b[0].is_ascii_alphabetic() && b[1..].iter().all(u8::is_ascii_digit))
        .then(|| [b[0].to_ascii_uppercase(), b[1], b[2], b[3]])
}

impl Comuni {
    /// Parses the comuni table
    /// (`istat_code,belfiore,name,province,region,lat,lon,population`). Codes must be well
    /// formed and unique, and centroids inside Italy's bounding box (which also catches
    /// swapped coordinates). Errors name `data/comuni.csv` and the line.
    pub fn parse_csv(text: &str) -> Result<Comuni, ReferenceError> {
        let err = |line: usize, message: String| ReferenceError {
            file: COMUNI_FILE,
            line,
            message,
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .filter(|(_, l)| !l.trim().is_empty());
        let header = lines
            .next()
            .map(|(_, l)| split_csv_line(l))
            .unwrap_or_default();
        if header.iter().map(|h| h.trim()).ne(HEADER) {
            return Err(err(
                1,
                format!(
                    "header must be `{}`, got `{}`",
                    HEADER.join(","),
                    header.join(",")
                ),
            ));
        }
        let mut comuni = Vec::new();
        let mut by_istat = HashMap::new();
        let mut by_belfiore = HashMap::new();
        for (line, text) in lines {
            let fields = split_csv_line(text);
            let [istat, belfiore, name, province, region, lat, lon, population] =
                <[String; 8]>::try_from(fields)
                    .map_err(|f| err(line, format!("expected 8 fields, got {}", f.len())))?;
            let istat = istat.trim().to_string();
            let Some(istat_num) = istat_key(&istat) else {
                return Err(err(
                    line,
                    format!("istat_code: must be 6 digits, got `{istat}`"),
                ));
            };
            let Some(belfiore_code) = belfiore_key(belfiore.trim()) else {
                return Err(err(
                    line,
                    format!("belfiore: must be a letter and 3 digits, got `{belfiore}`"),
                ));
            };
            let name = name.trim().to_string();
            let province = province.trim().to_string();
            let region = region.trim().to_string();
            for (field, value) in [
                ("name", &name),
                ("province", &province),
                ("region", &region),
            ] {
                if value.is_empty() {
                    return Err(err(line, format!("{field}: empty for {istat}")));
                }
            }
            let coord = |field: &str, value: &str, range: std::ops::RangeInclusive<f64>| match value
                .trim()
                .parse::<f64>()
            {
                Ok(v) if range.contains(&v) => Ok(v),
                _ => Err(err(
                    line,
                    format!(
                        "{field}: must be a number in {}..={}, got `{value}`",
                        range.start(),
                        range.end()
                    ),
                )),
            };
            let lat = coord("lat", &lat, 35.0..=48.0)?;
            let lon = coord("lon", &lon, 6.0..=19.0)?;
            let population: u32 = population.trim().parse().map_err(|_| {
                err(
                    line,
                    format!("population: not a non-negative integer: `{population}`"),
                )
            })?;
            let id = ComuneId::try_from(comuni.len()).map_err(|_| {
                err(
                    line,
                    format!("more than {} comuni", u32::from(ComuneId::MAX) + 1),
                )
            })?;
            if let Some(first) = by_istat.insert(istat_num, id) {
                let first = &comuni
                    .get(usize::from(first))
                    .map_or("", |c: &Comune| c.name.as_str());
                return Err(err(
                    line,
                    format!("istat_code: duplicate {istat} (also {first})"),
                ));
            }
            if let Some(first) = by_belfiore.insert(belfiore_code, id) {
                let first = &comuni
                    .get(usize::from(first))
                    .map_or("", |c: &Comune| c.name.as_str());
                return Err(err(
                    line,
                    format!("belfiore: duplicate {} (also {first})", belfiore.trim()),
                ));
            }
            let belfiore = String::from_utf8_lossy(&belfiore_code).into_owned();
            comuni.push(Comune {
                istat,
                belfiore,
                name,
                province,
                region,
                lat,
                lon,
                population,
            });
        }
        if comuni.is_empty() {
            return Err(err(1, "no comuni".into()));
        }
        Ok(Comuni {
            comuni,
            by_istat,
            by_belfiore,
        })
    }

    /// The comuni embedded from `data/comuni.csv`, parsed once per process.
    ///
    /// # Panics
    /// If the embedded file is broken (a build defect, caught by the unit tests).
    pub fn embedded() -> &'static Comuni {
        static COMUNI: OnceLock<Comuni> = OnceLock::new();
        COMUNI.get_or_init(|| {
            Comuni::parse_csv(include_str!("../data/comuni.csv"))
                .unwrap_or_else(|e| panic!("embedded reference data is broken: {e}"))
        })
    }

    /// The comune with this code: a 6-digit ISTAT code (`"015146"`) or a Belfiore code
    /// (`"F205"`, any case). Surrounding whitespace is ignored; anything else (5-digit
    /// codes that lost their leading zero, names) is `None`.
    pub fn lookup(&self, code: &str) -> Option<ComuneId> {
        let code = code.trim();
        if let Some(key) = istat_key(code) {
            return self.by_istat.get(&key).copied();
        }
        belfiore_key(code).and_then(|key| self.by_belfiore.get(&key).copied())
    }

    /// The comune with this id.
    ///
    /// # Panics
    /// If `id` is not below [`Comuni::len`].
    pub fn get(&self, id: ComuneId) -> &Comune {
        &self.comuni[usize::from(id)]
    }

    /// Number of comuni.
    pub fn len(&self) -> usize {
        self.comuni.len()
    }

    /// True when the table is empty (never for the embedded table).
    pub fn is_empty(&self) -> bool {
        self.comuni.is_empty()
    }

    /// All comuni with their ids, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (ComuneId, &Comune)> {
        self.comuni
            .iter()
            .enumerate()
            .map(|(i, c)| (i as ComuneId, c))
    }

    /// Great-circle distance in km between the centroids of two comuni (0 for the same one).
    ///
    /// # Panics
    /// If an id is not below [`Comuni::len`].
    pub fn distance_km(&self, a: ComuneId, b: ComuneId) -> f64 {
        if a == b {
            return 0.0;
        }
        let (a, b) = (self.get(a), self.get(b));
        haversine_km(a.lat, a.lon, b.lat, b.lon)
    }
}

/// Mean Earth radius (IUGG), km.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Great-circle distance in km between two WGS84 points given in degrees (haversine formula
/// on a sphere of the mean Earth radius, 6371.0088 km; error under 0.5% at Italian scale).
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let dphi = (lat2 - lat1).to_radians();
    let dlambda = (lon2 - lon1).to_radians();
    let h = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// Estimated public-transport travel time, replaceable by a real router.
///
/// The congruity rules (art. 25 D.Lgs 150/2015) bound the trip in minutes as well as in km;
/// no timetable data ships with rosa, so the default is [`DistanceModel`]. An integrator
/// with a journey planner implements this trait and passes it to the engine instead.
pub trait TravelTime: Send + Sync {
    /// Minutes from `from` to `to`; `km` is the great-circle distance between their
    /// centroids, already computed by the caller.
    fn minutes(&self, from: &Comune, to: &Comune, km: f64) -> f64;
}

/// Default documented travel-time model, from distance alone:
/// `minutes = access_min + road_factor * km / speed_kmh * 60`; within the same comune
/// (`km == 0`) it is `access_min`.
///
/// Default values and why:
/// - `road_factor` 1.3: ratio of network to straight-line distance (circuity). Published
///   detour indexes for road networks are 1.2–1.4, about 1.3 for trips of 10–100 km in
///   Western Europe; rail lines are no straighter.
/// - `speed_kmh` 40: average commercial speed of the mix a commuter uses, regional trains
///   (40–60 km/h with stops) and extra-urban buses (25–40 km/h), counting changes.
/// - `access_min` 15: walking to and from stops plus the average wait for a service every
///   20–30 minutes.
///
/// With these values 50 km is about 112 minutes and 80 minutes are reached at about 33 km;
/// a policy can set other values per territory (a metropolitan area has faster transport).
/// A non-positive or non-finite `speed_kmh` makes every trip between different comuni
/// infinitely long, so no time limit can be met.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DistanceModel {
    /// Network distance over straight-line distance (≥ 1).
    pub road_factor: f64,
    /// Average door-to-door speed on the network, km/h.
    pub speed_kmh: f64,
    /// Fixed minutes for reaching, waiting at and leaving stops.
    pub access_min: f64,
}

impl Default for DistanceModel {
    fn default() -> Self {
        DistanceModel {
            road_factor: 1.3,
            speed_kmh: 40.0,
            access_min: 15.0,
        }
    }
}

impl TravelTime for DistanceModel {
    fn minutes(&self, _from: &Comune, _to: &Comune, km: f64) -> f64 {
        if km <= 0.0 {
            return self.access_min;
        }
        if !(self.speed_kmh > 0.0 && self.speed_kmh.is_finite()) {
            return f64::INFINITY;
        }
        self.access_min + self.road_factor * km / self.speed_kmh * 60.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comuni() -> &'static Comuni {
        Comuni::embedded()
    }

    #[test]
    fn embedded_table_has_every_comune() {
        assert_eq!(comuni().len(), 7_899);
        assert!(!comuni().is_empty());
        assert_eq!(comuni().iter().count(), comuni().len());
        assert!(comuni()
            .iter()
            .all(|(id, c)| comuni().get(id).istat == c.istat));
    }

    #[test]
    fn haversine_milan_rome_is_about_477_km() {
        let milano = comuni().lookup("015146").unwrap();
        let roma = comuni().lookup("058091").unwrap();
        let km = comuni().distance_km(milano, roma);
        assert!((km - 477.0).abs() <= 5.0, "{km}");
        assert_eq!(comuni().distance_km(roma, milano), km);
        assert_eq!(comuni().distance_km(milano, milano), 0.0);
        // Raw coordinates: Milan Duomo to Rome Termini, about 477 km.
        let raw = haversine_km(45.4642, 9.1900, 41.9010, 12.5016);
        assert!((raw - 477.0).abs() <= 5.0, "{raw}");
        assert_eq!(haversine_km(45.0, 9.0, 45.0, 9.0), 0.0);
    }

    #[test]
    fn istat_and_belfiore_codes_find_the_same_comune() {
        let by_istat = comuni().lookup("015146").unwrap();
        assert_eq!(comuni().lookup("F205"), Some(by_istat));
        assert_eq!(comuni().lookup("f205"), Some(by_istat));
        assert_eq!(comuni().lookup(" F205 "), Some(by_istat));
        let milano = comuni().get(by_istat);
        assert_eq!(
            (
                milano.name.as_str(),
                milano.province.as_str(),
                milano.region.as_str()
            ),
            ("Milano", "MI", "Lombardia")
        );
        assert_eq!(milano.belfiore, "F205");
        let aglie = comuni().get(comuni().lookup("A074").unwrap());
        assert_eq!(
            (aglie.istat.as_str(), aglie.name.as_str()),
            ("001001", "Agliè")
        );
        let ivrea = comuni().get(comuni().lookup("001004").unwrap());
        assert_eq!(ivrea.name, "Albiano d'Ivrea");
    }

    #[test]
    fn unknown_or_malformed_codes_are_none() {
        for code in [
            "999999", "Z999", "15146", "0151466", "F20", "F2055", "Milano", "", "01514A", "1205",
        ] {
            assert_eq!(comuni().lookup(code), None, "{code}");
        }
    }

    #[test]
    fn parse_errors_name_file_line_and_field() {
        let header = HEADER.join(",");
        let ok = format!("{header}\n015146,F205,Milano,MI,Lombardia,45.46824,9.17322,1349930\n");
        assert_eq!(Comuni::parse_csv(&ok).unwrap().len(), 1);
        let dup = format!("{ok}015147,F205,Altro,MI,Lombardia,45.4,9.1,10\n");
        let e = Comuni::parse_csv(&dup).unwrap_err();
        assert_eq!((e.file, e.line), (COMUNI_FILE, 3));
        assert!(
            e.message.starts_with("belfiore: duplicate F205"),
            "{}",
            e.message
        );
        let swapped = format!("{header}\n015146,F205,Milano,MI,Lombardia,9.17322,45.46824,1\n");
        let e = Comuni::parse_csv(&swapped).unwrap_err();
        assert!(e.message.starts_with("lat:"), "{}", e.message);
        let short = format!("{header}\n015146,F205,Milano\n");
        assert_eq!(Comuni::parse_csv(&short).unwrap_err().line, 2);
        assert_eq!(Comuni::parse_csv("istat,name\n").unwrap_err().line, 1);
        let quoted =
            format!("{header}\r\n015146,F205,\"Milano, città\",MI,Lombardia,45.4,9.1,1\r\n");
        assert_eq!(
            Comuni::parse_csv(&quoted).unwrap().get(0).name,
            "Milano, città"
        );
    }

    #[test]
    fn distance_model_follows_its_formula() {
        let m = DistanceModel::default();
        assert_eq!(
            m,
            DistanceModel {
                road_factor: 1.3,
                speed_kmh: 40.0,
                access_min: 15.0
            }
        );
        let c = comuni().get(0);
        assert_eq!(m.minutes(c, c, 0.0), 15.0);
        assert!((m.minutes(c, c, 40.0) - (15.0 + 1.3 * 60.0)).abs() < 1e-9);
        let stopped = DistanceModel {
            speed_kmh: 0.0,
            ..m
        };
        assert_eq!(stopped.minutes(c, c, 1.0), f64::INFINITY);
        let as_trait: &dyn TravelTime = &m;
        assert_eq!(as_trait.minutes(c, c, 0.0), 15.0);
    }

    #[test]
    fn distance_model_reads_partial_json_with_defaults() {
        let m: DistanceModel = serde_json::from_str(r#"{"speed_kmh": 50.0}"#).unwrap();
        assert_eq!(
            m,
            DistanceModel {
                speed_kmh: 50.0,
                ..DistanceModel::default()
            }
        );
        assert!(serde_json::from_str::<DistanceModel>(r#"{"speed": 50.0}"#).is_err());
        let round: DistanceModel =
            serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(round, m);
    }
}

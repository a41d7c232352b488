#!/usr/bin/env python3
"""Helper of benches/pg_baseline.sh (read its header for what is compared and why).

Stdlib only; talks to PostgreSQL through psql. Steps: flatten candidates.jsonl
into a COPY file, load it, write the policy and the preselection vacancies both
sides use, run every vacancy in SQL (one warm-up pass, one timed pass) and in
rosa (per roster with `rosa bench --index`, and one batch process, timed), compare,
print the figures and both sides' size on disk.
"""

import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import sys
import time

AS_OF = "2026-11-01"
FRESHNESS_DAYS = 180
FULL_TIME_HOURS = 36.0
EXPERIENCE_FULL_MONTHS = 36
# skills and text are 0: not reproducible exactly in SQL (see the shell header).
WEIGHTS = [
    ("skills", "0.0"),
    ("occupation", "0.4"),
    ("education", "0.2"),
    ("languages", "0.2"),
    ("distance", "0.2"),
    ("text", "0.0"),
]
CEFR = {"A1": 1, "A2": 2, "B1": 3, "B2": 4, "C1": 5, "C2": 6}
AGREEMENT_NEEDED = 0.90
TIE_EPS = 1e-9


def log(msg):
    print(f"pg_baseline: {msg}", file=sys.stderr, flush=True)


# --- reference data and flattening ---------------------------------------------


def load_comuni(path):
    """Rows of data/comuni.csv in file order (the row index is rosa's ComuneId)."""
    rows, by_code = [], {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        for i, r in enumerate(csv.DictReader(f)):
            rows.append((i, r["istat_code"].strip(), r["belfiore"].strip().upper(), r["lat"].strip(), r["lon"].strip()))
            by_code[int(r["istat_code"])] = i
            by_code[r["belfiore"].strip().upper()] = i
    return rows, by_code


def comune_of(code, by_code):
    """As src/geo.rs Comuni::lookup: 6 ASCII digits = ISTAT, letter + 3 digits = Belfiore."""
    c = code.strip()
    if len(c) == 6 and c.isascii() and c.isdigit():
        return by_code[int(c)]
    return by_code[c.upper()]


def pg_array(items):
    out = []
    for x in items:
        x = str(x).replace("\\", "\\\\").replace('"', '\\"')
        out.append(f'"{x}"')
    # COPY text format: escape backslashes once more.
    return ("{" + ",".join(out) + "}").replace("\\", "\\\\")


def copy_text(v):
    if v is None:
        return "\\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    return str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def flatten(cands_path, out_path, docs_path, by_code, comuni):
    """The query columns of every candidate to out_path, and (id, whole record) to
    docs_path (loaded after the timings, to compare on-disk sizes on the same data)."""
    n = 0
    with open(cands_path, encoding="utf-8") as src, open(out_path, "w", encoding="utf-8") as dst, open(
        docs_path, "w", encoding="utf-8"
    ) as docs:
        for line in src:
            r = json.loads(line)
            docs.write(copy_text(r["id"]) + "\t" + copy_text(line.rstrip("\n")) + "\n")
            cid = comune_of(r["domicile"], by_code)
            av = r["availability"]
            langs = {}
            for l in r.get("languages", []):
                langs[l["code"]] = max(langs.get(l["code"], 0), CEFR[l["cefr"]])
            exps = r.get("experiences", [])
            fields = [
                copy_text(r["id"]),
                str(cid),
                comuni[cid][3],
                comuni[cid][4],
                copy_text(r.get("did_date")),
                copy_text(r.get("availability_confirmed")),
                copy_text(r.get("education_eqf")),
                str(av["max_km"]),
                pg_array(av["contracts"]),
                copy_text(av["full_time"]),
                copy_text(av["part_time"]),
                copy_text(av["shifts"]),
                copy_text(av["nights"]),
                pg_array(l.lower() for l in r.get("licences", [])),
                copy_text(json.dumps(langs, separators=(",", ":"))),
                pg_array(e["isco"] for e in exps),
                pg_array(e["months"] for e in exps),
                pg_array(r.get("desired_isco", [])),
            ]
            dst.write("\t".join(fields) + "\n")
            n += 1
    return n


SCHEMA = r"""
DROP TABLE IF EXISTS candidates, comuni;
CREATE TABLE comuni (
    id smallint PRIMARY KEY, istat text NOT NULL, belfiore text NOT NULL,
    lat float8 NOT NULL, lon float8 NOT NULL
);
CREATE TABLE candidates (
    id text COLLATE "C" PRIMARY KEY,
    comune smallint NOT NULL,
    lat float8 NOT NULL, lon float8 NOT NULL,
    did_date date, availability_confirmed date,
    education_eqf smallint,
    max_km int NOT NULL,
    contracts text[] NOT NULL,
    full_time bool NOT NULL, part_time bool NOT NULL, shifts bool NOT NULL, nights bool NOT NULL,
    licences text[] NOT NULL,          -- lowercased: the licence rule is case-insensitive
    langs jsonb NOT NULL,              -- language code -> best CEFR rank (A1 = 1 .. C2 = 6)
    exp_isco text[] NOT NULL, exp_months int[] NOT NULL,
    desired_isco text[] NOT NULL
);
-- Great-circle km as src/geo.rs haversine_km (same radius, same operation order).
CREATE OR REPLACE FUNCTION hav_km(lat1 float8, lon1 float8, lat2 float8, lon2 float8)
RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT 2::float8 * 6371.0088::float8 * asin(least(sqrt(
      sin(radians(lat2 - lat1) / 2::float8) * sin(radians(lat2 - lat1) / 2::float8)
    + cos(radians(lat1)) * cos(radians(lat2))
      * (sin(radians(lon2 - lon1) / 2::float8) * sin(radians(lon2 - lon1) / 2::float8))
  ), 1::float8))
$$;
-- Common leading digits of two ISCO codes, at most 4 (taxonomy::isco_shared_digits).
CREATE OR REPLACE FUNCTION isco_shared(a text, b text)
RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN length(a) >= 4 AND length(b) >= 4 AND left(a, 4) = left(b, 4) THEN 4
    WHEN length(a) >= 3 AND length(b) >= 3 AND left(a, 3) = left(b, 3) THEN 3
    WHEN length(a) >= 2 AND length(b) >= 2 AND left(a, 2) = left(b, 2) THEN 2
    WHEN length(a) >= 1 AND length(b) >= 1 AND left(a, 1) = left(b, 1) THEN 1
    ELSE 0 END
$$;
"""

INDEXES = r"""
CREATE INDEX ON candidates (comune, max_km);
CREATE INDEX ON candidates (did_date);
CREATE INDEX ON candidates ((coalesce(availability_confirmed, did_date)));
CREATE INDEX ON candidates USING gin (contracts);
CREATE INDEX ON candidates USING gin (licences);
CREATE INDEX ON candidates USING gin (langs);
ANALYZE candidates;
ANALYZE comuni;
"""


# --- SQL of one vacancy ---------------------------------------------------------


def lit(s):
    return "'" + str(s).replace("'", "''") + "'"


def f8(x):
    return f"{lit(x)}::float8"


def rnd(expr, scale):
    """Rust's (x * scale).round() / scale: half away from zero (values are >= 0
    here); PostgreSQL's round(float8) is rint (half to even), hence the CASE."""
    y = f"(({expr}) * {scale}::float8)"
    return f"(CASE WHEN {y} - trunc({y}) = 0.5::float8 THEN trunc({y}) + 1::float8 ELSE round({y}) END / {scale}::float8)"


def where_clause(v):
    """The preselection rules of src/rules.rs, in Rule::ALL order."""
    c = v["contract"]
    w = [
        # available: did_date set and not after as_of
        f"p.did_date <= DATE {lit(AS_OF)}",
        # stale: availability_confirmed, else did_date, at most freshness_days before as_of
        f"coalesce(p.availability_confirmed, p.did_date) >= DATE {lit(AS_OF)} - {FRESHNESS_DAYS}",
        # distance: km <= the person's max_km
        "d.km <= p.max_km::float8",
        # contract
        f"p.contracts @> ARRAY[{lit(c['type'])}]",
        # working time
        "p.full_time" if c["hours_per_week"] >= FULL_TIME_HOURS else "p.part_time",
    ]
    if c.get("shifts"):
        w.append("p.shifts")
    if c.get("nights"):
        w.append("p.nights")
    req_lic = [l["code"].lower() for l in v.get("licences", []) if l.get("required")]
    if req_lic:
        w.append(f"p.licences @> ARRAY[{','.join(lit(x) for x in req_lic)}]::text[]")
    for l in v.get("languages", []):
        if l.get("required"):
            w.append(f"coalesce((p.langs ->> {lit(l['code'])})::int, 0) >= {CEFR[l['cefr']]}")
    # skills: none required in the benchmark vacancies (see header)
    if v.get("education_required") and v.get("education_eqf_min") is not None:
        w.append(f"p.education_eqf >= {int(v['education_eqf_min'])}")
    if v.get("applicants") is not None:
        w.append(f"p.id = ANY(ARRAY[{','.join(lit(a) for a in v['applicants']) or 'NULL'}]::text[])")
    return "\n    AND ".join(w)


def from_clause(v, wid):
    return f"""candidates p
  JOIN (SELECT c.id AS comune,
               CASE WHEN c.id = {wid} THEN 0::float8 ELSE hav_km(w.lat, w.lon, c.lat, c.lon) END AS km
          FROM comuni c, comuni w WHERE w.id = {wid}) d ON d.comune = p.comune"""


def score_sql(v, wid):
    isco = lit(v["isco"])
    full = f8(EXPERIENCE_FULL_MONTHS)
    occ = (
        "greatest(0::float8,"
        f" (SELECT max((isco_shared({isco}, e.i)::float8 / 4::float8)"
        f" * (0.5::float8 + 0.5::float8 * least(e.m::float8 / {full}, 1::float8)))"
        "   FROM unnest(p.exp_isco, p.exp_months) AS e(i, m)),"
        f" (SELECT max((isco_shared({isco}, x)::float8 / 4::float8) * 0.5::float8)"
        "   FROM unnest(p.desired_isco) AS x))"
    )
    mn = v.get("education_eqf_min")
    if mn is None:
        edu = "1::float8"
    else:
        edu = (
            f"(CASE WHEN p.education_eqf IS NULL THEN 0::float8 WHEN p.education_eqf >= {int(mn)} THEN 1::float8"
            f" ELSE power(0.5::float8, ({int(mn)} - p.education_eqf)::float8) END)"
        )
    asked = v.get("languages", [])
    if not asked:
        lang = "1::float8"
    else:
        terms = []
        for l in asked:
            held = f"(p.langs ->> {lit(l['code'])})::int"
            r = CEFR[l["cefr"]]
            terms.append(
                f"(CASE WHEN {held} IS NULL THEN 0::float8 WHEN {held} >= {r} THEN 1::float8"
                f" ELSE power(0.5::float8, ({r} - {held})::float8) END)"
            )
        lang = f"((0::float8 + {' + '.join(terms)}) / {len(asked)}::float8)"
    dist = (
        "(CASE WHEN p.max_km <= 0 THEN (CASE WHEN d.km <= 0::float8 THEN 1::float8 ELSE 0::float8 END)"
        " ELSE greatest(1::float8 - d.km / p.max_km::float8, 0::float8) END)"
    )
    wts = dict(WEIGHTS)
    # Layers fenced with OFFSET 0 so that each rounding works on plain columns.
    pts = {k: rnd(f"{f8(wts[k])} * {rnd('v.' + k, 10000)}", 10000000000) for k in ("occupation", "education", "languages", "distance")}
    # skills and text: weight 0, so their points are round10(0 * value) = 0.
    total = "0::float8 + 0::float8 + t.occupation + t.education + t.languages + t.distance + 0::float8"
    return f"""
SELECT s.id, s.score, s.did_date FROM (
 SELECT t.id, t.did_date, {rnd(total, 10000000000)} AS score FROM (
  SELECT v.id, v.did_date,
         {pts['occupation']} AS occupation,
         {pts['education']} AS education,
         {pts['languages']} AS languages,
         {pts['distance']} AS distance
  FROM (
   SELECT p.id, p.did_date,
          {occ} AS occupation,
          {edu} AS education,
          {lang} AS languages,
          {dist} AS distance
   FROM {from_clause(v, wid)}
   WHERE {where_clause(v)}
   OFFSET 0) v
  OFFSET 0) t
 ) s
ORDER BY s.score DESC, s.did_date ASC, s.id ASC
LIMIT {cap(v)};"""


def count_sql(v, wid):
    return f"SELECT count(*) FROM {from_clause(v, wid)}\n WHERE {where_clause(v)};"


def cap(v):
    if v.get("cap_override"):
        return int(v["cap_override"]["size"])
    return int(v.get("roster_size", 15))


# --- running --------------------------------------------------------------------


class Psql:
    def __init__(self, a):
        self.cmd = [a.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", a.host, "-p", str(a.port), "-U", a.user, "-d", "postgres"]

    def run(self, sql, path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(sql)
        r = subprocess.run(self.cmd + ["-f", path], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"pg_baseline: psql failed on {path}:\n{r.stderr[-4000:]}")
        return r.stdout


TIME_RE = re.compile(r"^Time: ([0-9.]+) ms")


def run_queries(psql, vacs, wids, work, passes):
    """Runs every vacancy's top-k and count statements `passes` times in one session;
    returns results and client-side \\timing of the last pass."""
    parts = ["\\pset format unaligned", "\\pset tuples_only on", "\\pset fieldsep '|'", "\\timing on"]
    for p in range(passes):
        for v, wid in zip(vacs, wids):
            parts.append(f"\\echo @@TOP {p} {v['id']}")
            parts.append(score_sql(v, wid))
            parts.append(f"\\echo @@COUNT {p} {v['id']}")
            parts.append(count_sql(v, wid))
    out = psql.run("\n".join(parts) + "\n", os.path.join(work, "queries.sql"))
    res = {}
    cur = None
    for line in out.splitlines():
        if line.startswith("@@"):
            kind, p, vid = line[2:].split()
            cur = res.setdefault((int(p), vid), {"rows": [], "count": None, "t_top": None, "t_count": None})
            cur_kind = kind
            continue
        m = TIME_RE.match(line)
        if m:
            cur["t_top" if cur_kind == "TOP" else "t_count"] = float(m.group(1))
        elif line.strip() and cur is not None:
            if cur_kind == "TOP":
                cid, score, did = line.split("|")
                cur["rows"].append((cid, float(score), did))
            elif line.startswith("Timing is"):
                pass
            else:
                cur["count"] = int(line)
    last = passes - 1
    return {vid: r for (p, vid), r in res.items() if p == last}


def timed(cmd, stdout_path):
    t0 = time.perf_counter()
    with open(stdout_path, "w") as f:
        r = subprocess.run(cmd, stdout=f, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"pg_baseline: {' '.join(cmd)} failed:\n{r.stderr[-4000:]}")
    return dt


def dir_bytes(path):
    """Apparent size in bytes of the files under path (as `du -sb`)."""
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except FileNotFoundError:
                pass
    return total


def mib(b):
    return b / 1048576.0


BENCH_RE = re.compile(r"roster latency\s+p50\s+([0-9.]+) ms\s+p95\s+([0-9.]+) ms\s+p99\s+([0-9.]+) ms\s+max\s+([0-9.]+) ms")


def rosa_bench(a, vpath, policy):
    """Per-roster latency in one process: `rosa bench --index DIR --vacancies FILE
    --policy P` (index opened once, one warm-up roster, each roster timed alone,
    nothing written). Returns (p50, p95, p99, max) in ms and the report's lines."""
    cmd = [a.rosa, "bench", "--index", a.index, "--vacancies", vpath, "--policy", policy]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"pg_baseline: {' '.join(cmd)} failed:\n{r.stderr[-4000:]}")
    m = BENCH_RE.search(r.stdout)
    if not m:
        sys.exit(f"pg_baseline: no 'roster latency' line in rosa bench's output:\n{r.stdout}")
    return tuple(float(x) for x in m.groups()), r.stdout.rstrip().splitlines()


def pct(xs, q):
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(round(q * (len(xs) - 1)))))
    return xs[k]


def compare(v, rr, pr):
    """(agrees, near_tie, reason)."""
    if rr["eligible"] != pr["count"]:
        return False, False, f"eligible: rosa {rr['eligible']}, SQL {pr['count']}"
    r_ids = [(e["candidate_id"], e["score"]) for e in rr["entries"]]
    p_ids = [(c, s) for c, s, _ in pr["rows"]]
    if [c for c, _ in r_ids] == [c for c, _ in p_ids]:
        worst = max((abs(a[1] - b[1]) for a, b in zip(r_ids, p_ids)), default=0.0)
        if worst > TIE_EPS:
            return False, False, f"same ids, scores differ by up to {worst:.3g}"
        return True, False, ""
    if len(r_ids) != len(p_ids):
        return False, False, f"entries: rosa {len(r_ids)}, SQL {len(p_ids)}"
    for k, (a, b) in enumerate(zip(r_ids, p_ids)):
        if a[0] != b[0]:
            near = abs(a[1] - b[1]) < TIE_EPS and all(abs(x[1] - y[1]) < TIE_EPS for x, y in zip(r_ids[k:], p_ids[k:]))
            return False, near, f"rank {k + 1}: rosa {a[0]} ({a[1]!r}), SQL {b[0]} ({b[1]!r})"
    return False, False, "?"


def main():
    ap = argparse.ArgumentParser()
    for k in ("rosa", "index", "data", "work", "comuni", "psql", "host", "user"):
        ap.add_argument(f"--{k}", required=True)
    ap.add_argument("--profile", default="default")
    ap.add_argument("--port", type=int, required=True)
    a = ap.parse_args()
    psql = Psql(a)

    # Policy and vacancies shared by both sides.
    policy = os.path.join(a.work, "policy.toml")
    with open(policy, "w") as f:
        f.write(f'as_of = "{AS_OF}"\nfreshness_days = {FRESHNESS_DAYS}\nonly_congruous = false\n\n[weights]\n')
        f.write("".join(f"{k} = {w}\n" for k, w in WEIGHTS))
        f.write(f"\n[scoring]\nexperience_full_months = {EXPERIENCE_FULL_MONTHS}\n")
    all_vacs = [json.loads(l) for l in open(os.path.join(a.data, "vacancies.jsonl"), encoding="utf-8")]
    vacs = [v for v in all_vacs if v.get("mode", "preselection") == "preselection"]
    required_skills = 0
    for v in vacs:
        for s in v.get("skills", []):
            required_skills += bool(s.get("required"))
            s["required"] = False
    vpath = os.path.join(a.work, "vacancies_bench.jsonl")
    with open(vpath, "w", encoding="utf-8") as f:
        for v in vacs:
            f.write(json.dumps(v, ensure_ascii=False) + "\n")
    # rosa's index on disk, before any roster appends to its audit log.
    idx_bytes = {k: dir_bytes(os.path.join(a.index, k)) for k in ("segments", "snapshots", "text")}
    idx_total = dir_bytes(a.index)
    du = subprocess.run(["du", "-sk", a.index], capture_output=True, text=True).stdout.split()
    idx_du_kib = int(du[0]) if du else None
    comuni, by_code = load_comuni(a.comuni)
    wids = [comune_of(v["workplace"], by_code) for v in vacs]

    # Load PostgreSQL.
    t0 = time.perf_counter()
    ctsv = os.path.join(a.work, "comuni.tsv")
    with open(ctsv, "w", encoding="utf-8") as f:
        for i, istat, bf, lat, lon in comuni:
            f.write(f"{i}\t{istat}\t{bf}\t{lat}\t{lon}\n")
    tsv = os.path.join(a.work, "candidates.tsv")
    docs_tsv = os.path.join(a.work, "candidate_docs.tsv")
    n = flatten(os.path.join(a.data, "candidates.jsonl"), tsv, docs_tsv, by_code, comuni)
    t_flat = time.perf_counter() - t0
    t0 = time.perf_counter()
    psql.run(SCHEMA + f"\\copy comuni FROM '{ctsv}'\n\\copy candidates FROM '{tsv}'\n", os.path.join(a.work, "load.sql"))
    t_copy = time.perf_counter() - t0
    t0 = time.perf_counter()
    psql.run(INDEXES, os.path.join(a.work, "indexes.sql"))
    t_idx = time.perf_counter() - t0
    version = psql.run("\\pset tuples_only on\nSHOW server_version;", os.path.join(a.work, "v.sql")).strip()
    log(f"PostgreSQL {version}: flattened {n} candidates in {t_flat:.1f}s, COPY {t_copy:.1f}s, indexes+ANALYZE {t_idx:.1f}s")

    # PostgreSQL: one warm-up pass, one timed pass.
    log(f"running {len(vacs)} vacancies in SQL (warm-up + timed pass)")
    pg = run_queries(psql, vacs, wids, a.work, passes=2)

    # rosa: warm-up batch, timed batch, timed 1-vacancy batches (fixed cost).
    log("running rosa roster --vacancies (warm-up + timed)")
    rcmd = [a.rosa, "roster", "--index", a.index, "--policy", policy, "--vacancies"]
    rout = os.path.join(a.work, "rosters.jsonl")
    timed(rcmd + [vpath], rout)
    t_batch = timed(rcmd + [vpath], rout)
    one = os.path.join(a.work, "one.jsonl")
    with open(one, "w", encoding="utf-8") as f:
        f.write(json.dumps(vacs[0], ensure_ascii=False) + "\n")
    t_one = statistics.median(timed(rcmd + [one], os.path.join(a.work, "one_out.jsonl")) for _ in range(3))
    rosters = {r["vacancy_id"]: r for r in map(json.loads, open(rout, encoding="utf-8"))}
    log("running rosa bench --index --vacancies --policy (per-roster latency)")
    (r50, r95, r99, rmax), bench_lines = rosa_bench(a, vpath, policy)

    # On-disk sizes. The query tables hold only the columns the SQL reads; rosa's
    # index holds whole records (and a text index), so the whole records are
    # loaded too, as jsonb with a primary key, after the timings.
    t0 = time.perf_counter()
    psql.run(
        "DROP TABLE IF EXISTS candidate_docs;\n"
        'CREATE TABLE candidate_docs (id text COLLATE "C" PRIMARY KEY, doc jsonb NOT NULL);\n'
        f"\\copy candidate_docs FROM '{docs_tsv}'\nVACUUM ANALYZE candidate_docs;\nCHECKPOINT;\n",
        os.path.join(a.work, "docs.sql"),
    )
    t_docs = time.perf_counter() - t0
    sizes = psql.run(
        "\\pset tuples_only on\n\\pset format unaligned\n\\pset fieldsep '|'\n"
        "SELECT pg_database_size(current_database()), pg_total_relation_size('candidates'),"
        " pg_relation_size('candidates'), pg_indexes_size('candidates'),"
        " pg_total_relation_size('candidate_docs'), pg_indexes_size('candidate_docs');",
        os.path.join(a.work, "sizes.sql"),
    ).strip()
    pg_db, pg_cand, pg_heap, pg_idx, pg_docs, pg_docs_idx = (int(x) for x in sizes.split("|"))
    log(f"whole records as jsonb loaded in {t_docs:.1f}s")

    # Compare.
    agree, ties, bad = 0, 0, []
    exact = sum(
        [e["score"] for e in rosters[v["id"]]["entries"]] == [s for _, s, _ in pg[v["id"]]["rows"]] for v in vacs
    )
    for v in vacs:
        ok, near, why = compare(v, rosters[v["id"]], pg[v["id"]])
        if ok:
            agree += 1
        elif near:
            ties += 1
            bad.append((v["id"], "near-tie (|Δscore| < 1e-9): " + why))
        else:
            bad.append((v["id"], why))

    m = len(vacs)
    top = [pg[v["id"]]["t_top"] for v in vacs]
    both = [pg[v["id"]]["t_top"] + pg[v["id"]]["t_count"] for v in vacs]
    elig = [rosters[v["id"]]["eligible"] for v in vacs]
    rosa_mean = t_batch * 1000 / m
    rosa_marg = (t_batch - t_one) * 1000 / max(1, m - 1)
    print()
    print(f"rosa vs PostgreSQL {version} on the same data (profile {a.profile}, as_of {AS_OF}, seed 42)")
    print(f"  candidates N            {n}")
    print(f"  vacancies  M            {m} preselection of {len(all_vacs)} generated"
          f" ({required_skills} required skills made optional on both sides)")
    print(f"  eligible per vacancy    median {statistics.median(elig):.0f}, max {max(elig)}")
    print(f"  policy                  weights skills 0, text 0, occupation 0.4, education 0.2,"
          f" languages 0.2, distance 0.2; only_congruous false")
    print(f"  PostgreSQL load         flatten {t_flat:.1f} s + COPY {t_copy:.1f} s + indexes/ANALYZE {t_idx:.1f} s")
    print(f"  rosa per roster         p50 {r50:.2f} ms, p95 {r95:.2f} ms, p99 {r99:.2f} ms, max {rmax:.2f} ms"
          f" (rosa bench --index: one process, each roster alone, no audit)")
    print(f"  rosa batch              {t_batch:.2f} s for {m} rosters = mean {rosa_mean:.1f} ms/roster"
          f" (includes process start and index open)")
    print(f"  rosa marginal           {rosa_marg:.1f} ms/roster (batch minus a 1-vacancy batch of {t_one:.2f} s,"
          f" over {m - 1})")
    print(f"  PostgreSQL top-k        p50 {statistics.median(top):.1f} ms, p95 {pct(top, 0.95):.1f} ms,"
          f" mean {statistics.mean(top):.1f} ms (ORDER BY score DESC, did_date, id LIMIT cap)")
    print(f"  PostgreSQL top-k+count  p50 {statistics.median(both):.1f} ms, p95 {pct(both, 0.95):.1f} ms,"
          f" mean {statistics.mean(both):.1f} ms")
    print(f"  ratio per roster        PostgreSQL top-k+count / rosa bench: p50 {statistics.median(both) / r50:.1f}x,"
          f" p95 {pct(both, 0.95) / r95:.1f}x; top-k alone: p50 {statistics.median(top) / r50:.1f}x,"
          f" p95 {pct(top, 0.95) / r95:.1f}x")
    print(f"  ratio                   PostgreSQL top-k+count mean / rosa marginal mean = "
          f"{statistics.mean(both) / rosa_marg:.1f}x;"
          f" / rosa batch mean = {statistics.mean(both) / rosa_mean:.1f}x"
          if rosa_marg > 0 else "  ratio                   n/a (rosa marginal time not positive: noise)")
    print(f"  agreement               {agree}/{m} vacancies agree fully (eligible count and ordered"
          f" top ids, scores within {TIE_EPS:g}); {ties} more differ only by near-ties;"
          f" scores bit-identical in {exact}/{m}")
    for vid, why in bad:
        print(f"    {vid}: {why}")
    print(f"  rosa index on disk      {mib(idx_total):.1f} MiB (du -sk {idx_du_kib} KiB; segments"
          f" {mib(idx_bytes['segments']):.1f}, snapshots {mib(idx_bytes['snapshots']):.1f},"
          f" text {mib(idx_bytes['text']):.1f} MiB; before any audit record)")
    print(f"  PostgreSQL on disk      query table candidates {mib(pg_cand):.1f} MiB (heap {mib(pg_heap):.1f},"
          f" indexes {mib(pg_idx):.1f}; only the columns the SQL reads);"
          f" whole records candidate_docs {mib(pg_docs):.1f} MiB (jsonb with TOAST, primary key {mib(pg_docs_idx):.1f});"
          f" pg_database_size {mib(pg_db):.1f} MiB (both tables, comuni, catalogs)")
    print(f"  size ratio              rosa index / PostgreSQL query table = {idx_total / pg_cand:.2f};"
          f" / whole-record table = {idx_total / pg_docs:.2f};"
          f" / query table + whole-record table = {idx_total / (pg_cand + pg_docs):.2f}")
    print("  rosa bench --index output:")
    for line in bench_lines:
        print(f"    {line}")
    print("  note: timings are wall-clock on a shared machine; PostgreSQL is timed per statement by psql"
          " (loopback TCP), rosa per roster in one process (rosa bench) and per batch process.")
    sys.exit(0 if agree + ties >= AGREEMENT_NEEDED * m else 1)


if __name__ == "__main__":
    main()

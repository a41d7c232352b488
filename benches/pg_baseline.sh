#!/usr/bin/env bash
# Side-by-side baseline: rosa against PostgreSQL on the same generated data.
#
#   benches/pg_baseline.sh [N_CANDIDATES] [N_VACANCIES] [PROFILE]   (defaults 100000 50 default)
#
# PROFILE is `rosa gen --profile`: `default` (people spread over Italy by population,
# reach mostly 10-55 km) or `wide` (people and workplaces concentrated around a few
# metropolitan areas, reach mostly 50-80 km, more vacancies without a required skill:
# eligible pools in the tens of thousands at 100k). PG_BASELINE_PROFILE sets it too
# (the third argument wins).
#
# What an integrator would otherwise write: load the candidates into PostgreSQL,
# express the preselection eligibility rules and the weighted score in SQL, and
# take the best rows with ORDER BY score DESC, did_date, id LIMIT cap. The script
#   1. installs PostgreSQL from the system packages if initdb/pg_ctl are missing,
#   2. starts a throwaway server (temp data dir, 127.0.0.1, a free port, run as an
#      unprivileged user because initdb refuses root) and stops it on exit,
#   3. generates the data with `rosa gen --seed 42 --as-of 2026-11-01 --profile P`, builds
#      rosa's index, flattens candidates.jsonl into tables and COPYs them in,
#   4. runs every `preselection` vacancy on both sides, times them, checks that
#      eligible counts and the ordered top entries agree, and prints the figures,
#      with the on-disk size of each side: rosa's index directory (du, measured
#      before any roster appends to its audit log) and, in PostgreSQL, the query
#      table with its indexes (only the columns the SQL reads), a table of the whole
#      records as jsonb with a primary key (loaded after the timings: rosa's index
#      holds whole records), and pg_database_size.
# Exit status: 0 when at least 90% of the vacancies agree fully, 1 otherwise.
#
# Simplifications (both sides run with the same policy and the same vacancies):
# - weights: skills = 0 and text = 0 (ESCO label normalisation with fuzzy
#   matching and tantivy BM25 cannot be reproduced exactly in SQL); occupation
#   0.40, education 0.20, languages 0.20, distance 0.20.
# - the vacancies' skills are kept but none is `required` (the skills rule
#   depends on the same label normalisation); the generated targeted_* vacancies
#   are left out (ICF compatibility is not reproduced).
# - only_congruous = false (the default: congruity is information, not a filter).
# - comuni are resolved (ISTAT or Belfiore code -> centroid) by the loader, as an
#   integrator would do when loading; distances are computed in SQL with the same
#   haversine formula and Earth radius as src/geo.rs, once per comune per query.
# - the SQL returns the top entries and, in a second statement, the eligible count;
#   rosa also computes per-rule exclusion counts, narrowing suggestions and the
#   per-entry explanations, which the SQL does not.
#
# Timing: PostgreSQL per statement, client side (psql \timing, loopback TCP), after
# one warm-up pass. rosa, two ways: per roster in one process (`rosa bench --index
# DIR --vacancies FILE --policy P`: the index opened once, one warm-up roster, then
# each roster timed alone, no audit), which gives the p50/p95 set against
# PostgreSQL's per-statement p50/p95; and the wall time of one batch `rosa roster
# --vacancies` process (includes process start, index open and the audit),
# divided by the number of rosters, with the marginal per-roster time subtracting
# a 1-vacancy batch. Timings on a shared 2-core machine are noisy.
set -euo pipefail

N=${1:-100000}
M=${2:-50}
PROFILE=${3:-${PG_BASELINE_PROFILE:-default}}
case $PROFILE in
    default | wide) ;;
    *)
        printf 'pg_baseline: unknown profile %s (default or wide)\n' "$PROFILE" >&2
        exit 2
        ;;
esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROSA=${ROSA:-$ROOT/target/release/rosa}
PY=${PYTHON:-python3}

log() { printf 'pg_baseline: %s\n' "$*" >&2; }

if [[ ! -x $ROSA ]]; then
    log "building rosa (cargo build --release --bin rosa)"
    (cd "$ROOT" && cargo build --release --bin rosa)
fi

# --- PostgreSQL binaries -------------------------------------------------------
pg_bindir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -n $d && -x $d/initdb && -x $d/pg_ctl ]]; then
        echo "$d"
    elif command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(command -v initdb)"
    fi
}
PGBIN=$(pg_bindir)
if [[ -z $PGBIN ]]; then
    log "installing postgresql from the system packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
    PGBIN=$(pg_bindir)
    [[ -n $PGBIN ]] || { log "initdb/pg_ctl not found after install"; exit 1; }
fi
PSQL=$(command -v psql || echo "$PGBIN/psql")

# --- work dir, unprivileged server user ---------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rosa-pg-baseline.XXXXXX")
chmod 755 "$WORK"
PGDATA=$WORK/pgdata
PGUSER_OS=$(id -un)
if [[ $(id -u) -eq 0 ]]; then
    PGUSER_OS=postgres
    if ! id "$PGUSER_OS" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$PGUSER_OS"
    fi
fi
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then
        su -s /bin/sh "$PGUSER_OS" -c "$*"
    else
        sh -c "$*"
    fi
}
mkdir -p "$PGDATA"
chown "$PGUSER_OS" "$PGDATA"
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

STARTED=0
cleanup() {
    if [[ $STARTED -eq 1 ]]; then
        as_pg "'$PGBIN/pg_ctl' -D '$PGDATA' -m immediate -w stop" >/dev/null 2>&1 || true
    fi
    if [[ -n ${KEEP_WORK:-} ]]; then
        log "kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "initdb in $PGDATA (user $PGUSER_OS, PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'))"
as_pg "'$PGBIN/initdb' -D '$PGDATA' -U rosa --auth=trust -E UTF8 --no-locale" >"$WORK/initdb.log"
# Durability off (a throwaway copy); jit off (compiling a plan costs more than
# these queries); memory sized for the 1M run.
as_pg "'$PGBIN/pg_ctl' -D '$PGDATA' -l '$PGDATA/server.log' -w -o \"-c listen_addresses=127.0.0.1 -p $PORT -k '$PGDATA' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=1GB -c work_mem=64MB -c maintenance_work_mem=512MB -c jit=off\" start" >/dev/null
STARTED=1
log "postgres listening on 127.0.0.1:$PORT"

# --- data and rosa's index -----------------------------------------------------
DATA=$WORK/data
log "rosa gen --candidates $N --vacancies $M --profile $PROFILE"
"$ROSA" gen --candidates "$N" --vacancies "$M" --seed 42 --as-of 2026-11-01 --profile "$PROFILE" --out "$DATA" >&2
log "rosa index build"
T0=$(date +%s.%N)
"$ROSA" index build --candidates "$DATA/candidates.jsonl" --index "$WORK/index" >/dev/null
log "rosa index build took $(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"

"$PY" "$ROOT/benches/pg_baseline.py" \
    --rosa "$ROSA" --index "$WORK/index" --data "$DATA" --work "$WORK" \
    --comuni "$ROOT/data/comuni.csv" --profile "$PROFILE" \
    --psql "$PSQL" --host 127.0.0.1 --port "$PORT" --user rosa

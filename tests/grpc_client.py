"""A client rosa did not write: Python grpcio against `rosa serve`.

Run by .ci/run:  python tests/grpc_client.py HOST:PORT STUBS_DIR
The server serves an index of tests/fixtures/candidates.jsonl with the fixture
vacancy open, under tests/fixtures/policy.toml. Every method is called and its
answer checked against the values the Rust tests assert.
"""

import json
import pathlib
import sys

import grpc
from google.protobuf import json_format

addr, stubs = sys.argv[1], sys.argv[2]
sys.path.insert(0, stubs)
import rosa_pb2 as pb  # noqa: E402
import rosa_pb2_grpc as rpc  # noqa: E402
from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402

FIX = pathlib.Path(__file__).parent / "fixtures"
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def msg(cls, obj):
    """A protobuf message from a JSON record of DESIGN section 3 (same field names)."""
    return json_format.ParseDict(obj, cls())


vacancy_rec = json.loads((FIX / "vacancy.json").read_text())
candidates = [json.loads(line) for line in (FIX / "candidates.jsonl").read_text().splitlines()]

channel = grpc.insecure_channel(addr)
grpc.channel_ready_future(channel).result(timeout=30)
stub = rpc.RosaStub(channel)

# Health
health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service="rosa.v1.Rosa"))
check(health.status == health_pb2.HealthCheckResponse.SERVING, "health: rosa.v1.Rosa is SERVING")

# Roster: cap, order, Σ excluded + eligible = pool, Σ points = score
vacancy = msg(pb.Vacancy, vacancy_rec)
r = stub.Roster(pb.RosterRequest(vacancy=vacancy))
ids = [e.candidate_id for e in r.entries]
check(r.cap == 15 and len(r.entries) <= r.cap, f"roster: cap 15, {len(r.entries)} entries")
# Same order as the CLI's (tests/cli_roster.rs): C013 is 9 km away and distance
# weighs 0.05, C002's TIG is a self-declared label, below an exact skill.
check(ids == ["C001", "C005", "C003", "C004", "C013", "C002"], f"roster: order {ids}")
check(sum(r.excluded.values()) + r.eligible == r.pool == 13, f"roster: excluded + eligible = pool ({r.pool})")
check(all(abs(sum(c.points for c in e.criteria) - e.score) < 1e-9 for e in r.entries), "roster: points sum to score")
check([e.rank for e in r.entries] == list(range(1, len(r.entries) + 1)), "roster: ranks 1..n")
check(r.policy_fingerprint.startswith("sha256:"), "roster: policy fingerprint")

small = msg(pb.Vacancy, dict(vacancy_rec, roster_size=2))
check([e.candidate_id for e in stub.Roster(pb.RosterRequest(vacancy=small)).entries] == ["C001", "C005"], "roster: roster_size 2 caps at 2")

emp = stub.Roster(pb.RosterRequest(vacancy=vacancy, view="employer"))
check(all(len(e.rules) == 0 and not e.HasField("congruity") for e in emp.entries), "roster: employer view has no rules or congruity")

# RosterBatch: input order
batch = [msg(pb.Vacancy, dict(vacancy_rec, id=i)) for i in ("B3", "B1", "B2")]
got = [x.vacancy_id for x in stub.RosterBatch(pb.RosterBatchRequest(vacancies=batch))]
check(got == ["B3", "B1", "B2"], f"batch: input order {got}")

# Explain: a known candidate
e = stub.Explain(pb.ExplainRequest(vacancy=vacancy, candidate_id="C003"))
check(e.eligible and e.rank == 3 and e.eligible_count == 6, f"explain C003: eligible, rank {e.rank} of {e.eligible_count}")
check(abs(e.score - r.entries[2].score) < 1e-12, "explain C003: same score as its roster entry")
ex = [x for x in candidates if x["id"] not in ids]
e2 = stub.Explain(pb.ExplainRequest(vacancy=vacancy, candidate_id=ex[0]["id"]))
check(not e2.eligible and not e2.HasField("rank") and e2.first_failure != "", f"explain {ex[0]['id']}: excluded by {e2.first_failure}")

# Offers
o = stub.Offers(pb.OffersRequest(candidate_id="C001"))
check(o.eligible == 1 and o.offers[0].vacancy_id == "V001", "offers C001: V001")

# Upsert becomes visible
new = dict(candidates[0], id="C100", did_date="2025-01-01")
c = stub.UpsertCandidates(iter([msg(pb.Candidate, new)]))
r2 = stub.Roster(pb.RosterRequest(vacancy=vacancy))
check(c.index_generation == r.index_generation + 1 and c.records == 1, f"upsert: generation {c.index_generation}")
check([x.candidate_id for x in r2.entries][:2] == ["C100", "C001"], "upsert: C100 visible, first on the DID tie-break")

# Remove and outcome
stub.RemoveCandidates(pb.RemoveRequest(ids=["C100"]))
r3 = stub.Roster(pb.RosterRequest(vacancy=vacancy))
check("C100" not in [x.candidate_id for x in r3.entries], "remove: C100 gone")
oc = stub.RecordOutcome(pb.OutcomeRequest(vacancy_id="V001", candidate_id="C001", result="hired"))
r4 = stub.Roster(pb.RosterRequest(vacancy=vacancy))
check(r4.index_generation == oc.index_generation and "C001" not in [x.candidate_id for x in r4.entries], "outcome: hired C001 leaves the pool")


# Bad requests: status codes and the field named
def code_of(call):
    try:
        call()
    except grpc.RpcError as err:
        return err.code(), err.details()
    return grpc.StatusCode.OK, ""


code, details = code_of(lambda: stub.Roster(pb.RosterRequest(vacancy=msg(pb.Vacancy, dict(vacancy_rec, education_eqf_min=9)))))
check(code == grpc.StatusCode.INVALID_ARGUMENT and "education_eqf_min" in details, f"bad EQF: {code} {details}")
code, details = code_of(lambda: stub.Roster(pb.RosterRequest()))
check(code == grpc.StatusCode.INVALID_ARGUMENT and "vacancy" in details, f"missing vacancy: {code} {details}")
code, details = code_of(lambda: stub.Explain(pb.ExplainRequest(vacancy=vacancy, candidate_id="NOBODY")))
check(code == grpc.StatusCode.NOT_FOUND, f"unknown candidate: {code} {details}")
code, details = code_of(lambda: stub.Roster(pb.RosterRequest(vacancy=vacancy, view="public")))
check(code == grpc.StatusCode.INVALID_ARGUMENT and "view" in details, f"bad view: {code} {details}")

# Upsert stream with bad candidates set aside (first message: options only)
good = dict(candidates[0], id="C200")
bad = dict(candidates[1], id="C201")
bad["availability"] = dict(bad["availability"], max_km=900)
opts = pb.Candidate(upsert_options=pb.UpsertOptions(set_aside_rejects=True))
c = stub.UpsertCandidates(iter([opts, msg(pb.Candidate, good), msg(pb.Candidate, bad)]))
check(c.records == 1 and c.rejected == 1 and c.rejects[0].message == 3 and c.rejects[0].id == "C201"
      and c.rejects[0].errors[0].field == "availability.max_km", f"upsert: bad candidate set aside {c.rejects}")

# A stream cancelled before its end commits nothing
import threading  # noqa: E402
import time  # noqa: E402

before = stub.Roster(pb.RosterRequest(vacancy=vacancy)).index_generation
release = threading.Event()


def open_stream():
    for i in range(50):
        yield msg(pb.Candidate, dict(candidates[0], id=f"X{i:03d}"))
    release.wait(10)  # the stream stays open until the client cancels


call = stub.UpsertCandidates.future(open_stream())
time.sleep(0.5)
call.cancel()
release.set()
time.sleep(0.5)
after = stub.Roster(pb.RosterRequest(vacancy=vacancy)).index_generation
check(after == before, f"cancelled upsert stream: nothing committed (generation {before} -> {after})")

# The server follows a commit made by another process (the CLI)
if len(sys.argv) > 4:
    import subprocess  # noqa: E402
    import tempfile  # noqa: E402

    index_dir, rosa_bin = sys.argv[3], sys.argv[4]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.write(json.dumps(dict(candidates[0], id="C300")) + "\n")
    cli = subprocess.run([rosa_bin, "index", "upsert", "--index", index_dir, "--candidates", f.name],
                         capture_output=True, text=True)
    check(cli.returncode == 0, f"CLI upsert while serving: exit {cli.returncode} {cli.stderr.strip()}")
    seen = before
    for _ in range(50):
        seen = stub.Roster(pb.RosterRequest(vacancy=vacancy)).index_generation
        if seen == before + 1:
            break
        time.sleep(0.1)
    check(seen == before + 1, f"server follows the CLI's commit: generation {seen}, expected {before + 1}")

print(f"python grpc client: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)

"""Roles over gRPC with a client rosa did not write (Python grpcio).

Run by tests/grpc_python.sh:  python tests/grpc_client_auth.py HOST:PORT STUBS_DIR
against `rosa serve --auth` with three token clients (operator, employer,
auditor; tokens "op-secret", "emp-secret", "aud-secret") on loopback without TLS.
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

FIX = pathlib.Path(__file__).parent / "fixtures"
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


vacancy = json_format.ParseDict(json.loads((FIX / "vacancy.json").read_text()), pb.Vacancy())
channel = grpc.insecure_channel(addr)
grpc.channel_ready_future(channel).result(timeout=30)
stub = rpc.RosaStub(channel)


def code_of(call, token):
    md = [("authorization", f"Bearer {token}")] if token else []
    try:
        out = call(md)
    except grpc.RpcError as err:
        return err.code(), err.details()
    return grpc.StatusCode.OK, out


OK, DENIED, NOAUTH = grpc.StatusCode.OK, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED
roster = lambda md: stub.Roster(pb.RosterRequest(vacancy=vacancy), metadata=md)
explain = lambda md: stub.Explain(pb.ExplainRequest(vacancy=vacancy, candidate_id="C001"), metadata=md)
audit = lambda md: stub.AuditVerify(pb.AuditVerifyRequest(), metadata=md)
for name, call, token, want in [
    ("roster", roster, None, NOAUTH),
    ("roster", roster, "wrong", NOAUTH),
    ("roster", roster, "op-secret", OK),
    ("roster", roster, "emp-secret", OK),
    ("roster", roster, "aud-secret", DENIED),
    ("explain", explain, "op-secret", OK),
    ("explain", explain, "emp-secret", DENIED),
    ("audit", audit, "op-secret", DENIED),
    ("audit", audit, "aud-secret", OK),
]:
    code, _ = code_of(call, token)
    check(code == want, f"{name} with {token}: {code} (want {want})")

code, r = code_of(roster, "emp-secret")
check(code == OK and r.view == "employer" and len(r.excluded) == 0
      and all(len(e.rules) == 0 for e in r.entries), "employer token: employer view without asking")
code, details = code_of(lambda md: stub.Roster(pb.RosterRequest(vacancy=vacancy, view="operator"), metadata=md), "emp-secret")
check(code == DENIED, f"employer asking for the operator view: {code} {details}")
code, v = code_of(audit, "aud-secret")
check(code == OK and v.ok and v.records > 0, f"auditor: audit verified ({v})")

print(f"python grpc auth client: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)

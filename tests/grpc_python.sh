#!/usr/bin/env bash
# The gRPC service against a client rosa did not write (Python grpcio), as run
# by .ci/run after the build: installs grpcio and grpcio-tools from PyPI into a
# venv under target/, generates the stubs from proto/rosa.proto, serves an index
# of the fixtures on a free loopback port and runs tests/grpc_client.py.
set -euo pipefail
cd "$(dirname "$0")/.."
ROSA=${ROSA:-./target/debug/rosa}
VENV=target/grpc-venv
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check grpcio grpcio-tools grpcio-health-checking
rm -rf target/grpc-stubs && mkdir -p target/grpc-stubs
"$VENV/bin/python" -m grpc_tools.protoc -Iproto --python_out=target/grpc-stubs \
    --grpc_python_out=target/grpc-stubs proto/rosa.proto

WORK=$(mktemp -d)
SERVER=
cleanup() {
    # Only our server: never `kill 0`, which would signal the whole process group.
    if [ -n "$SERVER" ]; then kill -TERM "$SERVER" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
python3 -c "import json; print(json.dumps(json.load(open('tests/fixtures/vacancy.json'))))" > "$WORK/vacancies.jsonl"
"$ROSA" index build --candidates tests/fixtures/candidates.jsonl \
    --vacancies "$WORK/vacancies.jsonl" --index "$WORK/idx"
PORT=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
"$ROSA" serve --index "$WORK/idx" --listen "127.0.0.1:$PORT" \
    --policy tests/fixtures/policy.toml &
SERVER=$!
"$VENV/bin/python" tests/grpc_client.py "127.0.0.1:$PORT" target/grpc-stubs "$WORK/idx" "$ROSA"
# Graceful shutdown: SIGTERM, and the server exits 0.
kill -TERM "$SERVER"
wait "$SERVER"
SERVER=

# Roles: the same index served with --auth (three token clients, loopback, no TLS).
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
cat > "$WORK/access.toml" <<TOML
[[clients]]
name = "cpi"
role = "operator"
token_sha256 = "$(sha op-secret)"

[[clients]]
name = "e001"
role = "employer"
token_sha256 = "$(sha emp-secret)"

[[clients]]
name = "garante"
role = "auditor"
token_sha256 = "$(sha aud-secret)"
TOML
"$ROSA" serve --index "$WORK/idx" --listen "127.0.0.1:$PORT" \
    --policy tests/fixtures/policy.toml --auth "$WORK/access.toml" &
SERVER=$!
"$VENV/bin/python" tests/grpc_client_auth.py "127.0.0.1:$PORT" target/grpc-stubs
kill -TERM "$SERVER"
wait "$SERVER"
SERVER=
echo "grpc python client: ok"

#!/usr/bin/env bash
# Two Approvals nodes on one throwaway PostgreSQL, on this machine:
#   deploy/local-cluster.sh            # starts PostgreSQL and nodes on :5081 and :5082; Ctrl+C stops all
# Both nodes share the database and the signing key; try a decision on one node while a long-poll
# waits on the other. Everything is on loopback and is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(scripts/postgres.sh start)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    scripts/postgres.sh stop "$APPROVALS_TEST_POSTGRES_DIR"
}
trap cleanup EXIT INT TERM

dotnet build src/Approvals.Server -c Release -nologo -clp:ErrorsOnly
export Approvals__Storage__Provider=postgres
export Approvals__Storage__ConnectionString="$APPROVALS_TEST_POSTGRES"
export Approvals__Auth__SigningKey="${Approvals__Auth__SigningKey:-$(head -c 32 /dev/urandom | base64)}"
for port in 5081 5082; do
    dotnet src/Approvals.Server/bin/Release/net10.0/approvals.dll --urls "http://127.0.0.1:$port" &
    pids+=($!)
done

echo "Nodes on http://127.0.0.1:5081 and http://127.0.0.1:5082. A token for both:"
echo "  dotnet src/Approvals.Server/bin/Release/net10.0/approvals.dll token --sub alice --role reviewer"
echo "(with Approvals__Auth__SigningKey=$Approvals__Auth__SigningKey in the environment)"
wait

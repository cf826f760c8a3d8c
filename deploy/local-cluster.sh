#!/usr/bin/env bash
# Two Approvals nodes on one throwaway PostgreSQL, on this machine:
#   deploy/local-cluster.sh            # starts PostgreSQL and nodes on :5081 and :5082; Ctrl+C stops all
# Each node is an Orleans silo (silo ports 11111/11112, gateway ports 30000/30001) co-hosting the REST
# gateway; both share the database (state, events, membership, reminders) and the signing key. Try a
# decision on one node while a long-poll waits on the other, kill one (kill -9) and keep using the
# other, or watch /dashboard with an admin token. Everything is on loopback and is removed on exit.
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
for node in 1 2; do
    dotnet src/Approvals.Server/bin/Release/net10.0/approvals.dll --urls "http://127.0.0.1:508$node" \
        --Approvals:Cluster:SiloPort=$((11110 + node)) --Approvals:Cluster:GatewayPort=$((29999 + node)) &
    pids+=($!)
done

echo "Nodes on http://127.0.0.1:5081 and http://127.0.0.1:5082. A token for both:"
echo "  dotnet src/Approvals.Server/bin/Release/net10.0/approvals.dll token --sub alice --role reviewer"
echo "  dotnet src/Approvals.Server/bin/Release/net10.0/approvals.dll token --sub ops --role admin   # for /dashboard"
echo "(with Approvals__Auth__SigningKey=$Approvals__Auth__SigningKey in the environment)"
wait

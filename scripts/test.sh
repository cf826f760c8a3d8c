#!/usr/bin/env bash
# The test command: builds everything (warnings are errors) and runs every test project on both
# backends. Starts a throwaway PostgreSQL (installing it with apt-get when missing) unless
# APPROVALS_TEST_POSTGRES already names one, and installs Debian's chromium for the inbox's browser
# tests when it is missing. Extra arguments go to `dotnet test` (e.g. --filter X).
set -euo pipefail
cd "$(dirname "$0")/.."

# The browser tests drive Debian's chromium: never a browser downloaded by a test tool.
if ! command -v chromium >/dev/null; then
    if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "test.sh: installing chromium with apt-get" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq --no-install-recommends chromium >&2
    else
        echo "test.sh: chromium is missing and installing it needs root and apt-get; the browser tests skip (or fail under CI=true)" >&2
    fi
fi

if [[ -z "${APPROVALS_TEST_POSTGRES:-}" ]]; then
    eval "$(scripts/postgres.sh start)"
    trap 'scripts/postgres.sh stop "$APPROVALS_TEST_POSTGRES_DIR"' EXIT
fi
export APPROVALS_TEST_POSTGRES

dotnet build Approvals.sln -c Release -nologo -clp:ErrorsOnly

# One test assembly at a time (-m:1): several servers and PostgreSQL schemas at once would only
# slow a 2-core machine down. No test asserts a latency, so a busy machine cannot fail them.
log=$(mktemp)
status=0
dotnet test Approvals.sln -c Release --no-build -m:1 -nologo "$@" 2>&1 | tee "$log" || status=$?

# A plain closing line CI can read: "N passed, N failed, N skipped".
awk '/^(Passed|Failed)!/ {
        for (i = 1; i <= NF; i++) {
            gsub(",", "", $(i + 1))
            if ($i == "Passed:") p += $(i + 1)
            if ($i == "Failed:") f += $(i + 1)
            if ($i == "Skipped:") s += $(i + 1)
        }
    }
    END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"

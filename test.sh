#!/usr/bin/env bash
# The whole test suite in one command on a fresh Debian machine with the .NET SDK.
# It installs, where missing, what the tests start for real:
#   chromium        the browser tests drive the system's headless Chromium (none is downloaded)
#   postgresql      the store tests start a throwaway server with initdb/pg_ctl as the postgres user
#   docker-compose  the deployment test validates docker-compose.yml (no Docker engine is needed)
#   python3         Debian's interpreter at /usr/bin/python3
#   prometheus      the metrics test starts Debian's Prometheus server against real nodes (and its promtool)
#   kubernetes-client  kubectl kustomize renders deploy/k8s for the manifest tests (no cluster is needed)
# then builds the programs and their tests and runs every test project. Extra arguments go to
# `dotnet test` (for example: ./test.sh --filter FullyQualifiedName~Store).
set -euo pipefail
cd "$(dirname "$0")"

missing=()
[[ -x /usr/bin/chromium || -x /usr/bin/chromium-browser ]] || missing+=(chromium)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[[ -x /usr/bin/python3 ]] || missing+=(python3)
[[ -x /usr/bin/prometheus && -x /usr/bin/promtool ]] || missing+=(prometheus)
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "test.sh: missing ${missing[*]}; run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "test.sh: installing ${missing[*]} from Debian's packages" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Build once (the programs and their tests: tests/tests.slnf; the benchmarks have their own build),
# then run every test project at once: the fast projects run beside the cluster tests, which spend
# most of their time waiting on the processes they start.
dotnet build tests/tests.slnf -nologo -v quiet
exec dotnet test tests/tests.slnf --no-build "$@"

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
# then run the cluster tests (the longest, and timed in places) at once with the machine first,
# and every other test project beside them at a lower priority (tests/beside-cluster.slnf).
dotnet build tests/tests.slnf -nologo -v quiet
dotnet test tests/LeeMl.Sweep.Cluster.Tests --no-build "$@" &
cluster=$!
beside=0
nice -n 10 dotnet test tests/beside-cluster.slnf --no-build "$@" || beside=$?
status=0
wait "$cluster" || status=$?
exit $((status != 0 ? status : beside))

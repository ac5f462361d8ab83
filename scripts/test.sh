#!/usr/bin/env bash
# The whole test suite from a clean clone: installs what it needs, runs every suite
# (TypeScript under ava, Python under pytest) and ends with one line `N passed, N failed`.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mkdir -p .cache
set -e
npm ci --no-audit --no-fund --loglevel=error
npm run -s build
FLOWC_PYTHON="$(scripts/pyenv.sh)"
export FLOWC_PYTHON
# LangGraph's own dev server, test-only (test/e2e/langgraph-dev.test.ts): a venv of its own.
FLOWC_LANGGRAPH_PYTHON="$(scripts/pyenv.sh python/requirements-langgraph-server.txt)"
export FLOWC_LANGGRAPH_PYTHON
# LangFlow's own runtime (`lfx run`) with what its starter projects import, for the differential
# test (test/differential): a venv of its own.
FLOWC_DIFFERENTIAL_PYTHON="$(scripts/pyenv.sh python/requirements-differential.txt)"
export FLOWC_DIFFERENTIAL_PYTHON
# LangFlow's starter projects of six more releases, from PyPI's langflow-base wheels (release corpus).
scripts/fetch-starters.sh "$FLOWC_PYTHON" >/dev/null
# A real PostgreSQL for the chat-history tests (test/helpers/postgres.ts starts a throw-away cluster
# per test file and stops it at the end); Debian's package brings the server and its `postgres` user.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # No default cluster: nothing is left running on 5432 after the tests.
  $sudo mkdir -p /etc/postgresql-common
  echo 'create_main_cluster = false' | $sudo tee /etc/postgresql-common/createcluster.conf >/dev/null
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold postgresql >/dev/null
fi
# A real headless browser (Debian's Chromium, driven by puppeteer-core) for the tests that render:
# each flow's Mermaid diagram is parsed and drawn by the real mermaid package.
if ! command -v chromium >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
export FLOWC_CHROMIUM="${FLOWC_CHROMIUM:-$(command -v chromium)}"
set +e

passed=0; failed=0; skipped=0
count() { # count <file> <regex-with-one-number-group>
  sed -nE "s/$2/\1/p" "$1" | tail -n 1
}

# TypeScript suites (ava, TAP so the counts are machine-readable).
npx ava --tap 2>&1 | tee .cache/ava.tap
ava_rc=${PIPESTATUS[0]}
p=$(count .cache/ava.tap '^# pass ([0-9]+)$'); f=$(count .cache/ava.tap '^# fail ([0-9]+)$'); s=$(count .cache/ava.tap '^# skip ([0-9]+)$')
passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
if [ "$ava_rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then failed=$((failed + 1)); echo "ava exited $ava_rc with no failed test counted" >&2; fi

# Python suites (the LangServe host runtime and helpers).
if [ -d python/tests ]; then
  "$FLOWC_PYTHON" -m pytest -q -p no:cacheprovider python/tests 2>&1 | tee .cache/pytest.out
  py_rc=${PIPESTATUS[0]}
  summary=$(grep -E '^=* ?[0-9]+ (passed|failed|errors?|skipped)' .cache/pytest.out | tail -n 1)
  p=$(grep -oE '[0-9]+ passed' <<<"$summary" | cut -d' ' -f1); f=$(grep -oE '[0-9]+ failed' <<<"$summary" | cut -d' ' -f1); e=$(grep -oE '[0-9]+ errors?' <<<"$summary" | cut -d' ' -f1)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0}))
  if [ "$py_rc" -ne 0 ] && [ "$py_rc" -ne 5 ] && [ "${f:-0}${e:-0}" = "00" ]; then failed=$((failed + 1)); fi
fi

# Real Phoenix end to end (issue 6): slow, so its own script (~25 s; +~1 min to install Phoenix once).
bash scripts/phoenix-e2e.sh 2>&1 | tee .cache/phoenix-e2e.out
e2e_rc=${PIPESTATUS[0]}
p=$(count .cache/phoenix-e2e.out '^phoenix-e2e: ([0-9]+) passed.*'); f=$(count .cache/phoenix-e2e.out '^phoenix-e2e: [0-9]+ passed, ([0-9]+) failed.*')
passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
if [ "$e2e_rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then failed=$((failed + 1)); echo "phoenix-e2e exited $e2e_rc with no failed check counted" >&2; fi

echo
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$failed" -eq 0 ]

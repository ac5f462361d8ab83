#!/usr/bin/env bash
# End-to-end check of flowc's traces in a real Arize Phoenix (slow: installs Phoenix into a cached
# venv on first use, then starts Phoenix and the LangServe host). Ends with one line
# `phoenix-e2e: N passed, N failed`; exits non-zero when a check failed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
[ -f dist/main.js ] || npm run -s build
FLOWC_PYTHON="${FLOWC_PYTHON:-$(scripts/pyenv.sh)}"
export FLOWC_PYTHON
scripts/phoenix-env.sh >/dev/null
exec node --import tsx test/e2e/phoenix-e2e.ts

#!/usr/bin/env bash
# Fetches LangFlow's own starter projects of the releases the corpus tests cover beyond
# ../shared/fixtures/langflow (1.8, 1.10, 1.13) from PyPI's langflow-base wheels (LangFlow 1.x
# shipped langflow-base 0.x) into .cache/langflow-starters/<release>/. Fetched data, never
# committed. Idempotent; prints the directory.
#
#   scripts/fetch-starters.sh [python]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${1:-${FLOWC_PYTHON:-$root/.venv/bin/python}}"
out="$root/.cache/langflow-starters"
# LangFlow release → langflow-base version (the last patch release of each line).
releases="1.5:0.5.1 1.6:0.6.9 1.7:0.7.3 1.9:0.9.6 1.11:0.11.6 1.12:1.12.8"
mkdir -p "$out/wheels"
for pair in $releases; do
  release="${pair%%:*}"; version="${pair##*:}"
  [ -f "$out/$release/.complete" ] && continue
  wheel="$out/wheels/langflow_base-$version-py3-none-any.whl"
  [ -f "$wheel" ] || "$python" -m pip download -q --disable-pip-version-check --no-deps "langflow-base==$version" -d "$out/wheels" >&2
  rm -rf "$out/$release" && mkdir -p "$out/$release"
  "$python" - "$wheel" "$out/$release" <<'PY'
import pathlib, sys, zipfile
wheel, target = sys.argv[1], pathlib.Path(sys.argv[2])
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if "/initial_setup/starter_projects/" in name and name.endswith(".json"):
            (target / pathlib.PurePosixPath(name).name).write_bytes(z.read(name))
PY
  touch "$out/$release/.complete"
done
echo "$out"

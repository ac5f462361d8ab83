#!/bin/sh
# One LangServe host replica of a tenant (docs/deploy.md): its own clone of the tenant branch,
# brought up to date at every start (so app/server.py is the current one), then the generated host
# following the remote (FLOWC_HOST_FOLLOW): it serves every build flowc pushes, told or not.
#   TENANT_REPO_URL, FLOWC_SLUG (required); GIT_TOKEN_FILE (optional, read at every fetch);
#   FLOWC_HOST_DIR (default /repo), PORT (default 8000), PYTHON (default /opt/venv/bin/python).
set -eu
: "${TENANT_REPO_URL:?set TENANT_REPO_URL}" "${FLOWC_SLUG:?set FLOWC_SLUG}"
dir="${FLOWC_HOST_DIR:-/repo}"
branch="tenant/$FLOWC_SLUG"
if [ -n "${GIT_TOKEN_FILE:-}" ]; then
  # A helper reads the token file at every fetch: a rotated token works without a restart, and
  # the token itself is written nowhere.
  git config --global credential.helper \
    '!f() { test "$1" = get && echo username=x-access-token && printf "password=%s\n" "$(cat "$GIT_TOKEN_FILE")"; }; f'
fi
if [ ! -d "$dir/.git" ]; then
  if ! git clone -q --branch "$branch" "$TENANT_REPO_URL" "$dir"; then
    echo "host: cannot clone $branch from $TENANT_REPO_URL yet (has flowc pushed a build?); exiting to be restarted" >&2
    exit 1
  fi
else
  git -C "$dir" fetch -q origin "$branch"
  git -C "$dir" reset -q --hard FETCH_HEAD
fi
cd "$dir"
export FLOWC_HOST_FOLLOW="${FLOWC_HOST_FOLLOW:-origin}" FLOWC_HOST_BRANCH="$branch"
exec "${PYTHON:-/opt/venv/bin/python}" -m uvicorn --app-dir "$dir" app.server:app --host "${HOST:-0.0.0.0}" --port "${PORT:-8000}"

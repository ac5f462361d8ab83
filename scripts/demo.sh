#!/usr/bin/env bash
# README command 1: the whole flowc loop on one machine, no API key needed.
#   scripts/demo.sh          installs what it needs, runs the demo, keeps serving until Ctrl-C
#   scripts/demo.sh --ci     (or DEMO_CI=1) bounded and non-interactive: exits 0 once the answer
#                            is served, non-zero on failure or after DEMO_TIMEOUT seconds (300)
# It makes a demo tenant repo (with a local bare remote as origin) in a temp dir, starts a local
# OpenAI-compatible stub (scripts/openai-stub.mjs), the tenant's LangServe host under uvicorn and
# `flowc reconcile` in watch mode, drops examples/flows/demo-chat.json into flows/, then shows the
# build commit, its tag (also on the remote) and an answer served by the compiled flow.
# Environment: DEMO_SKIP_INSTALL=1 (tests: the suite already installed), DEMO_KEEP=1 (keep the
# temp dir), DEMO_TIMEOUT=<s>, DEMO_FLOW=<path to another LangFlow export>, DEMO_QUESTION=<text>.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
ci="${DEMO_CI:-}"
for arg in "$@"; do
  case "$arg" in
    --ci) ci=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "demo: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done
timeout_s="${DEMO_TIMEOUT:-300}"
flow_src="${DEMO_FLOW:-$root/examples/flows/demo-chat.json}"
question="${DEMO_QUESTION:-What does flowc do?}"
slug=demo

if [ -t 1 ]; then say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }; else say() { printf '\n== %s\n' "$*"; }; fi
# fd 3/4 = the real stderr/stdout: a failure or a signal can arrive while a check runs with its
# output silenced, and what the demo says then must still be seen.
exec 3>&2 4>&1
fail() { echo "demo: FAILED: $*" >&3; show_logs >&3 2>&3; exit 1; }

# ---- children and cleanup: every process we start is recorded and stopped on any exit ----------
pids=()
work=""
show_logs() {
  [ -n "$work" ] && [ -d "$work/logs" ] || return 0
  for f in "$work"/logs/*.log; do
    [ -s "$f" ] || continue
    echo "---- last lines of $(basename "$f") ----" >&2
    tail -n 30 "$f" >&2
  done
}
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # flowc finishes the pass in flight on SIGTERM; give everyone a moment, then insist.
  for _ in $(seq 1 50); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$work" ] && [ -z "${DEMO_KEEP:-}" ]; then rm -rf "$work"; elif [ -n "$work" ]; then echo "demo: kept $work" >&4; fi
  echo "demo: stopped (pids ${pids[*]:-none})" >&4
  exit "$code"
}
trap cleanup EXIT
trap 'printf "\ndemo: stopping...\n" >&4; exit 130' INT TERM

deadline=$((SECONDS + timeout_s))
# wait_for <what> <command...>: retries the command until it succeeds or the deadline passes.
wait_for() {
  local what="$1"; shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${timeout_s}s waiting for $what"
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || fail "a demo process (pid $pid) exited while waiting for $what"; done
    sleep 0.3
  done
}
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
http_ok() { node -e "fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" "$1"; }

# ---- 1. install ---------------------------------------------------------------------------------
cd "$root"
if [ -z "${DEMO_SKIP_INSTALL:-}" ]; then
  say "installing what is missing (npm ci, build, Python venv)"
  mkdir -p .cache
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
  # Incremental: a fresh clone builds; a tree built since its last source change does not.
  if [ ! -f dist/main.js ] || [ -n "$(find src tsconfig.json package.json -newer dist/main.js -print -quit)" ]; then
    npm run -s build
  fi
fi
python="${FLOWC_PYTHON:-$(scripts/pyenv.sh)}"
export FLOWC_PYTHON="$python"
flowc=(node "$root/bin/flowc.js")
[ -f "$root/dist/main.js" ] || fail "dist/main.js is missing: run npm run build (or drop DEMO_SKIP_INSTALL)"

# ---- 2. a demo tenant with a local bare remote ----------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/flowc-demo.XXXXXX")"
mkdir -p "$work/logs"
tenant="$work/tenant"
remote="$work/remote.git"
export GIT_AUTHOR_NAME="flowc demo" GIT_AUTHOR_EMAIL="demo@flowc.invalid" GIT_COMMITTER_NAME="flowc demo" GIT_COMMITTER_EMAIL="demo@flowc.invalid"
say "demo tenant '$slug' in $tenant (origin: $remote)"
git init -q --bare "$remote"
mkdir -p "$tenant"
"${flowc[@]}" init --slug "$slug" --dir "$tenant" --remote "$remote" --stack-port 4100 || fail "flowc init failed"
token="demo-$(node -e "console.log(require('crypto').randomBytes(12).toString('hex'))")"
export LANGSERVE_RESTART_TOKEN="$token"

# ---- 3. the stub model, the LangServe host, flowc reconcile -------------------------------------
say "starting the OpenAI-compatible stub (no API key needed)"
node "$root/scripts/openai-stub.mjs" --port 0 >"$work/logs/stub.log" 2>&1 &
pids+=($!)
wait_for "the stub" grep -q 'listening' "$work/logs/stub.log"
stub_url="$(sed -n 's/^openai-stub listening //p' "$work/logs/stub.log")"
echo "stub: $stub_url"

host_port="$(free_port)"
flowc_port="$(free_port)"
host_url="http://127.0.0.1:$host_port"
host_pid=""
start_host() {
  (cd "$tenant" && exec env OPENAI_BASE_URL="$stub_url" OPENAI_API_KEY="sk-demo-not-a-real-key" PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    "$python" -m uvicorn app.server:app --host 127.0.0.1 --port "$host_port") >"$work/logs/host.log" 2>&1 &
  host_pid=$!
  pids+=("$host_pid")
  wait_for "the LangServe host on $host_url/healthz" http_ok "$host_url/healthz"
  echo "LangServe host: $host_url (pid $host_pid)"
}

# The host serves app/server.py, which flowc generates: one converging pass writes it (no reload
# yet: there is no host to reload), then the host starts, then flowc keeps watching.
say "first pass: flowc reconcile --once"
FLOWC_LANGSERVE_URL="" "${flowc[@]}" -C "$tenant" reconcile --once >"$work/logs/once.log" 2>&1 || { cat "$work/logs/once.log" >&2; fail "flowc reconcile --once failed"; }
if [ -f "$tenant/app/server.py" ]; then
  say "starting the LangServe host"
  start_host
else
  echo "(app/server.py appears with the first build; the host starts after it)"
fi

say "starting flowc reconcile (watch mode, listener 127.0.0.1:$flowc_port)"
FLOWC_LANGSERVE_URL="$host_url" "${flowc[@]}" -C "$tenant" reconcile --listen "127.0.0.1:$flowc_port" >"$work/logs/flowc.log" 2>&1 &
pids+=($!)
wait_for "flowc's /healthz" http_ok "http://127.0.0.1:$flowc_port/healthz"

# ---- 4. drop a flow, watch it land ------------------------------------------------------------
flow_id="$(basename "$flow_src" .json)"
say "dropping $(basename "$flow_src") into flows/"
mkdir -p "$tenant/flows"
cp "$flow_src" "$tenant/flows/$flow_id.json.tmp" && mv "$tenant/flows/$flow_id.json.tmp" "$tenant/flows/$flow_id.json"
tag_landed() { [ -n "$(git -C "$tenant" tag -l "bld-$slug-*" --contains HEAD 2>/dev/null)" ] && git -C "$tenant" log -1 --format=%B | grep -q "Flow-Id: $flow_id"; }
# A flow flowc cannot build is reported on /status at once: say why instead of waiting it out.
flow_failure() {
  node -e '
    fetch(process.argv[1]).then((r) => r.json()).then((s) => {
      const f = (s.flows || []).find((x) => x.id === process.argv[2] && x.status === "Failed");
      if (f) console.log(f.reason);
    }, () => {});' "http://127.0.0.1:$flowc_port/status" "$flow_id" 2>/dev/null || true
}
build_landed_or_failed() {
  tag_landed && return 0
  local reason; reason="$(flow_failure)"
  [ -z "$reason" ] || fail "flowc could not build flows/$flow_id.json: $reason"
  return 1
}
wait_for "the build commit and tag" build_landed_or_failed
tag="$(git -C "$tenant" tag -l "bld-$slug-*" --contains HEAD | tail -n 1)"

say "the commit"
git -C "$tenant" --no-pager log -1 --stat --format='%h %s%n%n%b'
say "the tag"
git -C "$tenant" --no-pager tag -n12 -l "$tag"
on_remote() { git --git-dir "$remote" rev-parse -q --verify "refs/tags/$tag"; }
wait_for "the tag on the remote" on_remote
echo "pushed: $(git --git-dir "$remote" for-each-ref --format='%(refname:short)' refs/heads refs/tags | tr '\n' ' ')"

# ---- 5. a served answer -----------------------------------------------------------------------
[ -n "$host_pid" ] || { say "starting the LangServe host"; start_host; }
endpoint="$(node -e "const f=JSON.parse(require('fs').readFileSync(process.argv[1],'utf8'));console.log(f.endpoint_name||process.argv[2])" "$flow_src" "$flow_id")"
say "asking $host_url/$endpoint/invoke: \"$question\""
body="$(node -e 'console.log(JSON.stringify({input:{input_value:process.argv[1],session_id:"demo"}}))' "$question")"
ask() {
  node --input-type=module - "$host_url/$endpoint/invoke" "$body" >"$work/answer.txt" 2>"$work/logs/ask.log" <<'EOF'
const [url, body] = process.argv.slice(2);
const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
const json = await res.json().catch(() => ({}));
if (!res.ok) { console.error(`HTTP ${res.status} ${JSON.stringify(json).slice(0, 300)}`); process.exit(1); }
const o = json.output;
const text = typeof o === 'string' ? o : o?.text ?? o?.content ?? o?.message?.text ?? JSON.stringify(o);
if (!text) process.exit(1);
console.log(text);
EOF
}
wait_for "an answer from $host_url/$endpoint/invoke" ask
say "served answer"
echo "served answer: $(cat "$work/answer.txt")"

if [ -n "$ci" ]; then
  echo "demo: OK (bounded mode)"
  exit 0
fi
say "the stack keeps running: edit $tenant/flows/$flow_id.json and watch flowc rebuild it"
echo "logs: $work/logs   flowc: http://127.0.0.1:$flowc_port/status   host: $host_url/docs"
echo "Ctrl-C stops everything."
while true; do
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || fail "a demo process (pid $pid) exited"; done
  sleep 1
done

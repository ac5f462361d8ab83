/**
 * The status page: `GET /ui` (every flow with its state and reason, the last build, the push and
 * the host's served generation), `GET /ui/build?tag=…` (what a build changed, from its tag's
 * manifest) and `GET /ui/events` (server-sent events: the status again after every pass, so the
 * page updates live). Plain server-rendered HTML with one small script; read-only. It shows what
 * `/status` shows, which holds no secret. Open to a browser that presents the viewer token
 * (FLOWC_VIEWER_TOKEN) or the webhook's API key: `GET /ui/login?token=…` sets it as a cookie.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditBuild } from '../reconcile/audit.js';
import type { StatusReport } from '../reconcile/report.js';

/** Changes waiting for a pass, and the running pass's progress through the flows. */
type Load = { passes: number; changes: number; done?: number; of?: number };

export interface UiDeps {
  /** FLOWC_VIEWER_TOKEN and BLD_KEY: either opens the page; none set: the page is closed. */
  tokens: Array<string | undefined>;
  status(): StatusReport;
  load(): Load;
  /** Calls `listener` after every pass; returns how to stop. */
  subscribe(listener: () => void): () => void;
  builds(): Promise<AuditBuild[]>;
}

const COOKIE = 'flowc_view';
const digest = (s: string) => createHash('sha256').update(s).digest();

const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

export function createUi(deps: UiDeps) {
  const tokens = deps.tokens.filter((t): t is string => !!t).map(digest);
  const allowed = (given: string | undefined) => !!given && tokens.some((t) => timingSafeEqual(t, digest(given)));
  const authorized = (req: IncomingMessage) => {
    const bearer = /^Bearer (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    return allowed(cookieToken(req)) || allowed(bearer) || allowed(String(req.headers['x-api-key'] ?? '') || undefined);
  };

  function html(res: ServerResponse, code: number, title: string, body: string): void {
    res.writeHead(code, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // The one script is ours, inline; nothing else loads.
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'",
    });
    res.end(page(title, body));
  }

  return {
    /** Handles /ui, /ui/login, /ui/build and /ui/events; false for any other path. */
    async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
      if (pathname !== '/ui' && !pathname.startsWith('/ui/')) return false;
      const url = new URL(req.url ?? '/', 'http://flowc.invalid');
      if (req.method !== 'GET') {
        res.writeHead(405, { allow: 'GET' }).end();
        return true;
      }
      if (pathname === '/ui/login') {
        const token = url.searchParams.get('token') ?? '';
        if (!allowed(token)) {
          html(res, 401, 'Not signed in', '<main><h1>Not signed in</h1><p>That token opens nothing here. Ask for the viewer token (FLOWC_VIEWER_TOKEN).</p></main>');
          return true;
        }
        res.writeHead(303, { location: '/ui', 'set-cookie': `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/ui`, 'cache-control': 'no-store' }).end();
        return true;
      }
      if (!authorized(req)) {
        html(res, 401, 'Not signed in', '<main><h1>Not signed in</h1><p>Open <code>/ui/login?token=&lt;viewer token&gt;</code> first.</p></main>');
        return true;
      }
      if (pathname === '/ui') html(res, 200, `flowc · ${deps.status().slug}`, statusBody(deps.status(), deps.load(), lastBuilds(await deps.builds())));
      else if (pathname === '/ui/build') {
        const tag = url.searchParams.get('tag') ?? '';
        const build = (await deps.builds()).find((b) => b.tag === tag);
        if (build) html(res, 200, `Build ${tag}`, buildBody(build));
        else html(res, 404, 'No such build', `<main><h1>No such build</h1><p>${esc(tag)} is not a build tag of this tenant.</p><p><a href="/ui">Back to the flows</a></p></main>`);
      } else if (pathname === '/ui/events') events(req, res, deps);
      else html(res, 404, 'Not found', '<main><h1>Not found</h1><p><a href="/ui">Back to the flows</a></p></main>');
      return true;
    },
  };
}

type LastBuilds = Record<string, { tag: string; commit: string; time: string }>;

/** Per flow, the newest build that changed it (builds come newest first). */
function lastBuilds(builds: AuditBuild[]): LastBuilds {
  const last: LastBuilds = {};
  for (const b of builds) for (const f of b.flows) if (f.id && !last[f.id]) last[f.id] = { tag: b.tag, commit: b.commit, time: b.time };
  return last;
}

function events(req: IncomingMessage, res: ServerResponse, deps: UiDeps): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
  let builds: LastBuilds = {};
  const send = () => res.write(`event: status\ndata: ${JSON.stringify({ status: deps.status(), load: deps.load(), builds })}\n\n`);
  // Tags change only when a pass builds: they are read then, not on every progress tick.
  const refresh = () =>
    void deps.builds().then(
      (all) => {
        builds = lastBuilds(all);
        send();
      },
      () => send(),
    );
  refresh();
  const stop = deps.subscribe(refresh);
  // A comment now and then keeps proxies from closing an idle stream; progress while a burst waits.
  const tick = setInterval(() => {
    const load = deps.load();
    if (load.changes > 0 || load.of) send();
    else res.write(': keep-alive\n\n');
  }, 1000);
  req.on('close', () => {
    clearInterval(tick);
    stop();
  });
}

const STATES: Record<string, string> = { Synced: 'ok', OutOfSync: 'warn', Failed: 'bad', Suspended: 'off' };

function rows(s: StatusReport, builds: LastBuilds): string {
  if (s.flows.length === 0) return '<tr><td colspan="4">No flows yet.</td></tr>';
  const built = (id: string) => (builds[id] ? `<a href="/ui/build?tag=${encodeURIComponent(builds[id].tag)}">${esc(builds[id].tag)}</a> <small>${esc(builds[id].commit.slice(0, 12))}, ${esc(builds[id].time)}</small>` : '');
  return s.flows.map((f) => `<tr data-flow="${esc(f.id)}"><th scope="row">${esc(f.id)}</th><td><span class="state ${STATES[f.status] ?? ''}">${esc(f.status)}</span></td><td>${built(f.id)}</td><td>${esc(f.reason ?? '')}</td></tr>`).join('');
}

/** What the reconciler is doing: a pass's progress through the flows (N of M), what waits. */
function working(load: Load): string {
  const reading = load.of ? `${load.done ?? 0} of ${load.of} flows read and built` : '';
  const waiting = load.changes > 0 || load.passes > 0 ? `${load.changes} change(s) waiting, ${load.passes} pass(es) queued or running` : '';
  return [reading, waiting].filter(Boolean).join('; ') || 'idle';
}

function summary(s: StatusReport, load: Load): string {
  const build = s.lastBuild ? `<a id="last-build" href="/ui/build?tag=${encodeURIComponent(s.lastBuild.tag)}">${esc(s.lastBuild.tag)}</a> (${esc(s.lastBuild.commit.slice(0, 12))}, ${esc(s.lastBuild.time)})` : 'none yet';
  const push = s.push.pending ? `pending: ${esc(s.push.lastError ?? 'waiting')}` : 'up to date';
  const host = s.reload.pending ? `reload pending: ${esc(s.reload.lastError ?? 'waiting')}` : s.reload.generation !== null ? `serving generation ${esc(s.reload.generation)}` : 'not reloaded yet';
  const work = esc(working(load));
  return `<dl><dt>Last build</dt><dd>${build}</dd><dt>Push</dt><dd>${push}</dd><dt>Host</dt><dd>${host}</dd><dt>Reconciler</dt><dd>${work}</dd></dl>`;
}

function statusBody(s: StatusReport, load: Load, builds: LastBuilds): string {
  return `<header><h1>flowc · ${esc(s.slug)}</h1><p>Branch <code>${esc(s.branch)}</code> at <code>${esc(s.head?.slice(0, 12) ?? '(no commit)')}</code></p></header>
<main>
<section aria-labelledby="summary-h"><h2 id="summary-h">Tenant</h2><div id="summary">${summary(s, load)}</div></section>
<section aria-labelledby="flows-h"><h2 id="flows-h">Flows</h2>
<table id="flows"><caption>Every flow and whether its generated code matches it</caption>
<thead><tr><th scope="col">Flow</th><th scope="col">State</th><th scope="col">Last build</th><th scope="col">Reason</th></tr></thead>
<tbody>${rows(s, builds)}</tbody></table></section>
<p id="live" role="status" aria-live="polite">Connecting for live updates…</p>
</main>
<script>
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
const STATES = ${JSON.stringify(STATES)};
function built(b) {
  return b ? '<a href="/ui/build?tag=' + encodeURIComponent(b.tag) + '">' + esc(b.tag) + '</a> <small>' + esc(b.commit.slice(0, 12)) + ', ' + esc(b.time) + '</small>' : '';
}
function render({ status: s, load, builds }) {
  document.querySelector('#flows tbody').innerHTML = s.flows.length === 0 ? '<tr><td colspan="4">No flows yet.</td></tr>' : s.flows.map((f) =>
    '<tr data-flow="' + esc(f.id) + '"><th scope="row">' + esc(f.id) + '</th><td><span class="state ' + (STATES[f.status] || '') + '">' + esc(f.status) + '</span></td><td>' + built(builds[f.id]) + '</td><td>' + esc(f.reason || '') + '</td></tr>').join('');
  const b = s.lastBuild;
  const reading = load.of ? (load.done || 0) + ' of ' + load.of + ' flows read and built' : '';
  const waiting = load.changes > 0 || load.passes > 0 ? load.changes + ' change(s) waiting, ' + load.passes + ' pass(es) queued or running' : '';
  const work = esc([reading, waiting].filter(Boolean).join('; ') || 'idle');
  document.querySelector('#summary').innerHTML = '<dl><dt>Last build</dt><dd>' + (b ? '<a id="last-build" href="/ui/build?tag=' + encodeURIComponent(b.tag) + '">' + esc(b.tag) + '</a> (' + esc(b.commit.slice(0, 12)) + ', ' + esc(b.time) + ')' : 'none yet') +
    '</dd><dt>Push</dt><dd>' + (s.push.pending ? 'pending: ' + esc(s.push.lastError || 'waiting') : 'up to date') +
    '</dd><dt>Host</dt><dd>' + (s.reload.pending ? 'reload pending: ' + esc(s.reload.lastError || 'waiting') : s.reload.generation !== null ? 'serving generation ' + esc(s.reload.generation) : 'not reloaded yet') +
    '</dd><dt>Reconciler</dt><dd>' + work + '</dd></dl>';
}
const live = document.querySelector('#live');
const source = new EventSource('/ui/events');
source.addEventListener('status', (e) => { render(JSON.parse(e.data)); live.textContent = 'Live: updated ' + new Date().toLocaleTimeString(); });
source.onerror = () => { live.textContent = 'Live updates lost; retrying…'; };
</script>`;
}

function buildBody(b: AuditBuild): string {
  const flows = b.flows.map((f) => `<tr><th scope="row">${esc(f.id ?? f.source)}</th><td>${esc(f.action)}</td><td><ul>${f.files.map((x) => `<li><code>${esc(x.path)}</code></li>`).join('')}</ul></td></tr>`).join('');
  const removed = b.removed.map((r) => `<tr><th scope="row">${esc(r.id ?? r.source)}</th><td>removed</td><td><ul>${r.files.map((x) => `<li><code>${esc(x)}</code></li>`).join('')}</ul></td></tr>`).join('');
  const files = b.flows.reduce((n, f) => n + f.files.length, 0) + b.removed.reduce((n, r) => n + r.files.length, 0);
  return `<header><h1>Build ${esc(b.tag)}</h1><p>Commit <code>${esc(b.commit.slice(0, 12))}</code> at ${esc(b.time)} · ${b.flows.length + b.removed.length} flow(s), ${files} file(s)</p></header>
<main><section aria-labelledby="changed-h"><h2 id="changed-h">What changed</h2>
<table id="changes"><caption>Flows this build created, updated or removed, and their files</caption>
<thead><tr><th scope="col">Flow</th><th scope="col">Change</th><th scope="col">Files</th></tr></thead><tbody>${flows}${removed}</tbody></table></section>
<p><a href="/ui">Back to the flows</a></p></main>`;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; color: #1a1a1a; background: #fff; margin: 0 auto; max-width: 60rem; padding: 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin-top: 1.5rem; }
table { border-collapse: collapse; width: 100%; } caption { text-align: left; color: #444; padding-bottom: .25rem; }
th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid #ccc; vertical-align: top; }
tbody th, tbody td:nth-child(2) { white-space: nowrap; } tbody td:last-child { overflow-wrap: anywhere; }
tbody td:nth-child(3) { min-width: 17rem; } tbody td:nth-child(3) small { display: block; color: #444; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; } dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
a { color: #0b57d0; } code { font-size: .9em; }
.state { display: inline-block; padding: 0 .45rem; border-radius: .25rem; font-weight: 600; border: 1px solid; }
.ok { color: #0a5c1f; background: #e6f4ea; } .warn { color: #6b4400; background: #fff4d6; } .bad { color: #8c1111; background: #fde7e7; } .off { color: #333; background: #eee; }
#live { color: #444; font-size: .9rem; }
@media (max-width: 40rem) { thead { display: none; } tr { display: block; border-bottom: 1px solid #ccc; padding: .35rem 0; } th, td { display: block; border: 0; padding: .1rem 0; } tbody th, tbody td:nth-child(3) { white-space: normal; overflow-wrap: anywhere; min-width: 0; } }
</style></head><body>
${body}
</body></html>
`;
}

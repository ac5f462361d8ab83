/**
 * Fault injection for the crash tests (issue 9): `FLOWC_FAULT=<point>[:<n>]` makes the process die
 * abruptly — SIGKILL to itself, exactly what `kill -9` does: no finally blocks, no exit handlers, no
 * flushing — the n-th time (default 1st) the named point is reached. Read once at start-up: when
 * unset, `fault()` is one comparison with a constant.
 */

/** The named points, in the order a pass reaches them (docs/hardening.md). */
export const FAULT_POINTS = ['after-render', 'after-write', 'after-commit', 'after-tag', 'before-push', 'during-push', 'during-reload'] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

function parse(spec: string | undefined): { point: FaultPoint; n: number } | undefined {
  if (!spec) return undefined;
  const [point, n = '1'] = spec.split(':');
  if (!(FAULT_POINTS as readonly string[]).includes(point ?? '') || !/^[1-9]\d*$/.test(n)) {
    // A typo must not make a crash test pass by never crashing.
    throw new Error(`FLOWC_FAULT=${spec}: expected <point>[:<n>], point one of ${FAULT_POINTS.join(', ')}`);
  }
  return { point: point as FaultPoint, n: Number(n) };
}

const armed = parse(process.env.FLOWC_FAULT);
let hits = 0;

/** True when `point` is the armed one (lets a caller start work that the kill then interrupts). */
export const faultArmed = (point: FaultPoint): boolean => armed?.point === point;

/** Dies here, as kill -9 would, on the n-th arrival at the armed point. */
export function fault(point: FaultPoint): void {
  if (armed === undefined || armed.point !== point) return;
  if (++hits < armed.n) return;
  process.kill(process.pid, 'SIGKILL');
  // The signal is on its way; let nothing else run in the meantime.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
}

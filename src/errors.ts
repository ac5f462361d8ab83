/**
 * The one error type that reaches users. It says what went wrong, where (file, node id, field)
 * and what to do. Whether a failure is worth retrying is decided here, where the error is made,
 * never by matching message text later.
 */
export type ErrorKind = 'flow' | 'config' | 'git' | 'reload' | 'usage' | 'io' | 'lock' | 'secret';

export interface Where {
  file?: string;
  nodeId?: string;
  nodeType?: string;
  field?: string;
}

export interface FlowcErrorOptions {
  where?: Where;
  /** What the user should do about it. */
  hint?: string;
  /** Transient failures (network, git remote, lock held) are retried with backoff; terminal ones wait for a change. */
  transient?: boolean;
  cause?: unknown;
}

export class FlowcError extends Error {
  readonly kind: ErrorKind;
  readonly where: Where;
  readonly hint: string | undefined;
  readonly transient: boolean;

  constructor(kind: ErrorKind, message: string, options: FlowcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FlowcError';
    this.kind = kind;
    this.where = options.where ?? {};
    this.hint = options.hint;
    this.transient = options.transient ?? false;
  }

  /** One line: `file: node X (Type), field f: message — hint`. */
  describe(): string {
    const parts: string[] = [];
    const { file, nodeId, nodeType, field } = this.where;
    if (nodeId !== undefined) parts.push(`node ${nodeId}${nodeType ? ` (${nodeType})` : ''}`);
    if (field !== undefined) parts.push(`field ${field}`);
    const location = [file, parts.join(', ')].filter((s) => s).join(': ');
    const hint = this.hint ? ` — ${this.hint}` : '';
    return `${location ? `${location}: ` : ''}${this.message}${hint}`;
  }

  toJSON(): Record<string, unknown> {
    return { kind: this.kind, message: this.message, where: this.where, hint: this.hint, transient: this.transient };
  }
}

/** Several problems found in one input (a flow, a config): reported together so the user fixes them in one go. */
export class FlowcErrors extends FlowcError {
  readonly errors: FlowcError[];

  constructor(errors: FlowcError[], summary?: string) {
    const first = errors[0];
    super(first?.kind ?? 'flow', summary ?? `${errors.length} problem(s)`, { where: first?.where ?? {} });
    this.errors = errors;
  }

  override describe(): string {
    return [this.message, ...this.errors.map((e) => `  - ${e.describe()}`)].join('\n');
  }
}

export const isFlowcError = (e: unknown): e is FlowcError => e instanceof FlowcError;

/**
 * The compiler's contract with the rest of flowc. `compileFlow` (codegen/compile.ts) is pure:
 * bytes of one flow file in, files to write out (with headers), or a FlowcError that names the
 * file, node and field. Reconcile, the CLI and tests depend on these types only.
 */
export interface GeneratedFile {
  /** Repo-relative POSIX path, e.g. `app/flows/acme/flow_3f2a.py`. */
  path: string;
  /** Full text including the DESIGN §5 header. */
  content: string;
}

export interface CompileOptions {
  /** Repo-relative path of the flow file, e.g. `flows/3f2a.json` (used in the header and in errors). */
  file: string;
  /** Tenant slug: output goes under `<outputDir>/<slug>/`. */
  slug: string;
  /** Output root for flow modules; default `app/flows`. */
  outputDir?: string;
  /** Root for generated smoke tests; default `tests/smoke`. */
  testsDir?: string;
  /** Literal secret values in password fields: refuse (default) or scrub to an env reference. */
  secrets?: 'refuse' | 'scrub';
  /** Custom components (code written or edited in LangFlow): run from their source (default) or refused. */
  customComponents?: 'allow' | 'refuse';
}

export interface CompileResult {
  /** Flow id = the file stem (`flows/<id>.json`). */
  flowId: string;
  /** Python-safe module suffix derived from the id (`flow_<moduleId>.py`). */
  moduleId: string;
  name: string;
  /** URL path segment LangServe mounts the flow at (`endpoint_name`, else the id). */
  endpoint: string;
  /** sha256 of normalised flow + generator digest + output-affecting options. */
  inputSha256: string;
  /** sha256 of the raw source bytes. */
  sourceSha256: string;
  files: GeneratedFile[];
  /** Non-fatal notes (e.g. model chosen at run time), each naming node and field. */
  warnings: string[];
}

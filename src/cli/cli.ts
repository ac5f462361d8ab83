/**
 * The command table: argv → options → a lazily loaded command module. Each command module exports
 * `run(options): Promise<number>` (the exit code) and holds no argv parsing of its own; loading
 * lazily keeps `flowc reconcile --check` (a pre-commit hook) from paying for modules it never uses.
 */
import { Argument, Command } from 'commander';

export interface Runnable {
  run(argv: string[]): Promise<number>;
}

type Loader = () => Promise<{ run(options: any): Promise<number> }>;

export const commands: Record<string, Loader> = {
  compile: () => import('./commands/compile.js'),
  graph: () => import('./commands/graph.js'),
  reconcile: () => import('./commands/reconcile.js'),
  status: () => import('./commands/status.js'),
  suspend: () => import('./commands/suspend.js'),
  resume: () => import('./commands/suspend.js').then((m) => ({ run: (o: object) => m.run({ ...o, resume: true } as Parameters<typeof m.run>[0]) })),
  audit: () => import('./commands/audit.js'),
  init: () => import('./commands/init.js'),
  hooks: () => import('./commands/hooks.js'),
};

export function buildProgram(): Runnable {
  let result: Promise<number> = Promise.resolve(0);
  const program = new Command('flowc')
    .description('Compile LangFlow exports into LangServe Python and keep a tenant repo converged.')
    .option('-C, --repo <dir>', 'tenant repo root', process.cwd())
    .option('--log-level <level>', 'trace|debug|info|warn|error|silent', process.env.FLOWC_LOG_LEVEL ?? 'info')
    .exitOverride()
    .showHelpAfterError();

  const dispatch = (name: string) => (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const positional = cmd.processedArgs;
    const options = { ...program.opts(), ...cmd.opts(), args: positional };
    // --log-level (default FLOWC_LOG_LEVEL) applies before the command logs anything.
    result = import('../log.js')
      .then((l) => l.setLogLevel(String(program.opts().logLevel)))
      .then(() => commands[name]!())
      .then((m) => m.run(options));
  };

  program
    .command('compile')
    .description('compile one flow file into Python (no git); prints what it wrote')
    .argument('<flow>', 'path to a LangFlow export JSON')
    .option('-o, --out <dir>', 'output directory', '.')
    .option('--slug <slug>', 'tenant slug', 'default')
    .option('--secrets <mode>', 'literal secrets in password fields: refuse|scrub', 'refuse')
    .option('--json', 'machine-readable output')
    .action(dispatch('compile'));

  program
    .command('graph')
    .description("print a flow's diagram: Markdown with a Mermaid flowchart of its components and edges")
    .argument('<flow>', 'path to a LangFlow export JSON')
    .action(dispatch('graph'));

  program
    .command('reconcile')
    .description('converge generated Python with flows/ (runs until stopped unless --once)')
    .option('--once', 'one pass, then exit (0 converged, 1 failed)')
    .option('--check', 'change nothing; exit 0 in sync, 1 drift, 2 error')
    .option('--dry-run', 'print the plan, change nothing')
    .option('--json', 'machine-readable output')
    .option('--allow-empty', 'allow pruning every output when flows/ is empty')
    .option('--listen <addr>', 'webhook/status listener host:port (watch mode; default: FLOWC_LISTEN, else webhook.listen of flowc.yaml, 127.0.0.1:8081)', process.env.FLOWC_LISTEN)
    .option('--no-listen', 'do not start the HTTP listener')
    .action(dispatch('reconcile'));

  program
    .command('status')
    .description('per flow: Synced / OutOfSync / Failed / Suspended, with reason and last build')
    .option('--json', 'machine-readable output')
    .action(dispatch('status'));

  program
    .command('suspend')
    .description('suspend flows (none named: the whole tenant) in flowc.yaml: neither built nor pruned')
    .argument('[flows...]', 'flow ids (file names in flows/ without .json)')
    .action(dispatch('suspend'));

  program
    .command('resume')
    .description('resume suspended flows (none named: the whole tenant)')
    .argument('[flows...]', 'flow ids')
    .action(dispatch('resume'));

  program
    .command('audit')
    .description('builds recorded in tags: tag, commit, time, flows and hashes')
    .argument('[flow]', 'only builds touching this flow id')
    .option('--json', 'machine-readable output')
    .action(dispatch('audit'));

  program
    .command('init')
    .description('make a tenant repo ready to reconcile')
    .requiredOption('--slug <slug>', 'tenant slug (lowercase letters, digits, dashes)')
    .option('--dir <dir>', 'where to create the repo (default: the current directory)')
    .option('--remote <url>', 'git remote to set as origin')
    .option('--stack-port <port>', 'the tenant stack port (41<idx>)')
    .option('--no-hooks', 'do not install git hooks')
    .action(dispatch('init'));

  program
    .command('hooks')
    .description('install or uninstall the git hooks of a tenant repo')
    .addArgument(new Argument('<action>', 'install|uninstall').choices(['install', 'uninstall']))
    .action(dispatch('hooks'));

  return {
    async run(argv: string[]): Promise<number> {
      await program.parseAsync(argv, { from: 'user' });
      return result;
    },
  };
}

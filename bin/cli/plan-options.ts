import { parseArgs } from 'util';
import { InputError } from './input-error';
import { DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT_MS } from './plan';
import { Format, FORMATS } from './plan-format';

export const DEFAULT_ASSEMBLY = 'cdk.out';
export const DEFAULT_LOCAL_STATE = '.local-deploy';
const MAX_CONCURRENCY = 100;

export const USAGE = `Usage: connection-preferences plan [options]

Shows what a deploy would change in the live connection preferences of every ConnectionPreferences
in a synthesized app, and what was changed outside the stacks since their last deploy.

The app:
  --assembly DIR       the synthesized cloud assembly (default: ${DEFAULT_ASSEMBLY})
  --app COMMAND        synthesize this CDK app first, with the project's CDK CLI

The live state (default: AWS, with the SDK's standard credential chain):
  --profile NAME       the AWS profile to read with
  --endpoint URL       an emulator at URL ('npm run emulator') instead of AWS
  --local [DIR]        the state that 'npm run deploy:local' keeps in DIR (default: ${DEFAULT_LOCAL_STATE});
                       --state-dir DIR is the same as --local DIR

The output:
  --format FORMAT      text (default), markdown (a pull-request comment) or json (schemaVersion 1)
  --json               the same as --format json

The limits:
  --timeout SECONDS    how long the whole plan may take, synth included (default: ${DEFAULT_TIMEOUT_MS / 1000});
                       each call to AWS gets at most a third of it, and 30 s
  --concurrency N      how many resources are read at once (default: ${DEFAULT_CONCURRENCY}, at most ${MAX_CONCURRENCY})

  --help               this text

Exit codes: 0 nothing to change; 2 something to review (a change, or a change made outside a stack);
1 an error.`;

export interface CommandOptions {
  readonly assembly?: string;
  readonly app?: string;
  readonly profile?: string;
  readonly endpoint?: string;
  /** The local deploy's state folder, with --local. */
  readonly local?: string;
  readonly format: Format;
  readonly timeoutMs: number;
  readonly concurrency: number;
}

/** Every command: `plan` here, `check` and `change` in ./local-options.ts. */
export const COMMANDS = ['plan', 'check', 'change'];

/** The options of `connection-preferences plan`, or 'help'; throws an InputError naming what is wrong. */
export function parseCommand(argv: string[]): CommandOptions | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  const { values, positionals } = parseArguments(argv, {
    'assembly': { type: 'string' },
    'app': { type: 'string' },
    'profile': { type: 'string' },
    'endpoint': { type: 'string' },
    'format': { type: 'string' },
    'json': { type: 'boolean' },
    'timeout': { type: 'string' },
    'concurrency': { type: 'string' },
  });
  const [command, ...extra] = positionals;
  if (command === undefined) throw new InputError('no command given: run connection-preferences plan (or --help)');
  if (command !== 'plan') throw new InputError(`unknown command '${command}': the commands are ${COMMANDS.join(', ')} (connection-preferences --help)`);
  if (extra.length > 0) throw new InputError(`unexpected argument '${extra[0]}': options start with -- (connection-preferences --help)`);

  const string = (name: string) => values[name] as string | undefined;
  const local = localDirectory(values['local-dir'] as unknown as string[] | undefined, string('state-dir'));
  if (string('app') !== undefined && string('assembly') !== undefined) throw new InputError('--app and --assembly both say where the app is: pass one');
  if (local !== undefined && string('endpoint') !== undefined) throw new InputError('--local and --endpoint both say where the live state is: pass one');
  if (string('profile') !== undefined && (local !== undefined || string('endpoint') !== undefined)) {
    throw new InputError('--profile is for AWS; the emulator of --local and --endpoint knows accounts by its own credentials: drop --profile');
  }
  return {
    assembly: string('assembly'),
    app: string('app'),
    profile: string('profile'),
    endpoint: string('endpoint'),
    local,
    format: formatOf(string('format'), values.json === true),
    timeoutMs: timeoutOf(string('timeout')),
    concurrency: concurrencyOf(string('concurrency')),
  };
}

/**
 * The arguments of a command, with its own options besides `--local [DIR]` and `--state-dir DIR`, which every
 * command has; throws an InputError naming the option that is wrong.
 */
export function parseArguments(argv: string[], options: Record<string, { type: 'string' | 'boolean' }>): { values: Record<string, any>; positionals: string[] } {
  try {
    return parseArgs({
      args: withLocalDirectory(argv),
      allowPositionals: true,
      options: { ...options, 'local-dir': { type: 'string', multiple: true }, 'state-dir': { type: 'string' } },
    });
  } catch (e) {
    throw new InputError(`${argumentProblem(e as Error)}: run connection-preferences --help for the options`);
  }
}

/**
 * `--local` takes an optional folder, which parseArgs cannot express: `--local DIR` and `--local=DIR` become
 * `--local-dir DIR`, and `--local` alone `--local-dir` with the default. A word after `--local` is its folder unless
 * it is the command, not yet given.
 */
function withLocalDirectory(argv: string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--local=')) {
      args.push('--local-dir', arg.slice('--local='.length));
    } else if (arg === '--local') {
      const next = argv[i + 1];
      const isFolder = next !== undefined && !next.startsWith('-') && !(COMMANDS.includes(next) && !argv.slice(0, i).some((a) => COMMANDS.includes(a)));
      args.push('--local-dir', isFolder ? next : DEFAULT_LOCAL_STATE);
      if (isFolder) i++;
    } else {
      args.push(arg);
    }
  }
  return args;
}

export function localDirectory(locals: string[] | undefined, stateDir: string | undefined): string | undefined {
  const folders = new Set([...(locals ?? []).filter((dir) => !(stateDir !== undefined && dir === DEFAULT_LOCAL_STATE)), ...(stateDir === undefined ? [] : [stateDir])]);
  if (folders.size > 1) throw new InputError(`--local and --state-dir name different folders (${[...folders].join(', ')}): pass one`);
  return [...folders][0];
}

/** parseArgs's messages, in one line that names the option. */
function argumentProblem(e: Error): string {
  const option = /'(-[^' ]+)/.exec(e.message)?.[1] ?? '';
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': return `unknown option ${option.replace('--local-dir', '--local')}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': return /argument missing|ambiguous/.test(e.message)
      ? `${option} needs a value` : `${option} takes no value`;
    default: return e.message.split('\n')[0];
  }
}

function formatOf(format: string | undefined, json: boolean): Format {
  if (format !== undefined && !(FORMATS as readonly string[]).includes(format)) throw new InputError(`--format is '${format}': use ${FORMATS.join(', ')}`);
  if (json && format !== undefined && format !== 'json') throw new InputError(`--json and --format ${format} ask for different formats: pass one`);
  return json ? 'json' : (format as Format | undefined) ?? 'text';
}

function timeoutOf(timeout: string | undefined): number {
  if (timeout === undefined) return DEFAULT_TIMEOUT_MS;
  const seconds = Number(timeout);
  if (!(seconds > 0 && Number.isFinite(seconds))) throw new InputError(`--timeout is '${timeout}': give a number of seconds above 0, such as 180`);
  return seconds * 1000;
}

function concurrencyOf(concurrency: string | undefined): number {
  if (concurrency === undefined) return DEFAULT_CONCURRENCY;
  const n = Number(concurrency);
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_CONCURRENCY)) {
    throw new InputError(`--concurrency is '${concurrency}': give a whole number from 1 to ${MAX_CONCURRENCY}`);
  }
  return n;
}

import { ACCESS_TYPES, CATALOGS, preferenceProblems } from '../../lib/preference-rules';
import { InputError } from './input-error';
import { DEFAULT_LOCAL_STATE, localDirectory, parseArguments } from './plan-options';

export const LOCAL_USAGE = `Usage: connection-preferences check --local [DIR] [--stack NAME]
       connection-preferences change --local [DIR] --access-type TYPE [--exclude ID,ID] [--catalog CATALOG] [--account ID]

On the state that 'npm run deploy:local' keeps in DIR (default: ${DEFAULT_LOCAL_STATE}):

  check    runs each deployed ConnectionPreferencesMonitor once, as its schedule would on AWS, and shows the
           metrics, events and log lines it produced. Exit codes: 0 in sync; 2 drift found; 1 a check failed.
  change   changes the emulated preferences out of band, through the API as the console would, for check to find.
             --access-type TYPE  ${ACCESS_TYPES.join(', ')}
             --exclude ID,ID     the participants to exclude (with ALLOW_BY_DEFAULT_DENY_SOME)
             --catalog CATALOG   ${CATALOGS.join(' or ')} (default: AWS)
             --account ID        the 12-digit account (default: the account of the only deployed stack)`;

export interface CheckOptions {
  readonly command: 'check';
  readonly local: string;
  readonly stack?: string;
}

export interface ChangeOptions {
  readonly command: 'change';
  readonly local: string;
  readonly accessType: string;
  readonly excludedParticipantIds: string[];
  readonly catalog: string;
  readonly account?: string;
}

/** The options of `check` or `change`; throws an InputError naming what is wrong. */
export function parseLocalCommand(argv: string[]): CheckOptions | ChangeOptions {
  const { values, positionals } = parseArguments(argv, {
    'stack': { type: 'string' },
    'access-type': { type: 'string' },
    'exclude': { type: 'string' },
    'catalog': { type: 'string' },
    'account': { type: 'string' },
  });
  const [command, ...extra] = positionals as ['check' | 'change', ...string[]];
  if (extra.length > 0) throw new InputError(`unexpected argument '${extra[0]}': options start with -- (connection-preferences --help)`);
  const local = localDirectory(values['local-dir'], values['state-dir']);
  if (local === undefined) {
    throw new InputError(command === 'check'
      ? 'check runs the monitor of a local deploy: pass --local [DIR]. On AWS the monitor runs on its schedule; invoke its function to check now'
      : 'change writes only to the local deploy\'s emulator: pass --local [DIR]. On AWS, change preferences in the Partner Central console');
  }
  const only = (names: string[]) => {
    const wrong = Object.keys(values).find((name) => values[name] !== undefined && !['local-dir', 'state-dir', ...names].includes(name));
    if (wrong) throw new InputError(`--${wrong} is not an option of ${command} (connection-preferences --help)`);
  };
  if (command === 'check') {
    only(['stack']);
    return { command, local, stack: values.stack };
  }
  only(['access-type', 'exclude', 'catalog', 'account']);
  const accessType = values['access-type'];
  if (accessType === undefined) throw new InputError(`change needs --access-type: one of ${ACCESS_TYPES.join(', ')}`);
  const excludedParticipantIds = values.exclude === undefined ? [] : String(values.exclude).split(',').filter(Boolean);
  const catalog = values.catalog ?? 'AWS';
  const problems = preferenceProblems({ catalog, accessType, excludedParticipantIdentifiers: excludedParticipantIds });
  if (problems.length > 0) throw new InputError(`change: ${problems.join('; ').replace(/excludedParticipantIdentifiers/g, '--exclude').replace(/accessType/g, '--access-type').replace(/catalog/g, '--catalog')}`);
  if (values.account !== undefined && !/^\d{12}$/.test(values.account)) throw new InputError(`--account is '${values.account}': give a 12-digit account id`);
  return { command, local, accessType, excludedParticipantIds, catalog, account: values.account };
}

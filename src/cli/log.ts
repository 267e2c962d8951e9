/** `rampart log`: query a SecurityLog from the terminal (list, tail, stats, cleanup, export). */
import type { SecurityLogRow } from '../log/index.ts';
import { choiceFlag, intFlag, parse, splitSubcommand, stringFlag, UsageError } from './args.ts';
import { checkEventFilter, ipFlag, EVENT_NAME, formatLine, formatTable, LOG_FLAGS, LOG_FORMATS, LOG_HELP, withLog } from './log-shared.ts';

export { formatTable, LOG_HELP } from './log-shared.ts';

async function listCommand(argv: readonly string[]): Promise<number> {
  const { values } = parse('log', argv, {
    ...LOG_FLAGS,
    event: { type: 'string' },
    ip: { type: 'string' },
    user: { type: 'string' },
    'since-hours': { type: 'string' },
    limit: { type: 'string' },
    format: { type: 'string' },
  });
  if (values.help === true) {
    process.stdout.write(LOG_HELP);
    return 0;
  }
  const event = stringFlag(values, 'event');
  if (event !== undefined && !EVENT_NAME.test(event))
    throw new UsageError(`rampart log: --event must be an event name like LOGIN_FAILED (got ${JSON.stringify(event)}).`);
  const ip = ipFlag(values, 'rampart log');
  const user = stringFlag(values, 'user');
  const limit = intFlag('log', values, 'limit', 1, 10_000, 50);
  const sinceHoursRaw = stringFlag(values, 'since-hours');
  const sinceHours = sinceHoursRaw === undefined ? undefined : intFlag('log', values, 'since-hours', 1, 24 * 365 * 100, 24);
  const format = choiceFlag('log', values, 'format', LOG_FORMATS, 'table');
  return withLog('log', values, async (db) => {
    await checkEventFilter('log', db.log, event);
    // The log API filters by one column; further filters apply here, over a larger page.
    const filters = [user, ip, event].filter((f) => f !== undefined).length;
    const fetchLimit = filters > 1 || (sinceHours !== undefined && user === undefined && ip === undefined && event === undefined) ? 10_000 : limit;
    const window = sinceHours === undefined ? {} : { sinceHours };
    let rows: SecurityLogRow[];
    let primary: 'user' | 'ip' | 'event' | 'recent';
    const read = db.readOptions;
    if (user !== undefined) [primary, rows] = ['user', await db.log.getForUser(user, { limit: fetchLimit, ...window, ...read })];
    else if (ip !== undefined) [primary, rows] = ['ip', await db.log.getForIp(ip, { limit: fetchLimit, ...window, ...read })];
    else if (event !== undefined) [primary, rows] = ['event', await db.log.getByEvent(event, { limit: fetchLimit, sinceHours: sinceHours ?? 24, ...read })];
    else [primary, rows] = ['recent', await db.log.getRecent({ limit: fetchLimit, ...read })];
    const since = sinceHours === undefined ? undefined : Date.now() - sinceHours * 3_600_000;
    rows = rows
      .filter((r) => (event === undefined || primary === 'event' || r.event === event) && (ip === undefined || primary === 'ip' || r.ipAddress === ip))
      .filter((r) => since === undefined || r.timestamp.getTime() >= since)
      .slice(0, limit);
    if (format === 'table') process.stdout.write(formatTable(rows));
    else process.stdout.write(rows.map((r) => formatLine(r, format)).join(''));
    return 0;
  });
}

/** Entry of `rampart log`; returns the exit code. */
export async function logCommand(argv: readonly string[]): Promise<number> {
  // --database/-d and --table may come before the subcommand (`rampart log -d ./data list`).
  const { sub, rest } = splitSubcommand(argv, LOG_FLAGS);
  switch (sub) {
    case 'list':
      return listCommand(rest);
    case 'tail':
      return (await import('./log-tail.ts')).tailCommand(rest);
    case 'stats':
      return (await import('./log-admin.ts')).statsCommand(rest);
    case 'cleanup':
      return (await import('./log-admin.ts')).cleanupCommand(rest);
    case 'export':
      return (await import('./log-admin.ts')).exportCommand(rest);
    default:
      if (sub !== undefined)
        throw new UsageError(
          `rampart log: unknown subcommand ${JSON.stringify(sub)}; use list (default), tail, stats, cleanup or export. See rampart log --help.`,
        );
      return listCommand(argv);
  }
}

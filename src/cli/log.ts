/** `rampart log`: query a SecurityLog from the terminal. */
import { rampartVersion } from '../core/package-info.ts';
import { formatRow, type ExportFormat } from '../log/export.ts';
import type { SecurityLogRow } from '../log/index.ts';
import { choiceFlag, intFlag, parse, stringFlag, UsageError } from './args.ts';
import { DEFAULT_DATABASE, openLog } from './database.ts';
import { inertText } from '../output/index.ts';

export const LOG_HELP = `Usage: rampart log [--database DIR|postgres://…] [--event NAME] [--ip IP] [--user ID]
                   [--since-hours N] [--limit N] [--format table|jsonl|cef|syslog] [--table NAME]

Print security events, newest first.

  --database     PGlite directory or postgres:// URL (default ${DEFAULT_DATABASE}, the demo's);
                 stop the app first when it is an embedded PGlite directory
  --event NAME   only this event type (e.g. LOGIN_FAILED)
  --ip IP        only events from this address
  --user ID      only events of this user id
  --since-hours  only events of the last N hours (default: all; 24 with --event)
  --limit N      at most N rows (1–10000, default 50)
  --format       table (default), jsonl, cef (ArcSight) or syslog (RFC 5424)
  --table NAME   table name (default rampart_security_log)
`;

const FORMATS = ['table', 'jsonl', 'cef', 'syslog'] as const;
const EVENT = /^[A-Z0-9_]{1,50}$/;

function cell(value: string | null, width: number): string {
  const text = inertText(value ?? '-');
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** Rows as an aligned table, one line per event: every field is inert (escaped controls, bidi and line separators). */
export function formatTable(rows: readonly SecurityLogRow[]): string {
  const lines = [`${'time (UTC)'.padEnd(24)}  ${'event'.padEnd(24)}  ${'ip'.padEnd(39)}  ${'user'.padEnd(12)}  ${'path'.padEnd(24)}  detail`];
  for (const r of rows) {
    lines.push(
      `${r.timestamp.toISOString().padEnd(24)}  ${cell(r.event, 24)}  ${cell(r.ipAddress, 39)}  ${cell(r.userId, 12)}  ${cell(r.path, 24)}  ${cell(r.detail, 80).trimEnd()}`,
    );
  }
  lines.push(`${rows.length} event(s).`);
  return `${lines.join('\n')}\n`;
}

/** Entry of `rampart log`; returns the exit code. */
export async function logCommand(argv: readonly string[]): Promise<number> {
  const { values } = parse('log', argv, {
    database: { type: 'string', short: 'd' },
    event: { type: 'string' },
    ip: { type: 'string' },
    user: { type: 'string' },
    'since-hours': { type: 'string' },
    limit: { type: 'string' },
    format: { type: 'string' },
    table: { type: 'string' },
  });
  if (values.help === true) {
    process.stdout.write(LOG_HELP);
    return 0;
  }
  const event = stringFlag(values, 'event');
  if (event !== undefined && !EVENT.test(event))
    throw new UsageError(`rampart log: --event must be an event name like LOGIN_FAILED (got ${JSON.stringify(event)}).`);
  const ip = stringFlag(values, 'ip');
  const user = stringFlag(values, 'user');
  const limit = intFlag('log', values, 'limit', 1, 10_000, 50);
  const sinceHoursRaw = stringFlag(values, 'since-hours');
  const sinceHours = sinceHoursRaw === undefined ? undefined : intFlag('log', values, 'since-hours', 1, 24 * 365 * 100, 24);
  const format = choiceFlag('log', values, 'format', FORMATS, 'table');
  const db = await openLog('log', stringFlag(values, 'database') ?? DEFAULT_DATABASE, stringFlag(values, 'table'));
  try {
    // The log API filters by one column; further filters apply here, over a larger page.
    const filters = [user, ip, event].filter((f) => f !== undefined).length;
    const fetchLimit = filters > 1 || (sinceHours !== undefined && user === undefined && ip === undefined && event === undefined) ? 10_000 : limit;
    const window = sinceHours === undefined ? {} : { sinceHours };
    let rows: SecurityLogRow[];
    let primary: 'user' | 'ip' | 'event' | 'recent';
    if (user !== undefined) [primary, rows] = ['user', await db.log.getForUser(user, { limit: fetchLimit, ...window })];
    else if (ip !== undefined) [primary, rows] = ['ip', await db.log.getForIp(ip, { limit: fetchLimit, ...window })];
    else if (event !== undefined) [primary, rows] = ['event', await db.log.getByEvent(event, { limit: fetchLimit, sinceHours: sinceHours ?? 24 })];
    else [primary, rows] = ['recent', await db.log.getRecent({ limit: fetchLimit })];
    const since = sinceHours === undefined ? undefined : Date.now() - sinceHours * 3_600_000;
    rows = rows
      .filter((r) => (event === undefined || primary === 'event' || r.event === event) && (ip === undefined || primary === 'ip' || r.ipAddress === ip))
      .filter((r) => since === undefined || r.timestamp.getTime() >= since)
      .slice(0, limit);
    if (format === 'table') process.stdout.write(formatTable(rows));
    else {
      const v = rampartVersion();
      process.stdout.write(rows.map((r) => `${formatRow(r, format as ExportFormat, v)}\n`).join(''));
    }
    return 0;
  } finally {
    await db.close();
  }
}

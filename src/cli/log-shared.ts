/** What the `rampart log` subcommands share: flags, formats, the --event check, opening the log. */
import { rampartVersion } from '../core/package-info.ts';
import { formatRow, type ExportFormat } from '../log/export.ts';
import { isRegisteredEvent, registeredEvents } from '../log/events.ts';
import { normalizeIp } from '../log/fields.ts';
import type { SecurityLogRow } from '../log/index.ts';
import type { LogReader } from '../log/reader.ts';
import { requireSecret } from '../crypto/secret.ts';
import { isRampartError } from '../errors.ts';
import { stringFlag, UsageError, type FlagSpec, type Parsed } from './args.ts';
import { DEFAULT_DATABASE, openLog, type OpenLog } from './database.ts';
import { inertText } from '../output/index.ts';

export const LOG_HELP = `Usage: rampart log [list] [--database DIR|postgres://…] [--event NAME] [--ip IP] [--user ID]
                   [--since-hours N] [--limit N] [--format table|jsonl|cef|syslog] [--table NAME]
       rampart log tail [--follow] [--lines N] [--interval MS] [--event NAME] [--ip IP] [--format …]
       rampart log stats [--json]
       rampart log cleanup --days N
       rampart log export [--format jsonl|cef|syslog] [--since-hours N] [--quiet]

  list (default)  print security events, newest first
  tail            print the newest events oldest first; --follow keeps printing new ones
                  until Ctrl-C (polls every --interval ms, default 1000)
  stats           totals, events per type, the top IPs of the last 24 h
  cleanup         delete events older than --days N (needs a role that may DELETE)
  export          every event (oldest first) for a SIEM on stdout; progress on stderr

  --database     PGlite directory or postgres:// URL (default ${DEFAULT_DATABASE}, the demo's).
                 An embedded PGlite admits one process: while the app runs, read it through
                 the app's dashboard or keep the log on PostgreSQL
  --event NAME   only this event type (a registered name or one present in the log)
  --ip IP        only events from this address
  --user ID      only events of this user id
  --since-hours  only events of the last N hours (default: all; 24 with --event)
  --limit N      at most N rows (1–10000, default 50)
  --format       table (default), jsonl, cef (ArcSight) or syslog (RFC 5424)
  --table NAME   table name (default rampart_security_log)
  --chain-key-env NAME  the environment variable holding the log's chainKey (a chain: true
                 log): list, tail and export check each row's MAC and leave out rows that do
                 not verify (inserted or edited through SQL), counted in a warning on stderr
  --include-tampered    with --chain-key-env: show those rows, marked TAMPERED (integrity
                 "tampered" in jsonl, cef and syslog)

Reading never creates or alters anything: a PostgreSQL role with SELECT only is enough.
`;

/** Output formats of the log commands. */
export const LOG_FORMATS = ['table', 'jsonl', 'cef', 'syslog'] as const;
/** One of {@link LOG_FORMATS}. */
export type LogFormat = (typeof LOG_FORMATS)[number];
/** The shape of an event name. */
export const EVENT_NAME = /^[A-Z0-9_]{1,50}$/;
/** Flags every log subcommand takes. */
export const LOG_FLAGS: FlagSpec = {
  database: { type: 'string', short: 'd' },
  table: { type: 'string' },
  'chain-key-env': { type: 'string' },
  'include-tampered': { type: 'boolean' },
};

function cell(value: string | null, width: number): string {
  const text = inertText(value ?? '-');
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** The header line of the table format. */
/**
 * The `--ip` flag as the log stores addresses (one spelling per IPv6 address). Text that is no
 * address could never match (the log keeps only addresses in that column): a usage error.
 */
export function ipFlag(values: Parsed['values'], command: string): string | undefined {
  const ip = stringFlag(values, 'ip');
  if (ip === undefined) return undefined;
  const normal = normalizeIp(ip).ip;
  if (normal === null)
    throw new UsageError(`${command}: --ip must be an IPv4 or IPv6 address such as 203.0.113.7 or 2001:db8::1 (got ${JSON.stringify(ip.slice(0, 100))}).`);
  return normal;
}

export const TABLE_HEADER = `${'time (UTC)'.padEnd(24)}  ${'event'.padEnd(24)}  ${'ip'.padEnd(39)}  ${'user'.padEnd(12)}  ${'path'.padEnd(24)}  detail`;

function tableLine(r: SecurityLogRow): string {
  return `${r.timestamp.toISOString().padEnd(24)}  ${cell(r.integrity === 'tampered' ? `TAMPERED ${r.event}` : r.event, 24)}  ${cell(r.ipAddress, 39)}  ${cell(r.userId, 12)}  ${cell(r.path, 24)}  ${cell(r.detail, 80).trimEnd()}`;
}

/** Rows as an aligned table, one line per event: every field is inert (escaped controls, bidi and line separators). */
export function formatTable(rows: readonly SecurityLogRow[]): string {
  const lines = [TABLE_HEADER, ...rows.map(tableLine), `${rows.length} event(s).`];
  return `${lines.join('\n')}\n`;
}

/** One row in `format` (table rows without header), ending in a newline. */
export function formatLine(row: SecurityLogRow, format: LogFormat): string {
  return format === 'table' ? `${tableLine(row)}\n` : `${formatRow(row, format as ExportFormat, rampartVersion())}\n`;
}

/** Names close to `name` (same first word, or one edit apart at the same length), for a hint. */
function closeNames(name: string): string[] {
  const head = name.split('_')[0];
  const near = (a: string, b: string): boolean => {
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff++;
    return diff <= 2;
  };
  return [...registeredEvents().keys()].filter((k) => k.split('_')[0] === head || near(k, name)).slice(0, 8);
}

/**
 * An `--event` filter must name an event the log can hold: a registered one (built in) or one
 * already present in the table (an app's registerEvent names). Anything else is a typo, and a
 * usage error says so instead of printing "0 events".
 */
export async function checkEventFilter(command: string, reader: LogReader, event: string | undefined): Promise<void> {
  if (event === undefined) return;
  if (!EVENT_NAME.test(event)) throw new UsageError(`rampart ${command}: --event must be an event name like LOGIN_FAILED (got ${JSON.stringify(event)}).`);
  if (isRegisteredEvent(event) || (await reader.hasEvent(event))) return;
  const close = closeNames(event);
  throw new UsageError(
    `rampart ${command}: unknown event ${JSON.stringify(event)}: not a built-in event and not in this log${close.length > 0 ? ` (did you mean ${close.join(', ')}?)` : ''}. rampart log stats lists the events stored.`,
  );
}

/** The chain key named by --chain-key-env (undefined without the flag); a missing or weak key is a usage error. */
function chainKeyFlag(command: string, values: Parsed['values']): Buffer | undefined {
  const name = stringFlag(values, 'chain-key-env');
  if (name === undefined) {
    if (values['include-tampered'] === true)
      throw new UsageError(`rampart ${command}: --include-tampered needs --chain-key-env NAME (rows are checked with the chain key).`);
    return undefined;
  }
  const value = process.env[name];
  if (value === undefined || value === '') throw new UsageError(`rampart ${command}: --chain-key-env ${name}: the environment variable ${name} is not set.`);
  try {
    return requireSecret(value, { name: `the chain key in ${name}`, code: 'ERR_RAMPART_CONFIG' });
  } catch (err) {
    if (isRampartError(err)) throw new UsageError(`rampart ${command}: --chain-key-env: ${err.message}`);
    throw err;
  }
}

/** The commands that print rows (their rows are checked with --chain-key-env). */
const SHOWS_ROWS = new Set(['log', 'log tail', 'log export']);

/**
 * Open the log named by --database/--table, run `fn`, close it. With --chain-key-env, the rows
 * printed have their MAC checked and those left out are counted on stderr; without it, a
 * chained log is read unchecked and stderr says so.
 */
export async function withLog(command: string, values: Parsed['values'], fn: (db: OpenLog) => Promise<number>): Promise<number> {
  const key = chainKeyFlag(command, values);
  const tampered = new Set<number>();
  const check =
    key === undefined
      ? undefined
      : {
          key,
          onTampered: (ids: readonly number[]) => {
            for (const id of ids) tampered.add(id);
          },
        };
  const include = values['include-tampered'] === true;
  const db = await openLog(command, stringFlag(values, 'database') ?? DEFAULT_DATABASE, stringFlag(values, 'table'), check, { includeTampered: include });
  try {
    if (key === undefined && SHOWS_ROWS.has(command) && (await db.log.chained()))
      process.stderr.write(
        `rampart ${command}: warning: this log is chained (chain: true) but rows are shown unchecked; pass --chain-key-env NAME to leave out rows whose MAC does not verify.\n`,
      );
    return await fn(db);
  } finally {
    if (tampered.size > 0)
      process.stderr.write(
        `rampart ${command}: warning: ${tampered.size} row(s) whose MAC does not verify (inserted or edited through SQL without the chain key, or --chain-key-env holds another key) were ${include ? 'shown marked TAMPERED' : 'left out (--include-tampered shows them)'}; run SecurityLog.verify() to find where the chain breaks.\n`,
      );
    await db.close();
  }
}

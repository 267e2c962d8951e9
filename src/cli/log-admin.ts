/** `rampart log stats`, `rampart log cleanup --days N` and `rampart log export`. */
import { rampartVersion } from '../core/package-info.ts';
import { formatRow } from '../log/export.ts';
import type { SecurityLogRow } from '../log/index.ts';
import type { ExportCursor } from '../log/reader.ts';
import { MAX_RETENTION_DAYS } from '../log/retention-days.ts';
import { SecurityLog } from '../log/security-log.ts';
import { inertText } from '../output/index.ts';
import { choiceFlag, intFlag, parse, stringFlag, UsageError } from './args.ts';
import { cliDatabase, DEFAULT_DATABASE } from './database.ts';
import { LOG_FLAGS, LOG_HELP, withLog } from './log-shared.ts';

/** Rows per export page (one query each); progress is reported after each page. */
const EXPORT_PAGE = 5000;

/** Entry of `rampart log stats`. */
export async function statsCommand(argv: readonly string[]): Promise<number> {
  const { values } = parse('log stats', argv, { ...LOG_FLAGS, json: { type: 'boolean' } });
  if (values.help === true) {
    process.stdout.write(LOG_HELP);
    return 0;
  }
  return withLog('log stats', values, async ({ log }) => {
    const s = await log.stats();
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      return 0;
    }
    const lines = [
      `events: ${s.total} (${s.last24h} in the last 24 h)`,
      `oldest: ${s.oldest?.toISOString() ?? '-'}`,
      `newest: ${s.newest?.toISOString() ?? '-'}`,
      '',
      `${'event'.padEnd(32)}  ${'count'.padStart(10)}  last seen (UTC)`,
      ...s.events.map((e) => `${inertText(e.event).padEnd(32)}  ${String(e.count).padStart(10)}  ${e.last.toISOString()}`),
      '',
      `${'top IPs, last 24 h'.padEnd(39)}  ${'count'.padStart(10)}`,
      ...s.topIps.map((t) => `${inertText(t.ip).padEnd(39)}  ${String(t.count).padStart(10)}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  });
}

/** Entry of `rampart log cleanup --days N`: the SecurityLog's own cleanup (whole partitions dropped, the rest deleted). */
export async function cleanupCommand(argv: readonly string[]): Promise<number> {
  const { values } = parse('log cleanup', argv, { ...LOG_FLAGS, days: { type: 'string' } });
  if (values.help === true) {
    process.stdout.write(LOG_HELP);
    return 0;
  }
  if (stringFlag(values, 'days') === undefined)
    throw new UsageError('rampart log cleanup: --days N is required (events older than N days are deleted; the seed keeps 90).');
  const rawDays = stringFlag(values, 'days') ?? '';
  if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i.test(rawDays.trim()))
    throw new UsageError(
      `rampart log cleanup: --days must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}; ${JSON.stringify(rawDays)} is not a number.`,
    );
  if (/^[+-]?(?:0+(?:\.0*)?|\.0+)$/.test(rawDays))
    throw new UsageError(
      'rampart log cleanup: --days 0 would delete every event, even those logged a second ago; give at least 1 (the seed keeps 90). To empty the log on purpose, drop its table.',
    );
  const days = intFlag('log cleanup', values, 'days', 1, MAX_RETENTION_DAYS, 90);
  const database = stringFlag(values, 'database') ?? DEFAULT_DATABASE;
  const table = stringFlag(values, 'table') ?? 'rampart_security_log';
  cliDatabase('log cleanup', database, table);
  const log = new SecurityLog({ database, table, closeTimeoutMs: 0 });
  try {
    const { deletedRows, droppedPartitions } = await log.cleanup({ days });
    const dropped = droppedPartitions.length > 0 ? ` and dropped ${droppedPartitions.length} partition(s): ${droppedPartitions.join(', ')}` : '';
    process.stdout.write(`rampart log cleanup: deleted ${deletedRows} event(s) older than ${days} day(s)${dropped}.\n`);
    return 0;
  } finally {
    await log.close();
  }
}

/** Entry of `rampart log export`: every event since --since-hours (default all), oldest first, on stdout. */
export async function exportCommand(argv: readonly string[]): Promise<number> {
  const { values } = parse('log export', argv, {
    ...LOG_FLAGS,
    format: { type: 'string' },
    'since-hours': { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  });
  if (values.help === true) {
    process.stdout.write(LOG_HELP);
    return 0;
  }
  const format = choiceFlag('log export', values, 'format', ['jsonl', 'cef', 'syslog'] as const, 'jsonl');
  const hours = stringFlag(values, 'since-hours') === undefined ? undefined : intFlag('log export', values, 'since-hours', 1, 24 * 365 * 100, 24);
  const since = hours === undefined ? new Date(0) : new Date(Date.now() - hours * 3_600_000);
  const quiet = values.quiet === true;
  return withLog('log export', values, async ({ log, readOptions }) => {
    const total = await log.count(since);
    const version = rampartVersion();
    let cursor: ExportCursor | undefined = { time: new Date(since.getTime() - 1).toISOString(), id: Number.MAX_SAFE_INTEGER };
    let written = 0;
    for (;;) {
      const { rows, next }: { rows: SecurityLogRow[]; next: ExportCursor | undefined } = await log.page(cursor, EXPORT_PAGE, readOptions);
      if (rows.length > 0) {
        const chunk = rows.map((r) => `${formatRow(r, format, version)}\n`).join('');
        // Respect back pressure: a slow consumer (a pipe to a SIEM shipper) paces the reads.
        if (!process.stdout.write(chunk)) await new Promise((resolve) => process.stdout.once('drain', resolve));
        written += rows.length;
      }
      if (next === undefined || rows.length < EXPORT_PAGE) break;
      cursor = next;
      if (!quiet)
        process.stderr.write(
          `rampart log export: ${written}/${Math.max(total, written)} events (${Math.floor((100 * written) / Math.max(total, written))}%)\n`,
        );
    }
    if (!quiet) process.stderr.write(`rampart log export: exported ${written} events (${format}).\n`);
    return 0;
  });
}

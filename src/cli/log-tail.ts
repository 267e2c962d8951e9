/** `rampart log tail [--follow]`: the newest events, then new ones as they are stored. */
import type { SecurityLogRow } from '../log/index.ts';
import { choiceFlag, intFlag, parse, stringFlag } from './args.ts';
import { checkEventFilter, ipFlag, formatLine, LOG_FLAGS, LOG_FORMATS, LOG_HELP, TABLE_HEADER, withLog } from './log-shared.ts';

/** Rows read per poll while following. */
const PAGE = 1000;

/** Entry of `rampart log tail`; with --follow it resolves (exit 0) once SIGINT/SIGTERM stops it. */
export async function tailCommand(argv: readonly string[]): Promise<number> {
  const { values } = parse('log tail', argv, {
    ...LOG_FLAGS,
    follow: { type: 'boolean', short: 'f' },
    lines: { type: 'string', short: 'n' },
    interval: { type: 'string' },
    event: { type: 'string' },
    ip: { type: 'string' },
    format: { type: 'string' },
  });
  if (values.help === true) {
    process.stdout.write(LOG_HELP);
    return 0;
  }
  const lines = intFlag('log tail', values, 'lines', 0, 10_000, 10);
  const interval = intFlag('log tail', values, 'interval', 50, 3_600_000, 1000);
  const format = choiceFlag('log tail', values, 'format', LOG_FORMATS, 'table');
  const event = stringFlag(values, 'event');
  const ip = ipFlag(values, 'rampart log tail');
  const wanted = (r: SecurityLogRow): boolean => (event === undefined || r.event === event) && (ip === undefined || r.ipAddress === ip);
  return withLog('log tail', values, async ({ log, readOptions: read }) => {
    await checkEventFilter('log tail', log, event);
    const out = (rows: readonly SecurityLogRow[]): void => {
      const text = rows
        .filter(wanted)
        .map((r) => formatLine(r, format))
        .join('');
      if (text !== '') process.stdout.write(text);
    };
    if (format === 'table') process.stdout.write(`${TABLE_HEADER}\n`);
    // The newest `lines` rows that pass the filters, printed oldest first.
    let first: SecurityLogRow[];
    if (event !== undefined) first = await log.getByEvent(event, { limit: Math.max(lines, 1), sinceHours: 24 * 365 * 100, ...read });
    else if (ip !== undefined) first = await log.getForIp(ip, { limit: Math.max(lines, 1), ...read });
    else first = await log.getRecent({ limit: Math.max(lines, 1), ...read });
    out(first.filter(wanted).slice(0, lines).reverse());
    if (values.follow !== true) return 0;

    // Ids grow with every stored row: poll for ids above the highest seen.
    let cursor = await log.newestId();
    process.stderr.write(`rampart log tail: following (every ${interval} ms); Ctrl-C stops\n`);
    let stopped = false;
    let wake: () => void = () => {};
    const stop = (): void => {
      stopped = true;
      wake();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      while (!stopped) {
        const rows = await log.after(cursor, PAGE, read);
        out(rows);
        const last = rows.at(-1);
        if (last !== undefined) cursor = last.id;
        if (rows.length < PAGE && !stopped) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, interval);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      }
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    return 0;
  });
}

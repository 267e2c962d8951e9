import { checkKeys, configError, optionsObject } from '../core/options.ts';
import type { Alert, AlertSink } from './alert.ts';

/** Options of {@link alertLines}. */
export interface AlertLinesOptions {
  /** Destination: anything with `write(line)`. Default `process.stderr`. */
  stream?: { write(line: string): unknown };
}

/**
 * An alert sink writing one JSON object per line (`{"type":"rampart.alert","rule":…}`), for
 * log shippers and SIEMs that read stderr or a file. Paths are JSON-escaped, so a crafted URL
 * cannot forge a line.
 *
 * @example
 * monitor({ sinks: [alertLines({ stream: fs.createWriteStream('alerts.jsonl', { flags: 'a' }) })] })
 */
export function alertLines(options: AlertLinesOptions = {}): AlertSink {
  const o = optionsObject(options, 'alertLines') as AlertLinesOptions;
  checkKeys(o, ['stream'], 'alertLines');
  if (o.stream !== undefined && (o.stream === null || typeof o.stream.write !== 'function'))
    throw configError('alertLines.stream must have a write(line) method (a writable stream), e.g. process.stderr.');
  const stream = o.stream ?? process.stderr;
  return Object.freeze<AlertSink>({
    name: 'lines',
    send(alert: Alert) {
      try {
        stream.write(`${JSON.stringify({ type: 'rampart.alert', ...alert })}\n`);
      } catch {
        // a closed stream loses the line; the ALERT event and other sinks still have it
      }
    },
  });
}

import { configError } from '../../core/options.ts';
import type { EventSink, SecurityEventRecord } from '../../core/types.ts';
import { cutForScan } from '../../core/text-scan.ts';
import { findPii } from './scan.ts';
import { DEFAULT_MAX_LENGTH, type PiiMatch, type RedactPiiOptions } from './types.ts';

/**
 * Replace every {@link findPii} finding with a mask (default `[REDACTED:<type>]`).
 * Usable as a SecurityLog detail filter or before text reaches logs, analytics or an LLM.
 * Text longer than `maxLength` is cut before scanning and ends with
 * `…[N characters not scanned, removed]`: what was not scanned is never returned.
 *
 * @example
 * redactPii('card 4111 1111 1111 1111, mail ann@example.com', { types: ['credit_card'] });
 * // → 'card [REDACTED:credit_card], mail ann@example.com'
 */
export function redactPii(text: string, options: RedactPiiOptions = {}): string {
  if (typeof text !== 'string' || text.length === 0) return typeof text === 'string' ? text : '';
  const { mask, ...find } = options;
  // Never hand back text that was not scanned: past maxLength the rest is removed (with a
  // trailing run that could hold half of a secret) and the cut is marked.
  const scanned = cutForScan(text, find.maxLength ?? DEFAULT_MAX_LENGTH);
  const marker = scanned.length < text.length ? `…[${text.length - scanned.length} characters not scanned, removed]` : '';
  const matches = findPii(scanned, find);
  if (matches.length === 0) return scanned + marker;
  const replace = typeof mask === 'function' ? mask : (m: PiiMatch) => mask ?? `[REDACTED:${m.type}]`;
  let out = '';
  let last = 0;
  for (const m of matches) {
    out += scanned.slice(last, m.start) + replace(m);
    last = m.end;
  }
  return out + scanned.slice(last) + marker;
}

/**
 * Wrap an event sink (a SecurityLog, or any `{ emit(record) }`) so every event's `detail`
 * and `path` have PII redacted before they are stored — the SecurityLog detail filter.
 *
 * @example
 * const shield = stack([inputGuard()], { events: redactingSink(securityLog) });
 */
export function redactingSink(sink: EventSink, options: RedactPiiOptions = {}): EventSink {
  if (sink === null || typeof sink !== 'object' || typeof sink.emit !== 'function')
    throw configError('redactingSink: pass an event sink (an object with emit(record)), e.g. a SecurityLog.');
  return Object.freeze({
    emit(record: SecurityEventRecord): void {
      let out = record;
      try {
        const detail = record.detail === undefined ? undefined : redactPii(record.detail, options);
        const path = record.path === undefined ? undefined : redactPii(record.path, options);
        if (detail !== record.detail || path !== record.path) out = { ...record, detail, path };
      } catch {
        out = { ...record, detail: '[detail withheld: redaction failed]' };
      }
      sink.emit(out);
    },
  });
}

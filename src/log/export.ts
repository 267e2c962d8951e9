import { builtin } from '../core/builtin.ts';
import { inertJson, inertText } from '../output/index.ts';
import { eventDescription } from './events.ts';
import type { SecurityLogRow } from './store.ts';

/** Export formats for SIEMs. */
export type ExportFormat = 'jsonl' | 'cef' | 'syslog';

// Syslog severities (RFC 5424): 4 warning, 5 notice, 6 informational.
const WARNING = new Set([
  'LOGIN_FAILED',
  'PERMISSION_DENIED',
  'CSRF_VIOLATION',
  'RATE_LIMIT_HIT',
  'SESSION_FIXATION_ATTEMPT',
  'SUSPICIOUS_INPUT',
  'PATH_TRAVERSAL_ATTEMPT',
  'INVALID_TOKEN',
  'CSP_VIOLATION',
  'LOG_EVENTS_DROPPED',
]);
const INFO = new Set(['LOGIN_SUCCESS', 'LOGOUT', 'SESSION_CREATED', 'SESSION_DESTROYED', 'SESSION_EXPIRED']);

function syslogSeverity(event: string): number {
  return WARNING.has(event) ? 4 : INFO.has(event) ? 6 : 5;
}

/** CEF severity 0–10. */
function cefSeverity(event: string): number {
  return WARNING.has(event) ? 7 : INFO.has(event) ? 3 : 5;
}

// Stored values are free of C0/C1 controls, but bidi controls, line separators and rows
// written by other tools may still be there: every field is made inert (visible escapes,
// one event per line) before the format's own escaping, so a SIEM shows the escape.

function cefHeader(v: string): string {
  return inertText(v).replace(/[\\|]/g, (c) => `\\${c}`);
}

function cefValue(v: string): string {
  return inertText(v).replace(/[\\=]/g, (c) => `\\${c}`);
}

function sdValue(v: string): string {
  return inertText(v).replace(/[\\"\]]/g, (c) => `\\${c}`);
}

/** One exported line (without the trailing newline); every field is inert (see `inertText`). */
export function formatRow(row: SecurityLogRow, format: ExportFormat, version: string, host = builtin<typeof import('node:os')>('node:os').hostname()): string {
  if (format === 'jsonl') {
    return inertJson(JSON.stringify({ ...row, timestamp: row.timestamp.toISOString() }));
  }
  if (format === 'cef') {
    const ext: string[] = [`rt=${row.timestamp.getTime()}`, `externalId=${row.id}`];
    if (row.ipAddress !== null) ext.push(`src=${cefValue(row.ipAddress)}`);
    if (row.userId !== null) ext.push(`suser=${cefValue(row.userId)}`);
    if (row.path !== null) ext.push(`request=${cefValue(row.path)}`);
    if (row.userAgent !== null) ext.push(`requestClientApplication=${cefValue(row.userAgent)}`);
    if (row.detail !== null) ext.push(`msg=${cefValue(row.detail)}`);
    if (row.integrity !== undefined) ext.push(`cs1Label=integrity cs1=${row.integrity}`);
    const name = eventDescription(row.event) ?? row.event;
    return `CEF:0|rampart|rampart|${cefHeader(version)}|${cefHeader(row.event)}|${cefHeader(name)}|${cefSeverity(row.event)}|${ext.join(' ')}`;
  }
  // RFC 5424, facility authpriv (10).
  const pri = 10 * 8 + syslogSeverity(row.event);
  const params = [`id="${row.id}"`];
  if (row.ipAddress !== null) params.push(`ip="${sdValue(row.ipAddress)}"`);
  if (row.userId !== null) params.push(`user="${sdValue(row.userId)}"`);
  if (row.path !== null) params.push(`path="${sdValue(row.path)}"`);
  if (row.userAgent !== null) params.push(`ua="${sdValue(row.userAgent)}"`);
  if (row.integrity !== undefined) params.push(`integrity="${row.integrity}"`);
  const msg = row.detail === null ? '-' : `\ufeff${inertText(row.detail)}`;
  const safeHost = host.replace(/[^\x21-\x7e]/g, '').slice(0, 255) || '-';
  // MSGID is 1–32 printable US-ASCII characters (RFC 5424): an event name that is not (a row
  // written by another tool) cannot end the line or forge a header; its inert escape is cut.
  const msgid =
    inertText(row.event)
      .replace(/[^\x21-\x7e]/g, '_')
      .slice(0, 32) || '-';
  return `<${pri}>1 ${row.timestamp.toISOString()} ${safeHost} rampart - ${msgid} [rampart@32473 ${params.join(' ')}] ${msg}`;
}

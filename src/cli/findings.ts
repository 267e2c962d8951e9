/** How bad a finding is: `error` fails the command (exit 1), `warning` and `info` do not. */
export type Severity = 'error' | 'warning' | 'info';

/** One rule of a catalogue (`rampart check`, `rampart scan`): its stable id, default severity and what it means. */
export interface RuleInfo {
  id: string;
  severity: Severity;
  title: string;
}

/** One result of `rampart check` or `rampart scan`. */
export interface Finding {
  /** Stable id (`RAMPART-W006`, `RAMPART-S001`): match on it, not on the message. */
  id: string;
  severity: Severity;
  message: string;
  /** How to fix it. */
  hint?: string;
  /** Where (scan only). */
  file?: string;
  line?: number;
  column?: number;
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Sort by severity, then id, then location; stable for equal keys. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => ORDER[a.severity] - ORDER[b.severity] || a.id.localeCompare(b.id) || (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0),
  );
}

/** Counts per severity. */
export function summarize(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

/** Terminal text without control characters (messages may quote file contents or env values). */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}

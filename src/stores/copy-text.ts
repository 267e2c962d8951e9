/**
 * Rows in PostgreSQL's COPY text format: one line per row, columns separated by tabs, `\N`
 * for NULL, and backslash escapes for the characters that would end a field or a line.
 */

/** A value COPY text format carries: text, a number, or NULL. */
export type CopyValue = string | number | null;

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function field(v: CopyValue): string {
  if (v === null) return '\\N';
  if (typeof v === 'number') return String(v);
  return SPECIAL.test(v) ? v.replace(SPECIALS, (c) => ESCAPES[c]!) : v;
}

/** Encode rows (each the same columns, in order) as one COPY text-format document. */
export function copyText(rows: ReadonlyArray<ReadonlyArray<CopyValue>>): string {
  let out = '';
  for (const row of rows) {
    let line = '';
    for (let i = 0; i < row.length; i++) line += i === 0 ? field(row[i]!) : `\t${field(row[i]!)}`;
    out += `${line}\n`;
  }
  return out;
}

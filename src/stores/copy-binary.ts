/**
 * Rows in PostgreSQL's binary COPY format: a header, then per row a field count and each
 * field as a length and its bytes (-1 for NULL), then a trailer. Nothing to escape and nothing
 * for the server to parse: a timestamp is its 64-bit count of microseconds, where the text
 * format made PGlite parse an ISO string per row (about 0.9 µs of its WebAssembly each).
 */

/** The column types the binary encoder writes (the SecurityLog's: ids, text, times). */
export type CopyType = 'int8' | 'text' | 'timestamptz';

/** A column to load: its (quoted if needed) name and its type in the table. */
export type CopyColumn = readonly [name: string, type: CopyType];

/** A value: a string for text, an integer for int8, milliseconds since the epoch for timestamptz, or null. */
export type CopyValue = string | number | null;

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];
/** 2000-01-01T00:00:00Z, PostgreSQL's epoch, in Unix milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 2 ** 32;
const utf8 = new TextEncoder();

class Output {
  bytes: Uint8Array;
  view: DataView;
  at = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  room(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.at + n));
    grown.set(this.bytes.subarray(0, this.at));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  /** A 64-bit two's-complement integer from a safe integer, without a BigInt per value. */
  int64(n: number): void {
    const high = Math.floor(n / TWO_32);
    this.view.setInt32(this.at, 8);
    this.view.setInt32(this.at + 4, high);
    this.view.setUint32(this.at + 8, n - high * TWO_32);
    this.at += 12;
  }

  text(s: string): void {
    this.room(4 + 3 * s.length);
    const start = this.at + 4;
    const bytes = this.bytes;
    // Log fields are nearly always ASCII: copy the code units; anything else goes to the encoder.
    let i = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      bytes[start + i] = c;
    }
    const length = i === s.length ? i : i + utf8.encodeInto(s.slice(i), bytes.subarray(start + i)).written;
    this.view.setInt32(this.at, length);
    this.at = start + length;
  }
}

function invalid(column: CopyColumn, value: unknown): TypeError {
  return new TypeError(`COPY ${column[0]} (${column[1]}): ${typeof value} ${String(value).slice(0, 40)} is not a value of that type`);
}

/**
 * Encode rows (values in the order of `columns`) as one binary COPY document, to load with
 * `COPY table (columns) FROM … WITH (FORMAT binary)`. The bytes are a view of a buffer that
 * may be larger (transfer the buffer, keep the view's offset and length).
 */
export function copyBinary(columns: readonly CopyColumn[], rows: ReadonlyArray<ReadonlyArray<CopyValue>>): Uint8Array {
  const out = new Output(Math.max(1024, 19 + 2 + rows.length * (2 + columns.length * 16)));
  out.bytes.set(SIGNATURE);
  out.at = SIGNATURE.length + 8; // flags and header extension length: zero
  for (const row of rows) {
    out.room(2 + columns.length * 12);
    out.view.setInt16(out.at, columns.length);
    out.at += 2;
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c]!;
      const value = row[c];
      if (value === null || value === undefined) {
        out.room(4);
        out.view.setInt32(out.at, -1);
        out.at += 4;
      } else if (column[1] === 'text') {
        if (typeof value !== 'string') throw invalid(column, value);
        out.text(value);
      } else {
        if (!Number.isSafeInteger(value)) throw invalid(column, value);
        out.room(12);
        if (column[1] === 'int8') out.int64(value as number);
        else timestamp(out, value as number);
      }
    }
  }
  out.room(2);
  out.view.setInt16(out.at, -1);
  out.at += 2;
  return out.bytes.subarray(0, out.at);
}

/** Microseconds since 2000-01-01; a time over about 285 years from then needs a BigInt to stay exact. */
function timestamp(out: Output, ms: number): void {
  const micros = (ms - PG_EPOCH_MS) * 1000;
  if (Number.isSafeInteger(micros)) {
    out.int64(micros);
    return;
  }
  out.view.setInt32(out.at, 8);
  out.view.setBigInt64(out.at + 4, BigInt(ms - PG_EPOCH_MS) * 1000n);
  out.at += 12;
}

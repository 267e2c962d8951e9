/**
 * The text of a `detail`, produced only as far as the column can hold it: an attacker's
 * request body passed as `detail` (a million keys, an array of millions of elements, strings
 * of megabytes) costs what is stored, not what was sent. The output is the prefix of
 * `JSON.stringify(redact(value))` (bigints as strings), so what is stored is redacted by the
 * same rules; nothing past the budget is read, so nothing past it can leak.
 */
import { cutForScan } from '../core/text-scan.ts';
import { isSensitiveKey, REDACTED, redactString } from './redact.ts';
import { isNamedByPrevious, isValueField, namesSecret } from './redact-pairs.ts';

/** A detail's text, and whether all of the value was read (false: it was cut at the budget). */
export interface DetailText {
  text: string;
  complete: boolean;
}

// Characters scanned past the budget, so that a secret straddling the cut is still seen
// whole by the redaction (cutForScan drops a trailing run of up to 4,096 characters).
const SCAN_MARGIN = 4096 + 64;
// The same depth limit as redact().
const MAX_DEPTH = 20;
const REDACTED_JSON = JSON.stringify(REDACTED);

/** Thrown inside the walk when the budget is spent; caught by {@link detailJson}. */
const STOP: unique symbol = Symbol('detail budget spent');

class Writer {
  text = '';
  /** Members and elements visited: each costs one unit, also those JSON leaves out (undefined, functions). */
  steps = 0;
  /** Characters still allowed through redactString (masking can turn long strings into short output). */
  scanLeft: number;
  cut = false;
  readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
    this.scanLeft = 4 * limit + SCAN_MARGIN;
  }

  stop(): never {
    this.cut = true;
    throw STOP;
  }

  push(text: string): void {
    this.text += text;
    if (this.text.length > this.limit) this.stop();
  }

  step(): void {
    if (++this.steps > this.limit) this.stop();
  }

  string(value: string): void {
    const allowance = Math.max(0, Math.min(this.scanLeft, this.limit - this.text.length + SCAN_MARGIN));
    const whole = value.length <= allowance;
    const scanned = whole ? value : cutForScan(value, allowance);
    this.scanLeft -= scanned.length;
    const json = JSON.stringify(redactString(scanned));
    if (whole) {
      this.push(json);
      return;
    }
    // Without its closing quote: the string goes on past the cut.
    this.push(json.slice(0, -1));
    this.stop();
  }

  key(key: string, first: boolean): void {
    const room = this.limit - this.text.length;
    // A key longer than the room left is cut: what follows it is never stored.
    this.push(`${first ? '' : ','}${JSON.stringify(key.length > room ? key.slice(0, room + 1) : key)}:`);
  }

  /** Write `value`; false when JSON leaves it out (undefined, a function, a symbol). */
  value(value: unknown, depth: number, seen: WeakSet<object>): boolean {
    switch (typeof value) {
      case 'string':
        this.string(value);
        return true;
      case 'number':
        this.push(Number.isFinite(value) ? String(value) : 'null');
        return true;
      case 'boolean':
        this.push(value ? 'true' : 'false');
        return true;
      case 'bigint':
        this.push(`"${value}"`);
        return true;
      case 'undefined':
      case 'function':
      case 'symbol':
        return false;
    }
    if (value === null) {
      this.push('null');
      return true;
    }
    const object = value as object;
    if (seen.has(object)) this.push('"[Circular]"');
    else if (depth >= MAX_DEPTH) this.push('"[Too deep]"');
    else return this.entered(object, depth, seen);
    return true;
  }

  private entered(object: object, depth: number, seen: WeakSet<object>): boolean {
    seen.add(object);
    try {
      return this.object(object, depth, seen);
    } finally {
      seen.delete(object);
    }
  }

  private object(object: object, depth: number, seen: WeakSet<object>): boolean {
    if (Array.isArray(object)) {
      this.array(object, depth, seen);
      return true;
    }
    if (object instanceof Date) {
      this.push(Number.isNaN(object.getTime()) ? 'null' : JSON.stringify(object.toISOString()));
      return true;
    }
    // redact() keeps a Map, which JSON writes as {}.
    if (object instanceof Map) {
      this.push('{}');
      return true;
    }
    if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
      this.push('"[Binary]"');
      return true;
    }
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      let json: unknown;
      try {
        json = toJSON.call(object, '');
      } catch {
        this.push('"[toJSON failed]"');
        return true;
      }
      if (json !== object) return this.value(json, depth + 1, seen);
    }
    this.members(object, depth, seen);
    return true;
  }

  private array(list: readonly unknown[], depth: number, seen: WeakSet<object>): void {
    this.push('[');
    const n = list.length;
    for (let i = 0; i < n; i++) {
      this.step();
      if (i > 0) this.push(',');
      if (isNamedByPrevious(list, i)) this.push(REDACTED_JSON);
      else if (!this.value(list[i], depth + 1, seen)) this.push('null');
    }
    this.push(']');
  }

  private members(object: object, depth: number, seen: WeakSet<object>): void {
    this.push('{');
    let first = true;
    const record = object as Record<string, unknown>;
    // An Error's name and message are not enumerable; redact() writes them first (no stack).
    const error = object instanceof Error;
    if (error) {
      if (this.member('name', record, first, depth, seen, false)) first = false;
      if (this.member('message', record, first, depth, seen, false)) first = false;
    }
    // Listing the keys is the one step that grows with the object (native, no property read).
    const keys = Object.keys(object);
    // `{ name: 'password', value: … }`: the value fields are secret.
    const pair = namesSecret(object, keys);
    for (const key of keys) {
      if (error && (key === 'name' || key === 'message')) continue;
      if (this.member(key, record, first, depth, seen, pair)) first = false;
    }
    this.push('}');
  }

  /** Write `"key":value` (the first member without a comma; masked when `pair` and a value field); false when JSON leaves it out. */
  private member(key: string, record: Record<string, unknown>, first: boolean, depth: number, seen: WeakSet<object>, pair: boolean): boolean {
    this.step();
    const before = this.text;
    this.key(key, first);
    if (isSensitiveKey(key) || (pair && isValueField(key))) {
      this.push(REDACTED_JSON);
      return true;
    }
    if (this.value(record[key], depth + 1, seen)) return true;
    // JSON leaves the member out: take its key back.
    this.text = before;
    return false;
  }
}

/**
 * The JSON of `redact(value)` (bigints as strings), written only up to about `limit`
 * characters: members, elements and string characters past that are never read.
 * `complete` is false when the text was cut; it then ends inside the value.
 */
export function detailJson(value: object, limit: number): DetailText {
  const writer = new Writer(limit);
  try {
    writer.value(value, 0, new WeakSet());
  } catch (err) {
    if (err !== STOP) throw err;
  }
  return { text: writer.text, complete: !writer.cut };
}

/** A free-text detail redacted after cutting it to about `limit` characters (plus the margin a straddling secret needs). */
export function detailString(value: string, limit: number): DetailText {
  const max = limit + SCAN_MARGIN;
  if (value.length <= max) return { text: redactString(value), complete: true };
  return { text: redactString(cutForScan(value, max)), complete: false };
}

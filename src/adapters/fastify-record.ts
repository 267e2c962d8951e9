import type { HeadList } from './node-head-list.ts';

/**
 * Put rampart's headers on a Fastify reply as its whole header record in one copy, when
 * the record is still empty (no earlier hook set a header): returns false when it cannot,
 * and the caller then writes them one `reply.header()` at a time.
 */
export type ReplyRecordSeeder = (reply: object, list: HeadList) => boolean;

/** The description of the symbol under which Fastify keeps a reply's headers (fastify/lib/symbols.js). */
const RECORD = 'fastify.reply.headers';
/** Distinct head shapes remembered per plugin (with and without CORS, a 429, …); others take the slow path. */
const MAX_SHAPES = 8;

/** The header names of one head shape, as rampart gave them and as Fastify keys them, with an empty record of that shape. */
interface Shape {
  readonly names: readonly unknown[];
  readonly keys: readonly string[];
  readonly template: Record<string, unknown>;
}

/**
 * A seeder for one plugin. `reply.header()` per header lower-cases the name and adds a
 * property through V8's generic store path each time (about 0.9 k instructions a header
 * under callgrind); copying a prepared record of the same shape (`{ ...template }`) and
 * filling in the values is one allocation. Fastify's record is internal, so its symbol is
 * looked up once by description and checked through `reply.getHeader()` on first use; if
 * Fastify ever keeps headers elsewhere, the seeder turns itself off.
 */
export function replyRecordSeeder(): ReplyRecordSeeder {
  let symbol: symbol | null | undefined;
  let verified = false;
  const shapes: Shape[] = [];

  function shapeOf(list: HeadList): Shape | undefined {
    const count = list.length >> 1;
    for (const shape of shapes) {
      if (shape.names.length !== count) continue;
      let same = true;
      for (let i = 0; i < count; i++) {
        if (shape.names[i] !== list[i * 2]) {
          same = false;
          break;
        }
      }
      if (same) return shape;
    }
    if (shapes.length >= MAX_SHAPES) return undefined;
    const names: unknown[] = [];
    const keys: string[] = [];
    const template: Record<string, unknown> = {};
    for (let i = 0; i < list.length; i += 2) {
      const name = list[i];
      if (typeof name !== 'string') return undefined;
      const key = name.toLowerCase();
      // Set-Cookie stays on the raw response; a repeated or prototype-like name takes the careful path.
      if (key === 'set-cookie' || key === '__proto__' || Object.hasOwn(template, key)) return undefined;
      names.push(name);
      keys.push(key);
      template[key] = '';
    }
    const shape: Shape = { names, keys, template };
    shapes.push(shape);
    return shape;
  }

  return function seedReplyRecord(reply: object, list: HeadList): boolean {
    if (symbol === null || list.length === 0) return false;
    const holder = reply as Record<symbol, unknown>;
    if (symbol === undefined) {
      symbol = Object.getOwnPropertySymbols(reply).find((s) => s.description === RECORD) ?? null;
      if (symbol === null) return false;
    }
    const record = holder[symbol];
    if (record === null || typeof record !== 'object') return false;
    for (const _ in record) return false; // an earlier hook set headers: merge one by one
    const shape = shapeOf(list);
    if (shape === undefined) return false;
    const copy = { ...shape.template };
    const keys = shape.keys;
    for (let i = 0; i < keys.length; i++) copy[keys[i]!] = list[i * 2 + 1];
    holder[symbol] = copy;
    if (!verified) {
      const check = (reply as { getHeader?: (name: string) => unknown }).getHeader?.(keys[0]!);
      if (check !== list[1]) {
        holder[symbol] = record;
        symbol = null;
        return false;
      }
      verified = true;
    }
    return true;
  };
}

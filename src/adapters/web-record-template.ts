/**
 * Merged header records for @hono/node-server's lightweight Response, built by cloning.
 *
 * Building a record name by name costs one keyed property store per header, each a map
 * transition that V8 resolves slowly at a site that sees every header name (~6,000
 * instructions for the preset's ~16 headers). Consecutive responses of one route have the
 * same header names in the same order (the preset's constant headers, the app's own), so
 * the last few merged records are kept as templates: a response with a template's shape
 * gets a copy of it (`{ ...template }`, one step that copies the hidden class) and stores
 * only the values that differ from the template's (the rate-limit counters, an origin).
 */

import { hasToken } from './node-head-list.ts';

/** A header record as @hono/node-server takes it (names lower-cased; Set-Cookie lines as a list). */
export type HeaderRecord = Record<string, string | string[]>;

/** Where one of rampart's headers went in the merged record. */
const APP_WINS = 0;
const RAMPART_VALUE = 1;
const VARY_UNION = 2;

interface Template {
  readonly hasBody: boolean;
  /** The app's header names as given (undefined: the app gave no headers) and their values then. */
  readonly appKeys: readonly string[] | undefined;
  readonly appNames: readonly string[];
  readonly appValues: readonly string[];
  /** rampart's header names (lower-case, in order), their values then, and what became of each. */
  readonly outNames: readonly string[];
  readonly outValues: readonly string[];
  readonly actions: Uint8Array;
  /** For a Vary union: the index of the app's Vary among appKeys. */
  readonly unionFrom: Int16Array;
  /** The merged record, a plain fast-mode object to copy. */
  readonly record: HeaderRecord;
}

/** A few shapes: an app with several routes alternates between them. */
const MAX_TEMPLATES = 4;
const templates: Template[] = [];
let nextSlot = 0;

function sameOut(template: Template, out: readonly string[]): boolean {
  const names = template.outNames;
  if (out.length !== names.length * 2) return false;
  for (let i = 0; i < names.length; i++) if (out[i * 2] !== names[i]) return false;
  return true;
}

function sameApp(template: Template, init: unknown): boolean {
  const keys = template.appKeys;
  if (init === undefined || init === null) return keys === undefined;
  if (keys === undefined) return false;
  let j = 0;
  for (const key in init as object) {
    if (key !== keys[j] || typeof (init as Record<string, unknown>)[key] !== 'string') return false;
    j++;
  }
  return j === keys.length;
}

/** The union of two Vary values (tokens compared case-insensitively), the app's first. */
export function varyUnion(app: string, rampart: string): string {
  let merged = app;
  for (const token of rampart.split(',')) {
    const t = token.trim();
    if (t !== '' && !hasToken(merged, t)) merged = merged.trim() === '' ? t : `${merged}, ${t}`;
  }
  return merged;
}

/**
 * The merged record for the app's header init and rampart's `out` list, copied from a
 * template of the same shape; undefined when no template has it (merge by name instead).
 * The app's init must be undefined, null or a plain object (checked by the caller).
 */
export function recordFromTemplate(init: unknown, out: readonly string[], hasBody: boolean): HeaderRecord | undefined {
  for (let t = 0; t < templates.length; t++) {
    const template = templates[t]!;
    if (template.hasBody !== hasBody || !sameOut(template, out) || !sameApp(template, init)) continue;
    const record = { ...template.record };
    const keys = template.appKeys;
    if (keys !== undefined) {
      const names = template.appNames;
      const values = template.appValues;
      for (let j = 0; j < keys.length; j++) {
        const value = (init as Record<string, string>)[keys[j]!]!;
        if (value !== values[j]) record[names[j]!] = value;
      }
    }
    const names = template.outNames;
    const values = template.outValues;
    const actions = template.actions;
    for (let i = 0; i < names.length; i++) {
      const action = actions[i];
      if (action === APP_WINS) continue;
      const value = out[i * 2 + 1]!;
      if (action === RAMPART_VALUE) {
        if (value !== values[i]) record[names[i]!] = value;
      } else record[names[i]!] = varyUnion((init as Record<string, string>)[keys![template.unionFrom[i]!]!]!, value);
    }
    return record;
  }
  return undefined;
}

/**
 * Keep `merged` (just built by name for this init and `out`) as a template, when its
 * shape allows: string values only (no Set-Cookie list), no `__proto__` name, rampart's
 * names each once, Vary the only header both sides set that combines.
 */
export function rememberTemplate(init: unknown, out: readonly string[], hasBody: boolean, merged: HeaderRecord): void {
  let appKeys: string[] | undefined;
  const appNames: string[] = [];
  const appValues: string[] = [];
  if (init !== undefined && init !== null) {
    appKeys = [];
    for (const key in init as object) {
      const value = (init as Record<string, unknown>)[key];
      if (typeof value !== 'string') return;
      appKeys.push(key);
      appNames.push(key.toLowerCase());
      appValues.push(value);
    }
  }
  const outNames: string[] = [];
  const outValues: string[] = [];
  const actions = new Uint8Array(out.length / 2);
  const unionFrom = new Int16Array(out.length / 2);
  // The record before rampart's headers: the app's, and the default Content-Type of a body.
  const defaultType = hasBody && !appNames.includes('content-type');
  for (let i = 0; i < out.length; i += 2) {
    const name = out[i]!;
    if (name === 'set-cookie' || name === '__proto__' || outNames.includes(name)) return;
    const appIndex = appNames.indexOf(name);
    if (appIndex === -1 && !(defaultType && name === 'content-type')) actions[i / 2] = RAMPART_VALUE;
    else if (name === 'vary' && appIndex !== -1) {
      actions[i / 2] = VARY_UNION;
      unionFrom[i / 2] = appIndex;
    } else actions[i / 2] = APP_WINS;
    outNames.push(name);
    outValues.push(out[i + 1]!);
  }
  for (const name in merged) if (name === '__proto__' || typeof merged[name] !== 'string') return;
  if (appNames.length > 0x7fff) return;
  const template: Template = { hasBody, appKeys, appNames, appValues, outNames, outValues, actions, unionFrom, record: { ...merged } };
  if (templates.length < MAX_TEMPLATES) templates.push(template);
  else {
    templates[nextSlot] = template;
    nextSlot = (nextSlot + 1) % MAX_TEMPLATES;
  }
}

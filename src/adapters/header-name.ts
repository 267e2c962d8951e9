/** Names remembered, at most: middleware name their headers with constants, so a few dozen in practice. */
const MAX_NAMES = 256;
const lowered = new Map<string, string>();

/**
 * `name` in lower case: the form rampart's response header names take on every adapter.
 * A name seen before gives the same string again, one V8 already keeps as a property key:
 * node lower-cases each name it stores or inspects (`setHeader`, the head's special
 * headers) and gets such a string back as it is, where a mixed-case name costs a new string
 * per response and a string-table lookup when it becomes a key. The fetch adapters key
 * their header records with it too.
 */
export function lowerName(name: string): string {
  const known = lowered.get(name);
  if (known !== undefined) return known;
  // Used once as a property name, the lower-case copy comes back as the string V8 keys by.
  const lower = Object.keys({ [name.toLowerCase()]: 0 })[0]!;
  if (lowered.size < MAX_NAMES) lowered.set(name, lower);
  return lower;
}

import { ipaddr } from '../../client-ip/ipaddr.ts';
import { regexMatches, type Detector } from './types.ts';

const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\.?\d)/g;
// The embedded dotted quad is tried first so `::ffff:10.0.0.1` is one address, not `::ffff:10` and a remainder.
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![\w:])/g;
// A dotted quad right after `version`, `ver.` or `v` (`version 1.2.3.4`, `v2.4.1.0`) is a version number.
const VERSION_BEFORE = /(?:\b(?:version|ver\.?)[ \t]{0,2}[:=]?[ \t]{0,2}|\bv)$/i;

function isVersion(text: string, start: number): boolean {
  return VERSION_BEFORE.test(text.slice(Math.max(0, start - 14), start));
}

/** IPv4 addresses (not version numbers), and IPv6 addresses that ipaddr.js parses. */
export const detectIps: Detector = (ctx) => {
  const text = ctx.text;
  for (const m of regexMatches(IPV4, text)) if (!isVersion(text, m.index)) ctx.add('ip', m.index, m[0]);
  if (!text.includes(':')) return;
  for (const m of regexMatches(IPV6, text)) {
    if (m[0].length > 2 && /[0-9a-f]/i.test(m[0]) && ipaddr().IPv6.isValid(m[0])) ctx.add('ip', m.index, m[0]);
  }
};

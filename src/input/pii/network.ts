import { ipaddr } from '../../client-ip/ipaddr.ts';
import { regexMatches, type Detector } from './types.ts';

const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\.?\d)/g;
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])/g;

/** IPv4 addresses, and IPv6 addresses that ipaddr.js parses. */
export const detectIps: Detector = (ctx) => {
  const text = ctx.text;
  for (const m of regexMatches(IPV4, text)) ctx.add('ip', m.index, m[0]);
  if (!text.includes(':')) return;
  for (const m of regexMatches(IPV6, text)) {
    if (m[0].length > 2 && /[0-9a-f]/i.test(m[0]) && ipaddr().IPv6.isValid(m[0])) ctx.add('ip', m.index, m[0]);
  }
};

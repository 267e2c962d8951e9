import { PEERS, requirePeer } from '../../core/optional.ts';
import { configError } from '../../core/options.ts';
import { RampartError } from '../../errors.ts';
import { detectEmails, detectPhones } from './contact.ts';
import { detectCards, detectIbans, detectSsns } from './financial.ts';
import { detectIps } from './network.ts';
import { detectApiKeys, detectJwts } from './secrets.ts';
import { DEFAULT_MAX_LENGTH, PII_TYPES, type Detector, type FindPiiOptions, type PiiMatch, type PiiPeers, type PiiType } from './types.ts';

// The order findings are collected in (ties after sorting keep it).
const DETECTORS: ReadonlyArray<readonly [PiiType, Detector]> = [
  ['api_key', detectApiKeys],
  ['jwt', detectJwts],
  ['email', detectEmails],
  ['iban', detectIbans],
  ['credit_card', detectCards],
  ['ssn', detectSsns],
  ['ip', detectIps],
  ['phone', detectPhones],
];

/** The validating peers, loaded on first use (ERR_RAMPART_MISSING_DEPENDENCY when absent). */
function loadPeers(): PiiPeers {
  return {
    iban: requirePeer<PiiPeers['iban']>(PEERS.findPii, 'ibantools'),
    phone: requirePeer<PiiPeers['phone']>(PEERS.findPii, 'libphonenumber-js'),
  };
}

/** Run the selected detectors over `text`, then keep the earliest, longest of overlapping findings. */
function collect(text: string, types: ReadonlySet<PiiType>, defaultCountry: string | undefined): PiiMatch[] {
  const found: PiiMatch[] = [];
  const ctx = {
    text,
    peers: loadPeers(),
    defaultCountry,
    add: (type: PiiType, start: number, value: string) => {
      found.push({ type, value, start, end: start + value.length });
    },
  };
  for (const [type, detect] of DETECTORS) if (types.has(type)) detect(ctx);
  // Keep the earliest, then longest, match where findings overlap (a card inside a JWT, an IP inside an email…).
  // A finding that starts inside the previous one and ends after it extends it: dropping it
  // would leave its tail (a private key glued to a token) unmasked.
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: PiiMatch[] = [];
  for (const f of found) {
    const previous = out[out.length - 1];
    if (previous === undefined || f.start >= previous.end) out.push(f);
    else if (f.end > previous.end) out[out.length - 1] = { ...previous, end: f.end, value: text.slice(previous.start, f.end) };
  }
  return out;
}

function typeSet(types: readonly PiiType[] | undefined): Set<PiiType> {
  if (types === undefined) return new Set(PII_TYPES);
  if (!Array.isArray(types)) throw configError('findPii: types must be a list of PII types.');
  for (const t of types) if (!PII_TYPES.includes(t)) throw configError(`findPii: unknown type ${JSON.stringify(t)}; use ${PII_TYPES.join(', ')}.`);
  return new Set(types);
}

/**
 * Find personal and secret data in free text: email addresses, phone numbers
 * (libphonenumber-js; international `+…` numbers, or national ones with
 * `defaultCountry`), Luhn-valid card numbers of the major networks, US SSNs with valid
 * area/group/serial, IBANs with a valid checksum, IPv4/IPv6 addresses, JWTs and API keys
 * (Stripe `sk_live_`/`rk_live_`, GitHub `ghp_`, AWS `AKIA…`, Slack, Google, OpenAI-style,
 * private-key blocks). Candidates are validated, not just pattern-matched.
 *
 * @example
 * findPii('Mail ann@example.com or call +44 20 7946 0958');
 * // → [{ type: 'email', value: 'ann@example.com', … }, { type: 'phone', value: '+44 20 7946 0958', … }]
 */
export function findPii(text: unknown, options: FindPiiOptions = {}): PiiMatch[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const max = options.maxLength ?? DEFAULT_MAX_LENGTH;
  const scanned = text.length > max ? text.slice(0, max) : text;
  const country = options.defaultCountry;
  if (country !== undefined && (typeof country !== 'string' || !/^[A-Z]{2}$/.test(country))) {
    throw new RampartError(
      'ERR_RAMPART_CONFIG',
      `findPii: defaultCountry must be an ISO 3166-1 alpha-2 code such as 'US' or 'GB' (got ${JSON.stringify(String(country)).slice(0, 40)}).`,
    );
  }
  return collect(scanned, typeSet(options.types), country as string | undefined);
}

/**
 * The response headers the rampart preset adds to the bench's answer (bench/rampart-preset.ts,
 * identity, with the bench's Origin), with the rate-limit values of one request: the
 * `*-headers` calibration servers send them from a constant, the cheapest way each
 * framework allows, so `<framework>-headers` minus `<framework>-bare` is what sending these
 * headers costs on that framework, whoever sets them (the floor under any middleware's cost).
 */
export const PRESET_HEADERS: readonly string[] = [
  'x-content-type-options',
  'nosniff',
  'x-frame-options',
  'DENY',
  'content-security-policy',
  "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  'referrer-policy',
  'strict-origin-when-cross-origin',
  'permissions-policy',
  'camera=(), microphone=(), geolocation=()',
  'cross-origin-opener-policy',
  'same-origin',
  'cross-origin-resource-policy',
  'same-origin',
  'x-xss-protection',
  '0',
  'access-control-allow-origin',
  'https://app.example.com',
  'vary',
  'Origin, Accept-Encoding',
  'x-ratelimit-limit',
  '1000000000',
  'x-ratelimit-remaining',
  '999999999',
  'x-ratelimit-reset',
  '60',
  'ratelimit-policy',
  '"default";q=1000000000;w=60',
  'ratelimit',
  '"default";r=999999999;t=60',
];

/** The same headers as a record (`{ name: value }`). */
export const PRESET_HEADER_RECORD: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(PRESET_HEADERS.flatMap((name, i) => (i % 2 === 0 ? [[name, PRESET_HEADERS[i + 1]!]] : []))),
);

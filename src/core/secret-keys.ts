/**
 * Which field names hold secrets. One rule for everything that decides what may be logged:
 * the SecurityLog's redaction (`rampart/log`) and inputGuard's event excerpts.
 */

// Words that make a name sensitive wherever they stand in it (`userPassword`, `session-key`).
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'passcode',
  'token',
  'secret',
  'secrets',
  'session',
  'sessionid',
  'sid',
  'apikey',
  'privatekey',
  'otp',
  'totp',
  'pin',
  'auth',
  'authorization',
  'bearer',
  'cookie',
  'credential',
  'credentials',
  'creds',
  'creditcard',
  'cardnumber',
  'ccnumber',
  'cvv',
  'cvc',
  'iban',
  'ssn',
]);

// Adjacent word pairs that are sensitive together (`api-key-id`, `creditCardLast`).
const SECRET_PAIRS = new Set(['api_key', 'private_key', 'access_key', 'secret_key', 'credit_card', 'card_number', 'cc_number']);

// Every sensitive name contains one of these (case-insensitive); most names are rejected here.
const HINT = /pass|pwd|tok|secret|sess|sid|key|otp|pin|auth|bearer|cookie|cred|cv[cv]|iban|ssn|card|cc[_-]?n/i;

const MAX_KEY_LENGTH = 256;

function isUpper(code: number): boolean {
  return code >= 0x41 && code <= 0x5a;
}
function isLower(code: number): boolean {
  return code >= 0x61 && code <= 0x7a;
}
function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/**
 * The lower-case words of a field name: split at anything that is not a letter or digit, at
 * camelCase humps (`clientSecretKey` → client, secret, key; `APIKey` → api, key) and between
 * letters and digits (`password2` → password, 2).
 */
export function keyWords(key: string): string[] {
  const words: string[] = [];
  let start = -1;
  const end = Math.min(key.length, MAX_KEY_LENGTH);
  for (let i = 0; i <= end; i++) {
    const c = i < end ? key.charCodeAt(i) : 0;
    const alnum = isUpper(c) || isLower(c) || isDigit(c);
    if (start !== -1) {
      const prev = key.charCodeAt(i - 1);
      const next = i + 1 < end ? key.charCodeAt(i + 1) : 0;
      const hump = (isUpper(c) && (isLower(prev) || isDigit(prev))) || (isUpper(c) && isUpper(prev) && isLower(next)) || isDigit(c) !== isDigit(prev);
      if (!alnum || hump) {
        words.push(key.slice(start, i).toLowerCase());
        start = -1;
      }
    }
    if (alnum && start === -1) start = i;
  }
  return words;
}

/**
 * True when a field named `key` holds a secret. Case and separators do not matter
 * (`Password`, `API-Key`, `x_auth_token`, `privateKey`, `clientSecretKey`): the name is
 * split into words and is sensitive when one word is a secret word (password, passwd, pwd,
 * pass, passphrase, token, secret, session, sid, apikey, otp, pin, auth, authorization,
 * cookie, credential(s), cvv, cvc, iban, ssn, …), two adjacent words form one (`api key`,
 * `private key`, `credit card`, `card number`), or the last of two or more words is `key`.
 */
export function isSensitiveKey(key: string): boolean {
  if (!HINT.test(key)) return false;
  const words = keyWords(key);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (SECRET_WORDS.has(w)) return true;
    const next = words[i + 1];
    if (next !== undefined && (SECRET_PAIRS.has(`${w}_${next}`) || SECRET_WORDS.has(w + next))) return true;
  }
  return words.length > 1 && words[words.length - 1] === 'key';
}

/**
 * False when `text` cannot contain a sensitive field name anywhere (none of the fragments
 * every such name contains), so a scan for `key=value` pairs can be skipped.
 */
export function mayNameSecret(text: string): boolean {
  return HINT.test(text);
}

/**
 * True when the value of a field named `key` runs to the end of its line rather than to the
 * next space (its last word is authorization, auth or cookie): `Authorization: Digest
 * username="a", response="…"`, `Cookie: a=1; b=2`.
 */
export function isHeaderLikeKey(key: string): boolean {
  const last = keyWords(key).at(-1);
  return last === 'authorization' || last === 'auth' || last === 'cookie';
}

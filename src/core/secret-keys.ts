/**
 * Which field names hold secrets. One rule for everything that decides what may be logged:
 * the SecurityLog's redaction (`rampart/log`) and inputGuard's event excerpts.
 */

// Words that make a name sensitive wherever they stand in it (`passwordConfirmation`, `clientSecretKey`).
const ANYWHERE_WORDS = new Set(['password', 'passwd', 'pwd', 'passphrase', 'passcode', 'secret', 'secrets', 'credential', 'credentials', 'creds']);

// Words that make a name sensitive when they are its head, the last word (`authToken`,
// `session_cookie`), but not as a qualifier (`tokenExpiry`, `cookieName`, `passTypes`).
const HEAD_WORDS = new Set([
  'pass',
  'token',
  'session',
  'sessionid',
  'sid',
  // Session cookie names of Java servlets and PHP (`JSESSIONID`, `PHPSESSID`).
  'jsessionid',
  'phpsessid',
  'sessid',
  'apikey',
  'privatekey',
  'accesskey',
  'otp',
  'totp',
  'pin',
  'auth',
  'authorization',
  'bearer',
  'cookie',
  'creditcard',
  'cardnumber',
  'ccnumber',
  'cvv',
  'cvc',
  'iban',
  'ssn',
]);

// The same as heads when written as two words (`api-key`, `creditCard`, `card_number`).
// `X-Amz-Signature`, `X-Goog-Signature`: the signature of a presigned URL (S3, GCS) is its credential.
const HEAD_PAIRS = new Set([
  'api_key',
  'private_key',
  'access_key',
  'session_id',
  'credit_card',
  'card_number',
  'cc_number',
  'amz_signature',
  'goog_signature',
  // One-time and verification codes (`otp_code`, `mfaCode`, `verification_code`, the OAuth
  // `authorization_code`); a bare `code` stays readable, as `code=404` is a status.
  'otp_code',
  'totp_code',
  'mfa_code',
  '2fa_code',
  'pin_code',
  'verification_code',
  'verify_code',
  'auth_code',
  'authorization_code',
  'recovery_code',
  'backup_code',
  'security_code',
]);

// Trailing words that name an encoding or container of the value, not what it is
// (`privateKeyPem`, `AccessTokenValue`, `password2`): the head is the word before them.
const FORM_WORDS = new Set(['value', 'pem', 'der', 'raw', 'hex', 'base64', 'b64', 'data', 'string', 'str', 'text', 'bytes', 'buffer', 'jwk']);

// Every sensitive name contains one of these (case-insensitive); most names are rejected here.
const HINT = /pass|pwd|tok|secret|sess|sid|sig|key|otp|pin|auth|bearer|cookie|cred|cv[cv]|iban|ssn|card|cc[_-]?n|code/i;
// The same for free text, where `code` alone is common (`status code=500`): the one-time-code
// names are hinted by their first word instead (`mfa_code`, `verification_code`, `backup_code`).
const TEXT_HINT = /pass|pwd|tok|secret|sess|sid|sig|key|otp|pin|auth|bearer|cookie|cred|cv[cv]|iban|ssn|card|cc[_-]?n|mfa|2fa|verif|recover|backup|secur/i;

// Characters no one sees (zero-width space and joiners, soft hyphen, word joiner, BOM…): removed
// before a name is judged, so `pass\u200bword` is `password`.
const NON_ASCII = /[^\x00-\x7f]/;
// HINT or a non-ASCII character, in one scan: most keys match neither and are rejected by it.
const HINT_OR_NON_ASCII = /pass|pwd|tok|secret|sess|sid|sig|key|otp|pin|auth|bearer|cookie|cred|cv[cv]|iban|ssn|card|cc[_-]?n|code|[^\x00-\x7f]/i;
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;

// All-capital environment names run words together (`PGPASSWORD`, `DBPASS`, `GITHUBTOKEN`): a
// word that contains password/passwd, or a head that ends with one of these, is sensitive.
const ENV_HEAD_ENDINGS = ['secret', 'secrets', 'token', 'tokens', 'pass', 'pwd', 'auth'];
// Ordinary words that end like a secret name.
const ENV_ORDINARY = new Set(['bypass', 'compass', 'surpass', 'trespass', 'overpass', 'underpass', 'encompass', 'impass', 'morepass']);

// Names written as one word in any case (`newpassword`, `accesstoken`, `clientsecret`): a word
// that contains one of these is sensitive, unless it is one of JOINED_ORDINARY's words.
const JOINED_PARTS = ['password', 'passwd', 'passphrase', 'secret'];
// A head word that ends with one of these is sensitive (`csrftoken`, `stripeapikey`).
const JOINED_ENDINGS = ['token', 'secret', 'apikey', 'secretkey', 'privatekey'];
// Ordinary words that contain a secret word: `passwordless` names a way to sign in (its value
// is a setting), not a password.
const JOINED_ORDINARY = /secretar|secreti|secretly|secretes?$|secreted|passwordless/;

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

/** Index of the head word: the last one that is not an encoding word or a number. */
function headIndex(words: readonly string[]): number {
  let i = words.length - 1;
  while (i > 0 && (FORM_WORDS.has(words[i]!) || isDigit(words[i]!.charCodeAt(0)))) i--;
  return i;
}

/**
 * True when a field named `key` holds a secret. Case and separators do not matter
 * (`Password`, `API-Key`, `x_auth_token`, `privateKey`, `clientSecretKey`): the name is
 * split into words; it is sensitive when any word is password, passwd, pwd, passphrase,
 * passcode, secret(s) or credential(s)/creds (also cut in two: `pass_word`), or when its head
 * (the last word, past value/pem/raw/… and numbers) is token, session, sid, pass, otp, pin,
 * auth, authorization, bearer, cookie, cvv, cvc, iban, ssn, `key` (after another word), or
 * the pair api key, private key, access key, session id, credit card, card number, or a
 * one-time code (`otp_code`, `mfaCode`, `verification_code`, `auth_code`). So
 * `sessionToken`, `privateKeyPem` and `password_confirmation` are sensitive, `tokenExpiry`,
 * `cookieName`, `apiKeyHeader` and `status_code` are not. Invisible characters are removed
 * first (`pass\u200bword`); a name in mixed case whose humps split no sensitive word is judged
 * again in lower case (`pAsSwOrD`); an all-capital name whose words run together is sensitive
 * when a word holds password/passwd or its head ends with secret, token, pass, pwd or auth
 * (`PGPASSWORD`, `DBPASS`, `GITHUBTOKEN`; not `BYPASS`, `COMPASS`).
 */
export function isSensitiveKey(key: string): boolean {
  if (!HINT_OR_NON_ASCII.test(key)) return false;
  const name = NON_ASCII.test(key) ? key.replace(INVISIBLE, '') : key;
  if (name !== key && !HINT.test(name)) return false;
  if (sensitiveWords(keyWords(name))) return true;
  let lower = false;
  let upper = false;
  for (let i = 0; i < name.length && i < MAX_KEY_LENGTH; i++) {
    const c = name.charCodeAt(i);
    if (isLower(c)) lower = true;
    else if (isUpper(c)) upper = true;
  }
  // `pAsSwOrD`: humps that split no real words; judged again in lower case.
  if (lower && upper) {
    const lowered = keyWords(name.toLowerCase());
    return sensitiveWords(lowered) || joinedSecretName(lowered);
  }
  const words = keyWords(name);
  return joinedSecretName(words) || (upper && sensitiveEnvironmentName(words));
}

/**
 * The rule for words run together (`newpassword`, `accesstoken`, `CLIENTSECRET`): a word that
 * contains password, passwd, passphrase or secret (not `secretary`, `passwordless`…), or a head
 * that ends with token, secret, apikey, secretkey or privatekey.
 */
function joinedSecretName(words: readonly string[]): boolean {
  for (const w of words) {
    for (const part of JOINED_PARTS) if (w.includes(part) && !JOINED_ORDINARY.test(w)) return true;
  }
  if (words.length === 0) return false;
  const head = words[headIndex(words)]!;
  for (const ending of JOINED_ENDINGS) if (head.length > ending.length && head.endsWith(ending)) return true;
  return false;
}

/** The word rule of {@link isSensitiveKey}. */
function sensitiveWords(words: readonly string[]): boolean {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (ANYWHERE_WORDS.has(w)) return true;
    // A secret word cut in two (`pass_word`, `pass-phrase`).
    const next = words[i + 1];
    if (next !== undefined && ANYWHERE_WORDS.has(w + next)) return true;
  }
  if (words.length === 0) return false;
  const h = headIndex(words);
  const head = words[h]!;
  if (HEAD_WORDS.has(head) || (head === 'key' && h > 0)) return true;
  const before = words[h - 1];
  return before !== undefined && (HEAD_PAIRS.has(`${before}_${head}`) || HEAD_WORDS.has(before + head));
}

/** The rule for all-capital names whose words run together (`PGPASSWORD`, `DBPASS`). */
function sensitiveEnvironmentName(words: readonly string[]): boolean {
  for (const w of words) if (w.includes('password') || w.includes('passwd')) return true;
  if (words.length === 0) return false;
  const head = words[headIndex(words)]!;
  if (ENV_ORDINARY.has(head)) return false;
  for (const ending of ENV_HEAD_ENDINGS) if (head.length > ending.length && head.endsWith(ending)) return true;
  return false;
}

/**
 * False when `text` cannot contain a sensitive field name anywhere (none of the fragments
 * every such name contains, signature parameters included), so a scan for `key=value` pairs can be skipped.
 */
export function mayNameSecret(text: string): boolean {
  return TEXT_HINT.test(text);
}

/**
 * True when the value of a field named `key` runs to the end of its line rather than to the
 * next space (its head word is authorization, auth or cookie): `Authorization: Digest
 * username="a", response="…"`, `Cookie: a=1; b=2`.
 */
export function isHeaderLikeKey(key: string): boolean {
  const words = keyWords(key);
  const last = words[headIndex(words)];
  return last === 'authorization' || last === 'auth' || last === 'cookie';
}

// Heads of the names a signed URL carries its signature in (`Signature` of CloudFront and
// GCS, `sig` of an Azure SAS). Sensitive as a URL parameter (`sig=…`), not as a label: rampart
// and apps write `signature: invalid`, and objects hold `signature` fields that are not secret.
const SIGNATURE_HINT = /sig/i;
const SIGNATURE_HEADS = new Set(['signature', 'sig']);

/**
 * True when a URL parameter named `key` carries a signature that grants access: its head word
 * (past value/raw/… and numbers) is signature or sig (`Signature`, `sig`, `X-Amz-Signature`).
 * Applied to `name=value` parameters, not to `name: value` labels or object keys.
 */
export function isSignatureParameter(key: string): boolean {
  if (!SIGNATURE_HINT.test(key)) return false;
  const words = keyWords(key);
  if (words.length === 0) return false;
  return SIGNATURE_HEADS.has(words[headIndex(words)]!);
}

// Heads of the names prose writes right before a value, with only a space between:
// `wrong password hunter2`, `passphrase X9kq-2`, `jsessionid 1A2B3C`.
const SPOKEN_HINT = /pass|pwd|sess/i;
const SPOKEN_HEADS = new Set(['password', 'passwords', 'passwd', 'pwd', 'passphrase', 'passcode', 'jsessionid', 'phpsessid', 'sessid']);

/**
 * True when a word of prose names a password or a session id whose value may follow it after a
 * space (`password hunter2`, `new_password …`, `JSESSIONID …`): its head word is password(s),
 * passwd, pwd, passphrase, passcode, jsessionid, phpsessid or sessid.
 */
export function isSpokenSecretName(word: string): boolean {
  if (!SPOKEN_HINT.test(word)) return false;
  const words = keyWords(word);
  if (words.length === 0) return false;
  return SPOKEN_HEADS.has(words[headIndex(words)]!);
}

/** Which environment-variable names hold secrets (rule RAMPART-W025 of `rampart check`). */

// Found anywhere in the name, joined to other words or not: PGPASSWORD, MYSECRET, APPTOKEN,
// STRIPE_APIKEY. A bare KEY is too common a word (KEY_ID, MONKEY) to count this way.
const SECRET_PARTS = [
  'PASSWORD',
  'PASSWD',
  'PASSPHRASE',
  'SECRET',
  'TOKEN',
  'PEPPER',
  'APIKEY',
  'PRIVATEKEY',
  'SIGNINGKEY',
  'ACCESSKEY',
  'ENCRYPTIONKEY',
  'DECRYPTIONKEY',
  'MASTERKEY',
  'SESSIONKEY',
  'HMACKEY',
  'AUTHKEY',
  'CRYPTOKEY',
  'LICENSEKEY',
];
// Words that contain a secret part without naming a secret.
const LOOKALIKES = ['TOKENIZ', 'SECRETAR', 'PASSWORDLESS', 'TOKENLESS', 'PUBLIC', 'PUBLISHABLE'];
// A secret as the name's last word: API_KEY, SMTP_PASS, REDIS_PWD, ADMIN_PW (PWD alone is
// the shell's working directory, so these need a word before them; KEY alone is a key).
const SECRET_LAST_WORDS = new Set(['KEY', 'KEYS', 'PASS', 'PWD', 'PW']);
// A last word that tells one version of a rotated secret from another: ENCRYPTION_KEY_2, JWT_KEY_OLD.
const VERSION_WORD = /^(?:V?\d{1,3}|OLD|NEW|PREV|PREVIOUS|CURRENT|NEXT|PRIMARY|SECONDARY|LIVE|TEST|PROD)$/;
// A last word that makes the variable a setting, a quantity, an identifier or a pointer to
// where the secret lives (a file, a URL — whose credentials are judged as URLs — an ARN).
const SETTING_LAST_WORDS = new Set([
  'ID',
  'IDS',
  'NAME',
  'NAMES',
  'FILE',
  'PATH',
  'DIR',
  'URL',
  'URI',
  'ARN',
  'ARNS',
  'ENDPOINT',
  'HOST',
  'HOSTNAME',
  'PORT',
  'REGION',
  'PREFIX',
  'SUFFIX',
  'HEADER',
  'COOKIE',
  'PARAM',
  'FIELD',
  'TTL',
  'AGE',
  'IN',
  'DAYS',
  'HOURS',
  'MINUTES',
  'SECONDS',
  'MS',
  'EXPIRY',
  'EXPIRATION',
  'LIFETIME',
  'TIMEOUT',
  'INTERVAL',
  'ROTATION',
  'LENGTH',
  'SIZE',
  'BITS',
  'COUNT',
  'LIMIT',
  'MAX',
  'MIN',
  'ROUNDS',
  'COST',
  'ITERATIONS',
  'ALGORITHM',
  'ALG',
  'TYPE',
  'VERSION',
  'FORMAT',
  'ENCODING',
  'MODE',
  'POLICY',
  'ENABLED',
  'DISABLED',
  'REQUIRED',
  'HASH',
]);
// Any of these words makes the name a quantity or a switch: MAX_KEYS, OPENAI_MAX_TOKENS, ENABLE_TOKEN_AUTH.
const SETTING_WORDS = new Set(['MAX', 'MIN', 'NUM', 'ENABLE', 'DISABLE', 'USE', 'REQUIRE', 'SKIP']);
// Tooling variables (npm, CI) that only look like secrets by name.
const TOOLING = /^(?:npm_|NPM_CONFIG_|YARN_|PNPM_|GITHUB_ACTIONS$|CI$)/i;

/**
 * Whether an environment variable name looks like it holds a secret: it contains PASSWORD,
 * PASSWD, PASSPHRASE, SECRET, TOKEN, PEPPER or a compound such as APIKEY or SIGNINGKEY
 * (joined or `_`-separated), or ends in `_KEY`, `_KEYS`, `_PASS`, `_PWD`, `_PW` (optionally
 * followed by a version such as `_2` or `_OLD`); and it is not a setting, quantity,
 * identifier or location (`*_DAYS`, `*_TTL`, `*_ID`, `*_FILE`, `*_URL`, `MAX_*`, …).
 *
 * @example
 * isSecretName('PGPASSWORD'); // true
 * isSecretName('KEY_ROTATION_DAYS'); // false
 */
export function isSecretName(name: string): boolean {
  if (TOOLING.test(name)) return false;
  const upper = name.toUpperCase();
  const words = upper.split('_').filter((w) => w !== '');
  const last = words.at(-1);
  if (last === undefined || SETTING_LAST_WORDS.has(last) || words.some((w) => SETTING_WORDS.has(w))) return false;
  if (LOOKALIKES.some((part) => upper.includes(part))) return false;
  if (SECRET_PARTS.some((part) => upper.includes(part))) return true;
  const named = words.length > 1 && VERSION_WORD.test(last) ? words.slice(0, -1) : words;
  const secretWord = named.at(-1);
  if (secretWord === undefined || !SECRET_LAST_WORDS.has(secretWord)) return false;
  return named.length > 1 || secretWord === 'KEY' || secretWord === 'KEYS';
}

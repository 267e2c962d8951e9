/**
 * A database target as it may be printed (CLI lines, the dashboard's subtitle, error
 * messages): never a password, from the userinfo or from the query string.
 */
import { isSensitiveKey, REDACTED } from '../log/redact.ts';

/** libpq / postgres.js connection parameters that hold a secret or point at one. */
const SECRET_PARAMETERS = new Set(['password', 'sslpassword', 'sslkey', 'passfile', 'sslcert', 'sslrootcert', 'sslcrl', 'krbsrvname', 'gsslib']);

function secretParameter(rawKey: string): boolean {
  let key = rawKey;
  try {
    key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
  } catch {
    return true; // unreadable: masked
  }
  const k = key.toLowerCase();
  return SECRET_PARAMETERS.has(k) || k.includes('pass') || isSensitiveKey(k);
}

/** C0/C1 controls and DEL written as \xNN, so no terminal escape reaches the screen. */
function inert(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * `database` for display: in a URL (`postgres://…`), the userinfo becomes `***@`, the value of
 * every secret query parameter (`password`, `sslpassword`, `sslkey`, `passfile`, … and any key
 * the log's {@link isSensitiveKey} rule names) becomes `***`, and a fragment is hidden;
 * anything else (a PGlite directory) is shown as given. Control characters are escaped.
 *
 * @example
 * displayDatabase('postgres://u:pw@h/db?sslpassword=x') // 'postgres://***@h/db?sslpassword=***'
 */
export function displayDatabase(database: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(database);
  if (scheme === null) return inert(database);
  let rest = database.slice(scheme[0].length);
  let fragment = '';
  const hash = rest.indexOf('#');
  if (hash !== -1) {
    fragment = `#${REDACTED}`;
    rest = rest.slice(0, hash);
  }
  const q = rest.indexOf('?');
  let head = q === -1 ? rest : rest.slice(0, q);
  // The last '@' ends the userinfo: a raw '/' or '@' in a password must not leave a piece of it.
  const at = head.lastIndexOf('@');
  if (at !== -1) head = `${REDACTED}@${head.slice(at + 1)}`;
  let query = '';
  if (q !== -1) {
    query = `?${rest
      .slice(q + 1)
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        return eq !== -1 && secretParameter(pair.slice(0, eq)) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
      })
      .join('&')}`;
  }
  return inert(`${scheme[0]}${head}${query}${fragment}`);
}

import type { ConnectionOptions, SecureContextOptions } from 'node:tls';
import { RampartError } from '../errors.ts';
import { kind } from './bytes.ts';
import { checkKeys } from './options.ts';

// Mozilla Server Side TLS guidelines (https://ssl-config.mozilla.org, config 5.7). DHE suites
// of the intermediate list are left out: Node has no DH parameters unless given, and
// Mozilla's 6.0 drafts drop them too.
const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const TLS12_INTERMEDIATE = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
];
const CURVES = 'X25519:prime256v1:secp384r1';

/** The HSTS max-age (seconds) Mozilla recommends alongside both profiles: two years. */
export const RECOMMENDED_HSTS_MAX_AGE = 63_072_000;

/** Options of {@link tlsOptions}. */
export interface TlsProfileOptions {
  /** 'intermediate' (default: TLS 1.2 + 1.3, AEAD suites with forward secrecy) or 'modern' (TLS 1.3 only). */
  profile?: 'modern' | 'intermediate';
  /** Certificate chain (PEM), passed through. */
  cert?: string | Buffer | Array<string | Buffer>;
  /** Private key (PEM), passed through. */
  key?: string | Buffer | Array<string | Buffer>;
  /**
   * CA certificates (PEM) that sign client certificates. Giving `ca` turns mutual TLS on:
   * every client must present a certificate signed by one of them, or the handshake fails
   * (`requestCert` and `rejectUnauthorized` set), unless `clientCertificate: 'off'`.
   */
  ca?: string | Buffer | Array<string | Buffer>;
  /**
   * `'required'` (the default when `ca` is given): refuse clients without a valid certificate
   * signed by `ca`. `'off'`: `ca` is passed through only to complete the server's own chain
   * and no client certificate is asked for.
   */
  clientCertificate?: 'required' | 'off';
}

/** Options for `https.createServer` / `http2.createSecureServer` / `tls.createServer`. */
export type TlsServerOptions = SecureContextOptions & { honorCipherOrder: boolean; requestCert?: boolean; rejectUnauthorized?: boolean };

/**
 * Server TLS options following Mozilla's "modern" or "intermediate" profile, ready for
 * `https.createServer(tlsOptions({ profile, cert, key }), handler)` or `http2.createSecureServer`.
 * TLS 1.0/1.1 are refused by both; pair with HSTS (`headers: { hsts: { maxAge: 63072000 } }`).
 * With `ca`, clients must present a certificate signed by it (mutual TLS) unless
 * `clientCertificate: 'off'`.
 *
 * @example
 * https.createServer(tlsOptions({ cert, key }), shield.node(app)).listen(443);
 */
export function tlsOptions(options?: TlsProfileOptions): TlsServerOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new RampartError('ERR_RAMPART_CONFIG', `tlsOptions options must be an object (got ${kind(options)}).`);
  }
  const opts = options ?? {};
  checkKeys(opts, ['profile', 'cert', 'key', 'ca', 'clientCertificate'], 'tlsOptions');
  const clientCertificate = opts.clientCertificate ?? (opts.ca === undefined ? 'off' : 'required');
  if (clientCertificate !== 'required' && clientCertificate !== 'off') {
    throw new RampartError('ERR_RAMPART_CONFIG', `tlsOptions clientCertificate must be 'required' or 'off' (got ${JSON.stringify(clientCertificate)}).`);
  }
  if (clientCertificate === 'required' && opts.ca === undefined) {
    throw new RampartError(
      'ERR_RAMPART_CONFIG',
      "tlsOptions clientCertificate: 'required' needs ca: the CA certificate(s) (PEM) that sign your clients' certificates.",
    );
  }
  const profile = opts.profile ?? 'intermediate';
  if (profile !== 'modern' && profile !== 'intermediate') {
    throw new RampartError(
      'ERR_RAMPART_CONFIG',
      `tlsOptions profile must be 'modern' or 'intermediate' (got ${JSON.stringify(profile)}); there is no "old" profile: TLS < 1.2 is not supported.`,
    );
  }
  const result: TlsServerOptions =
    profile === 'modern'
      ? { minVersion: 'TLSv1.3', ciphers: TLS13_SUITES.join(':'), ecdhCurve: CURVES, honorCipherOrder: false }
      : { minVersion: 'TLSv1.2', ciphers: [...TLS13_SUITES, ...TLS12_INTERMEDIATE].join(':'), ecdhCurve: CURVES, honorCipherOrder: false };
  if (opts.cert !== undefined) result.cert = opts.cert;
  if (opts.key !== undefined) result.key = opts.key;
  if (opts.ca !== undefined) result.ca = opts.ca;
  if (clientCertificate === 'required') {
    // Mutual TLS: ask every client for a certificate and fail the handshake unless it
    // chains to `ca` (Node's default for servers is requestCert: false, i.e. no check).
    result.requestCert = true;
    result.rejectUnauthorized = true;
  }
  return result;
}

/** Options of {@link databaseSsl}. */
export interface DatabaseSslOptions {
  /**
   * libpq's sslmode: 'verify-full' (default: encrypted, certificate chain and host name
   * checked), 'verify-ca' (chain checked, host name not), 'require' (encrypted, nothing
   * verified: open to man-in-the-middle) or 'disable'.
   */
  mode?: 'verify-full' | 'verify-ca' | 'require' | 'disable';
  /** CA certificate(s) (PEM) that signed the server certificate; default the system store. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate (PEM) for certificate authentication. */
  cert?: string | Buffer;
  /** Client private key (PEM). */
  key?: string | Buffer;
  /** Host name to verify when it differs from the connection host (and to send as SNI). */
  servername?: string;
}

/**
 * The `ssl` option for node-postgres (`new pg.Pool({ ssl })`) and postgres.js
 * (`postgres(url, { ssl })`): node:tls connection options for the given libpq sslmode,
 * `verify-full` by default, with TLS ≥ 1.2. Returns `false` for 'disable'.
 *
 * @example
 * const sql = postgres(process.env.DATABASE_URL!, { ssl: databaseSsl({ ca: fs.readFileSync('rds-ca.pem') }) });
 */
export function databaseSsl(options?: DatabaseSslOptions): ConnectionOptions | false {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new RampartError('ERR_RAMPART_CONFIG', `databaseSsl options must be an object (got ${kind(options)}).`);
  }
  const opts = options ?? {};
  checkKeys(opts, ['mode', 'ca', 'cert', 'key', 'servername'], 'databaseSsl');
  const mode = opts.mode ?? 'verify-full';
  if (!['verify-full', 'verify-ca', 'require', 'disable'].includes(mode)) {
    throw new RampartError('ERR_RAMPART_CONFIG', `databaseSsl mode must be 'verify-full', 'verify-ca', 'require' or 'disable' (got ${JSON.stringify(mode)}).`);
  }
  if (mode === 'disable') return false;
  if ((opts.cert === undefined) !== (opts.key === undefined)) {
    throw new RampartError('ERR_RAMPART_CONFIG', 'databaseSsl cert and key go together: give both for client-certificate authentication, or neither.');
  }
  const result: ConnectionOptions = { minVersion: 'TLSv1.2', rejectUnauthorized: mode !== 'require' };
  if (mode === 'verify-ca') result.checkServerIdentity = () => undefined;
  if (opts.ca !== undefined) result.ca = opts.ca;
  if (opts.cert !== undefined) result.cert = opts.cert;
  if (opts.key !== undefined) result.key = opts.key;
  if (opts.servername !== undefined) result.servername = opts.servername;
  return result;
}

/** The environment-variable rules of `rampart check` (debug flags, TLS, weak secrets). */
import { checkSecret } from '../crypto/secret.ts';
import { isSecretName } from './check-env-names.ts';
import { finding } from './check-rules.ts';
import type { Finding } from './findings.ts';

export { isSecretName } from './check-env-names.ts';

// Passwords chosen by people (a lower bar than generated secrets).
const PASSWORD_NAME = /PASSWORD|PASSWD|PASSPHRASE|_PASS$|_PWD$|_PW$/i;
// A value that names where the secret lives (an AWS ARN) rather than being one.
const REFERENCE_VALUE = /^arn:aws[a-z-]*:/;

/**
 * Check the environment a deployment runs with. `production` escalates NODE_ENV and
 * debug findings. Values of secrets are never part of a message.
 */
export function checkEnvironment(env: NodeJS.ProcessEnv, production: boolean): Finding[] {
  const out: Finding[] = [];
  if (production && env.NODE_ENV !== 'production') {
    out.push(
      finding(
        'RAMPART-W022',
        `NODE_ENV is ${env.NODE_ENV === undefined ? 'not set' : JSON.stringify(env.NODE_ENV)}, not "production".`,
        undefined,
        'set NODE_ENV=production in the deployed process.',
      ),
    );
  }
  const debug = env.DEBUG;
  if (debug?.split(/[\s,]+/).some((d) => d.includes('*'))) {
    out.push(
      finding(
        'RAMPART-W023',
        `DEBUG=${JSON.stringify(debug.slice(0, 80))} enables wildcard debug logging.`,
        production ? undefined : 'info',
        'unset DEBUG in production or name single namespaces.',
      ),
    );
  }
  const nodeOptions = `${env.NODE_OPTIONS ?? ''}`;
  const inspect = /(?:^|\s)--inspect(?:-brk|-wait)?(?:[=\s]|$)/.exec(nodeOptions);
  if (inspect !== null) {
    out.push(
      finding(
        'RAMPART-W024',
        `NODE_OPTIONS contains ${inspect[0].trim().replace(/=$/, '')}: the inspector is enabled.`,
        production ? undefined : 'warning',
        'remove --inspect from NODE_OPTIONS.',
      ),
    );
  }
  if (env.NODE_TLS_REJECT_UNAUTHORIZED === '0') {
    out.push(finding('RAMPART-W026', undefined, undefined, 'unset NODE_TLS_REJECT_UNAUTHORIZED; trust a private CA with NODE_EXTRA_CA_CERTS instead.'));
  }
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value === undefined || value === '' || !isSecretName(name)) continue;
    if (value.startsWith('-----BEGIN ')) continue; // PEM keys: their strength is not a string property
    if (REFERENCE_VALUE.test(value)) continue;
    const isPassword = PASSWORD_NAME.test(name);
    const problems = checkSecret(value, isPassword ? { minLength: 16, minEntropyBits: 64 } : undefined);
    if (problems.length === 0) continue;
    out.push(
      finding(
        'RAMPART-W025',
        `${name} is weak: ${problems.map((p) => p.message).join(' ')}`,
        undefined,
        `generate one with \`rampart keys secret\` (${isPassword ? 'passwords: ≥ 16 characters, ≥ 64 bits' : '≥ 32 characters, ≥ 128 bits'}).`,
      ),
    );
  }
  return out;
}

/**
 * Test certificates made with the openssl CLI: P-256 keys, valid for two days, written as
 * PEM files. Tests that need one skip (or fail under RAMPART_REQUIRE_SERVICES=1) when the
 * CLI is missing; see the callers.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `openssl req -x509` arguments for a self-signed certificate (also a CA) for `cn` and its subject alternative names. */
export function selfSignedArgs(cn: string, keyPath: string, certPath: string, altNames: readonly string[] = []): string[] {
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${cn}`];
  if (altNames.length > 0) args.push('-addext', `subjectAltName=${altNames.join(',')}`);
  args.push('-keyout', keyPath, '-out', certPath);
  return args;
}

/** Write a self-signed key and certificate (see {@link selfSignedArgs}). */
export async function selfSigned(cn: string, keyPath: string, certPath: string, altNames?: readonly string[], cwd?: string): Promise<void> {
  await run('openssl', selfSignedArgs(cn, keyPath, certPath, altNames), { timeout: 20_000, ...(cwd === undefined ? {} : { cwd }) });
}

/** {@link selfSigned}, synchronously (for a certificate a test file needs at load time). */
export function selfSignedSync(cn: string, keyPath: string, certPath: string, altNames?: readonly string[]): void {
  execFileSync('openssl', selfSignedArgs(cn, keyPath, certPath, altNames), { stdio: 'ignore', timeout: 20_000 });
}

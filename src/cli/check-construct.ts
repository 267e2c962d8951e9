/** `rampart check`'s RAMPART-E001: build the shield (and the SecurityLog) as the app would, without any I/O. */
import { isRampartError } from '../errors.ts';
import { SecurityLog } from '../log/index.ts';
import { rampart, type RampartOptions } from '../preset.ts';
import { finding } from './check-rules.ts';
import type { Finding } from './findings.ts';

/** The E001 finding for whatever a constructor threw. */
function constructionFinding(err: unknown): Finding {
  if (isRampartError(err)) return finding('RAMPART-E001', `${err.code}: ${err.message}`);
  return finding('RAMPART-E001', `rampart() threw ${(err as Error)?.name ?? 'an error'}: ${(err as Error)?.message ?? String(err)}`);
}

/** True when rampart() would build a SecurityLog from `log` (not a ready-made log or event sink). */
function isLogOptions(log: unknown): log is object {
  return typeof log === 'object' && log !== null && !(log instanceof SecurityLog) && typeof (log as { emit?: unknown }).emit !== 'function';
}

/**
 * Construct what `rampart(options)` constructs and report each refusal as RAMPART-E001
 * (code and message). The shield is built with `log: false` whenever the app's `log` is an
 * object, so no configuration warning reaches a sink, stderr or a database (the report
 * counts them instead); a `log` given as SecurityLog options is validated by constructing
 * a SecurityLog that is closed before it ever opens its database. A `log` value of any
 * other kind goes to rampart() as is, which refuses it. Run with RAMPART_SILENT set.
 */
export async function constructionFindings(options: RampartOptions): Promise<Finding[]> {
  const out: Finding[] = [];
  const log: unknown = options.log;
  const shieldLog = log === undefined || (typeof log === 'object' && log !== null) ? false : options.log;
  try {
    const shield = rampart({ ...options, log: shieldLog });
    await shield.close();
  } catch (err) {
    out.push(constructionFinding(err));
  }
  if (isLogOptions(log)) {
    try {
      // No event is logged, so close() has nothing to flush and the database is never opened.
      await new SecurityLog(log).close();
    } catch (err) {
      out.push(constructionFinding(err));
    }
  }
  return out;
}

import { execFile } from 'node:child_process';
import type { TestContext } from 'node:test';

const PYTHON = '/usr/bin/python3';
const available = new Map<string, Promise<boolean>>();

function run(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(PYTHON, args, { timeout: 20_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1;
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/**
 * Run a Python snippet with Debian's python3 modules (independent implementations for
 * interop tests). Reads JSON from stdin as `data`, returns what the snippet prints.
 * When a module is missing the test is skipped with a visible reason, or fails when
 * RAMPART_REQUIRE_SERVICES=1 (CI installs them).
 *
 * Returns undefined when the test was skipped.
 */
export async function python(t: TestContext, modules: readonly string[], code: string, data: unknown = null): Promise<string | undefined> {
  for (const module of modules) {
    let ok = available.get(module);
    if (ok === undefined) {
      ok = run(['-c', `import ${module}`]).then((r) => r.code === 0);
      available.set(module, ok);
    }
    if (!(await ok)) {
      const reason = `python3 module ${module} is not installed (apt-get install python3-${module === 'jwt' ? 'jwt' : module})`;
      if (process.env.RAMPART_REQUIRE_SERVICES === '1') throw new Error(reason);
      t.skip(reason);
      return undefined;
    }
  }
  const script = `import sys, json\ndata = json.loads(sys.stdin.read())\n${code}`;
  const result = await run(['-c', script], JSON.stringify(data));
  if (result.code !== 0) throw new Error(`python3 failed (${result.code}): ${result.stderr}`);
  return result.stdout.trim();
}

/** `rampart scan <url>`: grade a live URL on the MDN HTTP Observatory's scale. */
import { readFileSync } from 'node:fs';
import { type GradeReport, gradeUrl } from '../observatory/grade.ts';
import { GRADES, type Grade, gradeAtLeast, isGrade } from '../observatory/scoring.ts';
import { intFlag, parse, stringFlag, UsageError } from './args.ts';

export const SCAN_HELP = `Usage: rampart scan <url> [--min-grade GRADE] [--json] [--ca FILE]

Fetch a live URL over https and http (following and checking the http→https redirect
chain) and grade it with the MDN HTTP Observatory's ten tests, result names, score
modifiers and grade chart (algorithm version 4). Prints each test, the score and the grade.

  <url>                https://host[:port]/path, http://…, or a bare host (https://host/)
  --min-grade GRADE    exit 1 when the grade is below GRADE (A+ A A- B+ B B- C+ C C- D+ D D- F)
  --json               the report as JSON on stdout
  --ca FILE            also trust the CA certificate(s) in FILE (PEM), e.g. a staging CA;
                       NODE_EXTRA_CA_CERTS works too. An untrusted chain is still graded,
                       as the Observatory does: redirection and HSTS then fail (invalid cert)
  --http-port N        port of the plain-HTTP counterpart of an https URL (default 80)
  --https-port N       port of the https counterpart of an http URL (default 443)
  --timeout S          seconds per request (default 10)
  --allow-private      follow redirects to loopback/private/link-local addresses even when
                       the scanned host is not in that class (refused by default)

Redirects are refused (reported, not followed) when the Location carries user:password@,
is not http(s), or leads to a non-public address class the scanned host is not in.

A page is read up to 4 MiB. A larger one (or one cut by the connection) is graded
fail-closed: subresource-integrity takes its worst result for what was not read, and the
report carries a warning (\`warnings\` in --json).

Exit codes: 0 graded (and at least --min-grade), 1 below --min-grade or unreachable, 2 usage error.
`;

/** The URL argument: http(s) URL, or a bare host name taken as https://host/. */
export function targetUrl(raw: string): URL {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`rampart scan: ${JSON.stringify(raw)} is not a URL; give https://host/ (or http://host/).`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UsageError(`rampart scan: only http: and https: URLs can be graded (got ${url.protocol}).`);
  if (url.username !== '' || url.password !== '') throw new UsageError('rampart scan: leave credentials out of the URL.');
  url.hash = '';
  return url;
}

/** The report as text: one line per test, then score and grade. */
export function formatReport(report: GradeReport): string {
  const width = Math.max(...report.tests.map((t) => t.name.length));
  const lines = [`rampart scan ${report.finalUrl}  (HTTP ${report.statusCode}; MDN HTTP Observatory scale, algorithm v${report.algorithmVersion})`, ''];
  for (const t of report.tests) {
    const modifier = t.scoreModifier > 0 ? `+${t.scoreModifier}` : String(t.scoreModifier);
    lines.push(`  ${t.pass ? 'pass' : 'FAIL'}  ${t.name.padEnd(width)}  ${modifier.padStart(3)}  ${t.result}`);
  }
  for (const r of report.refusedRedirects) lines.push('', `  refused redirect  ${r.from} -> ${r.location}`, `    ${r.reason}`);
  for (const w of report.warnings) lines.push('', `  warning  ${w}`);
  lines.push('', `Score: ${report.score}  Grade: ${report.grade}  (${report.testsPassed}/${report.tests.length} tests passed)`);
  return `${lines.join('\n')}\n`;
}

/** Entry of `rampart scan`; returns the exit code. */
export async function scanCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(
    'scan',
    argv,
    {
      'min-grade': { type: 'string' },
      json: { type: 'boolean' },
      ca: { type: 'string' },
      'http-port': { type: 'string' },
      'https-port': { type: 'string' },
      timeout: { type: 'string' },
      'allow-private': { type: 'boolean' },
    },
    true,
  );
  if (values.help === true) {
    process.stdout.write(SCAN_HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError(`rampart scan: give exactly one URL (got ${positionals.length}); the source scanner is now 'rampart lint'. See rampart scan --help.`);
  const url = targetUrl(positionals[0] as string);
  const rawMin = stringFlag(values, 'min-grade');
  let minGrade: Grade | undefined;
  if (rawMin !== undefined) {
    const normalised = rawMin.trim().toUpperCase();
    if (!isGrade(normalised)) throw new UsageError(`rampart scan: --min-grade must be one of ${GRADES.join(' ')} (got ${JSON.stringify(rawMin)}).`);
    minGrade = normalised;
  }
  const caFile = stringFlag(values, 'ca');
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (err) {
      throw new UsageError(`rampart scan: cannot read --ca ${JSON.stringify(caFile)} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`rampart scan: --ca ${JSON.stringify(caFile)} holds no PEM certificate.`);
  }
  const report = await gradeUrl(url, {
    httpPort: intFlag('scan', values, 'http-port', 1, 65535, 80),
    httpsPort: intFlag('scan', values, 'https-port', 1, 65535, 443),
    timeoutMs: intFlag('scan', values, 'timeout', 1, 300, 10) * 1000,
    ...(ca === undefined ? {} : { ca }),
    allowPrivate: values['allow-private'] === true,
  });
  process.stdout.write(values.json === true ? `${JSON.stringify({ ...report, minGrade: minGrade ?? null }, null, 2)}\n` : formatReport(report));
  if (minGrade !== undefined && !gradeAtLeast(report.grade, minGrade)) {
    if (values.json !== true) process.stderr.write(`rampart scan: grade ${report.grade} is below --min-grade ${minGrade}.\n`);
    return 1;
  }
  return 0;
}

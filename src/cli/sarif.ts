/**
 * SARIF 2.1.0 output for `rampart lint` and `rampart check` (the format GitHub code
 * scanning and other CI dashboards import). One run, the command's rule catalogue as
 * `tool.driver.rules`, one result per finding with a physical location.
 */
import { relative, sep } from 'node:path';
import { rampartVersion } from '../core/package-info.ts';
import type { Finding, RuleInfo, Severity } from './findings.ts';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };
const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const INFORMATION_URI = 'https://www.npmjs.com/package/rampart';

/** A file path as a SARIF URI: relative to `root` when inside it, forward slashes, percent-encoded. */
function artifactUri(file: string, root: string): string {
  const rel = relative(root, file);
  const inside = rel !== '' && !rel.startsWith('..') && !/^[A-Za-z]:/.test(rel) && !rel.startsWith(sep);
  const path = (inside ? rel : file).split(sep).join('/');
  return encodeURI(path);
}

/**
 * Build a SARIF 2.1.0 log. `command` names the run (`lint`, `check`); findings without a
 * file are placed at `fallbackFile` (line 1), because code-scanning services need a
 * location for every result. Paths are written relative to `root` (the working directory).
 */
export function toSarif(
  command: string,
  rules: readonly RuleInfo[],
  findings: readonly Finding[],
  options: { root: string; fallbackFile: string; fingerprints?: ReadonlyMap<Finding, string> },
): object {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'rampart',
            fullName: `rampart ${command}`,
            version: rampartVersion(),
            semanticVersion: rampartVersion(),
            informationUri: INFORMATION_URI,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/[^A-Za-z0-9]/g, ''),
              shortDescription: { text: r.title },
              fullDescription: { text: r.title },
              defaultConfiguration: { level: LEVEL[r.severity] },
            })),
          },
        },
        columnKind: 'utf16CodeUnits',
        results: findings.map((f) => ({
          ruleId: f.id,
          ruleIndex: index.get(f.id) ?? -1,
          level: LEVEL[f.severity],
          message: { text: f.hint !== undefined ? `${f.message} Fix: ${f.hint}` : f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: artifactUri(f.file ?? options.fallbackFile, options.root) },
                region: { startLine: f.line ?? 1, ...(f.column !== undefined ? { startColumn: f.column } : {}) },
              },
            },
          ],
          ...(options.fingerprints?.has(f) === true ? { partialFingerprints: { 'rampart/v1': options.fingerprints.get(f) } } : {}),
        })),
      },
    ],
  };
}

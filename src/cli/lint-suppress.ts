/**
 * Inline suppressions for `rampart lint`: `// rampart-ignore S010: reason` silences the
 * named rules on the comment's own line (a trailing comment) or on the next line (a comment
 * alone on its line). A suppression must say why: without a reason, or naming an unknown
 * rule, it suppresses nothing and is reported as RAMPART-S090.
 */
import type { Finding, RuleInfo } from './findings.ts';
import type { Comment } from './lint-lexer.ts';

/** The rule that reports a malformed suppression. */
export const SUPPRESSION_RULE: RuleInfo = {
  id: 'RAMPART-S090',
  severity: 'warning',
  title: 'A `rampart-ignore` comment without a reason or with an unknown rule id: it suppresses nothing. Write `// rampart-ignore S010: why this is safe`.',
};

const DIRECTIVE = /^[\s*]*rampart-ignore\b([^:\n]*)(?::([^\n]*))?/;
const MIN_REASON = 3;

interface Suppression {
  line: number;
  ids: Set<string>;
}

function normalise(id: string): string {
  return /^RAMPART-/i.test(id) ? id.toUpperCase() : `RAMPART-${id.toUpperCase()}`;
}

/**
 * Drop the findings that a well-formed `rampart-ignore` comment covers and add one
 * RAMPART-S090 per malformed comment. `codeLines` are the lines that hold a token.
 */
export function applySuppressions(
  findings: readonly Finding[],
  comments: readonly Comment[],
  codeLines: ReadonlySet<number>,
  file: string,
  known: ReadonlySet<string>,
): { findings: Finding[]; suppressed: number } {
  const suppressions: Suppression[] = [];
  const problems: Finding[] = [];
  for (const comment of comments) {
    const match = DIRECTIVE.exec(comment.text);
    if (match === null) continue;
    const ids = (match[1] ?? '').split(/[\s,]+/).filter((id) => id !== '');
    const reason = (match[2] ?? '').trim();
    const unknown = ids.map(normalise).filter((id) => !known.has(id));
    const problem =
      ids.length === 0
        ? 'rampart-ignore names no rule id'
        : unknown.length > 0
          ? `rampart-ignore names an unknown rule: ${unknown.join(', ')}`
          : reason.length < MIN_REASON
            ? `rampart-ignore ${ids.join(', ')} has no reason; add one after a colon`
            : undefined;
    if (problem !== undefined) {
      problems.push({
        id: SUPPRESSION_RULE.id,
        severity: SUPPRESSION_RULE.severity,
        message: `${problem} (it suppresses nothing).`,
        file,
        line: comment.line,
        column: 1,
      });
      continue;
    }
    // A trailing comment covers its own line; a comment alone on its line covers the next one.
    const line = codeLines.has(comment.line) ? comment.line : comment.endLine + 1;
    suppressions.push({ line, ids: new Set(ids.map(normalise)) });
  }
  if (suppressions.length === 0) return { findings: [...findings, ...problems], suppressed: 0 };
  const byLine = new Map<number, Set<string>>();
  for (const s of suppressions) {
    const ids = byLine.get(s.line) ?? new Set<string>();
    for (const id of s.ids) ids.add(id);
    byLine.set(s.line, ids);
  }
  const kept = findings.filter((f) => !(f.line !== undefined && byLine.get(f.line)?.has(f.id) === true));
  return { findings: [...kept, ...problems], suppressed: findings.length - kept.length };
}

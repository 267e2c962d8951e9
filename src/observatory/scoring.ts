/**
 * The MDN HTTP Observatory's scale (algorithm version 4): every result a test can give, its
 * score modifier, which results count as a pass, and the grade chart. Names and numbers are
 * the Observatory's, so a rampart score can be read next to one from observatory.mozilla.org.
 * @module
 */

/** The version of the Observatory's scoring this module reproduces. */
export const ALGORITHM_VERSION = 4;

/** The ten tests the Observatory grades, in its order. */
export const TEST_NAMES = [
  'content-security-policy',
  'cookies',
  'cross-origin-resource-sharing',
  'redirection',
  'referrer-policy',
  'strict-transport-security',
  'subresource-integrity',
  'x-content-type-options',
  'x-frame-options',
  'cross-origin-resource-policy',
] as const;

/** One of the ten test names. */
export type TestName = (typeof TEST_NAMES)[number];

/** Score modifier of every result name (results absent from this table score 0). */
export const MODIFIERS: Readonly<Record<string, number>> = Object.freeze({
  'csp-implemented-with-no-unsafe-default-src-none': 10,
  'csp-implemented-with-no-unsafe': 5,
  'csp-implemented-with-unsafe-inline-in-style-src-only': 0,
  'csp-implemented-with-insecure-scheme-in-passive-content-only': -10,
  'csp-implemented-with-unsafe-eval': -10,
  'csp-implemented-with-unsafe-inline': -20,
  'csp-implemented-with-insecure-scheme': -20,
  'csp-header-invalid': -25,
  'csp-not-implemented': -25,
  'csp-not-implemented-but-reporting-enabled': -25,
  'csp-implemented-but-duplicate-directives': 0,
  'cookies-secure-with-httponly-sessions-and-samesite': 5,
  'cookies-secure-with-httponly-sessions': 0,
  'cookies-not-found': 0,
  'cookies-without-secure-flag-but-protected-by-hsts': -5,
  'cookies-session-without-secure-flag-but-protected-by-hsts': -10,
  'cookies-without-secure-flag': -20,
  'cookies-samesite-flag-invalid': -20,
  'cookies-anticsrf-without-samesite-flag': -20,
  'cookies-session-without-httponly-flag': -30,
  'cookies-session-without-secure-flag': -40,
  'cross-origin-resource-sharing-not-implemented': 0,
  'cross-origin-resource-sharing-implemented-with-public-access': 0,
  'cross-origin-resource-sharing-implemented-with-restricted-access': 0,
  'cross-origin-resource-sharing-implemented-with-universal-access': -50,
  'redirection-all-redirects-preloaded': 0,
  'redirection-to-https': 0,
  'redirection-not-needed-no-http': 0,
  'redirection-off-host-from-http': -5,
  'redirection-not-to-https-on-initial-redirection': -10,
  'redirection-not-to-https': -20,
  'redirection-missing': -20,
  'redirection-invalid-cert': -20,
  'referrer-policy-private': 5,
  'referrer-policy-not-implemented': 0,
  'referrer-policy-unsafe': -5,
  'referrer-policy-header-invalid': -5,
  'hsts-preloaded': 5,
  'hsts-implemented-max-age-at-least-six-months': 0,
  'hsts-implemented-max-age-less-than-six-months': -10,
  'hsts-not-implemented': -20,
  'hsts-header-invalid': -20,
  'hsts-not-implemented-no-https': -20,
  'hsts-invalid-cert': -20,
  'sri-implemented-and-all-scripts-loaded-securely': 5,
  'sri-implemented-and-external-scripts-loaded-securely': 5,
  'sri-not-implemented-response-not-html': 0,
  'sri-not-implemented-but-no-scripts-loaded': 0,
  'sri-not-implemented-but-all-scripts-loaded-from-secure-origin': 0,
  'sri-not-implemented-but-external-scripts-loaded-securely': -5,
  'sri-implemented-but-external-scripts-not-loaded-securely': -20,
  'sri-not-implemented-and-external-scripts-not-loaded-securely': -50,
  'x-content-type-options-nosniff': 0,
  'x-content-type-options-not-implemented': -5,
  'x-content-type-options-header-invalid': -5,
  'x-frame-options-implemented-via-csp': 5,
  'x-frame-options-sameorigin-or-deny': 0,
  'x-frame-options-allow-from-origin': 0,
  'x-frame-options-not-implemented': -20,
  'x-frame-options-header-invalid': -20,
  'corp-header-invalid': -5,
  'corp-implemented-with-cross-origin': 0,
  'corp-implemented-with-same-origin': 10,
  'corp-implemented-with-same-site': 10,
  'corp-not-implemented': 0,
  'html-not-parseable': -20,
});

/** Grades from best to worst, as the Observatory spells them. */
export const GRADES = ['A+', 'A', 'A-', 'B+', 'B', 'B-', 'C+', 'C', 'C-', 'D+', 'D', 'D-', 'F'] as const;

/** One Observatory grade. */
export type Grade = (typeof GRADES)[number];

/** Lowest score of each grade (multiples of 5; every score from 100 up is A+). */
const GRADE_FLOORS: readonly (readonly [number, Grade])[] = [
  [100, 'A+'],
  [90, 'A'],
  [85, 'A-'],
  [80, 'B+'],
  [70, 'B'],
  [65, 'B-'],
  [60, 'C+'],
  [50, 'C'],
  [45, 'C-'],
  [40, 'D+'],
  [30, 'D'],
  [25, 'D-'],
  [0, 'F'],
];

/** Extra credit (positive modifiers) only counts when the score without it is at least this. */
export const MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90;

/** The grade of a final score (negative scores are 0, F). */
export function gradeForScore(score: number): Grade {
  const s = Math.max(score, 0);
  for (const [floor, grade] of GRADE_FLOORS) if (s >= floor) return grade;
  return 'F';
}

/** True when `grade` is `minimum` or better. */
export function gradeAtLeast(grade: Grade, minimum: Grade): boolean {
  return GRADES.indexOf(grade) <= GRADES.indexOf(minimum);
}

/** Narrow a string to a {@link Grade} (exact spelling, e.g. `B+`). */
export function isGrade(value: string): value is Grade {
  return (GRADES as readonly string[]).includes(value);
}

/** The score modifier of a result name (0 when the result carries none). */
export function modifierOf(result: string): number {
  return MODIFIERS[result] ?? 0;
}

/**
 * The Observatory's total: start at 100, subtract every penalty; add the bonuses only when
 * the penalised score is already {@link MINIMUM_SCORE_FOR_EXTRA_CREDIT} or more. Not clamped
 * here (the Observatory reports 0 for negative totals, see {@link finalScore}).
 */
export function totalScore(results: readonly string[]): number {
  let withCredit = 100;
  let penalised = 100;
  for (const result of results) {
    const m = modifierOf(result);
    withCredit += m;
    if (m < 0) penalised += m;
  }
  return penalised >= MINIMUM_SCORE_FOR_EXTRA_CREDIT ? withCredit : penalised;
}

/** The reported score: {@link totalScore}, at least 0 (it can exceed 100: A+ with extra credit). */
export function finalScore(results: readonly string[]): number {
  return Math.max(totalScore(results), 0);
}

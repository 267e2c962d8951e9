import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { PEERS, requirePeer } from '../../core/optional.ts';
import { checkKeys, configError, numberOption, optionsObject } from '../../core/options.ts';
import { similarity } from './similarity.ts';
import { foldedForm, hashForm, listForm, lookAlikeForm, visibleForm } from './normalize.ts';
import { isEntirelyNumeric } from './numeric.ts';

/** One reason a password is not acceptable. Codes follow Django's validators. */
export interface PasswordProblem {
  /**
   * `password_too_short` · `password_too_long` · `password_too_common` ·
   * `password_entirely_numeric` · `password_too_similar` · `password_too_weak`
   */
  code: string;
  /** A sentence fit to show the end user. */
  message: string;
}

/** Options of {@link validatePassword}. */
export interface ValidatePasswordOptions {
  /** The account the password is for: its attributes must not resemble the password. */
  user?: Record<string, unknown>;
  /** Attribute names of `user` compared with the password. Default: username, email, firstName, lastName, name. */
  userAttributes?: readonly string[];
  /**
   * Minimum length in characters (Unicode code points after NFKC, invisible characters such
   * as soft hyphens, zero-width spaces and controls not counted). Default 12 (the seed's minimum).
   */
  minLength?: number;
  /** Maximum length in characters (code points of the NFKC form, the one that is hashed). Default 128. */
  maxLength?: number;
  /** Similarity (0.1–1) at which a user attribute is "too similar". Default 0.7 (Django). */
  maxSimilarity?: number;
  /** Lowest acceptable zxcvbn score (0–4). Default 3. `0` disables the strength check. */
  minScore?: number;
}

const OPTION_NAMES = ['user', 'userAttributes', 'minLength', 'maxLength', 'maxSimilarity', 'minScore'];
const DEFAULT_ATTRIBUTES = ['username', 'email', 'firstName', 'lastName', 'name'];

type Common = typeof import('@zxcvbn-ts/language-common');

// The optional peers @zxcvbn-ts/core and @zxcvbn-ts/language-common load on first use
// (synchronously: validatePassword is synchronous; both ship CommonJS).
let common: Common | undefined;
// 49,233 passwords from the maintained zxcvbn-ts list (the most common leaked passwords).
let commonPasswords: ReadonlySet<string> | undefined;
let zxcvbn: ZxcvbnFactory | undefined;

function commonList(): ReadonlySet<string> {
  if (commonPasswords === undefined) {
    common ??= requirePeer<Common>(PEERS.validatePassword, '@zxcvbn-ts/language-common');
    commonPasswords = new Set((common.dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  }
  return commonPasswords;
}

function strength(): ZxcvbnFactory {
  if (zxcvbn === undefined) {
    const { ZxcvbnFactory: Factory } = requirePeer<typeof import('@zxcvbn-ts/core')>(PEERS.validatePassword, '@zxcvbn-ts/core');
    common ??= requirePeer<Common>(PEERS.validatePassword, '@zxcvbn-ts/language-common');
    zxcvbn = new Factory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });
  }
  return zxcvbn;
}

/**
 * The number of entries in the common-password list (for documentation and tests). Loads
 * the list (optional peer `@zxcvbn-ts/language-common`).
 */
export function commonPasswordCount(): number {
  return commonList().size;
}

/**
 * Check a password against Django's validator set plus zxcvbn: minimum and maximum
 * length, a common-password list (49k entries), entirely numeric, similarity to the
 * user's attributes, and a strength score. Returns every problem found (`[]` when
 * acceptable); each has a stable code and a message fit for end users.
 *
 * Needs the optional peers `@zxcvbn-ts/core` and `@zxcvbn-ts/language-common`
 * (`npm install @zxcvbn-ts/core @zxcvbn-ts/language-common`); without them the first call
 * throws ERR_RAMPART_MISSING_DEPENDENCY (checked before the password is looked at).
 *
 * @example
 * const problems = validatePassword(form.password, { user: { username: 'ada', email: 'ada@example.com' } });
 * if (problems.length) return res.status(400).json({ problems });
 */
export function validatePassword(password: string, options?: ValidatePasswordOptions): PasswordProblem[] {
  const o = optionsObject(options, 'validatePassword');
  checkKeys(o, OPTION_NAMES, 'validatePassword');
  const minLength = o.minLength === undefined ? 12 : numberOption(o.minLength, 'validatePassword.minLength', 1, 4096);
  const maxLength = o.maxLength === undefined ? 128 : numberOption(o.maxLength, 'validatePassword.maxLength', minLength, 4096);
  const maxSimilarity = o.maxSimilarity === undefined ? 0.7 : numberOption(o.maxSimilarity, 'validatePassword.maxSimilarity', 0.1, 1, false);
  const minScore = o.minScore === undefined ? 3 : numberOption(o.minScore, 'validatePassword.minScore', 0, 4);
  const attributes = o.userAttributes === undefined ? DEFAULT_ATTRIBUTES : (o.userAttributes as string[]);
  if (!Array.isArray(attributes) || attributes.some((a) => typeof a !== 'string'))
    throw configError('validatePassword.userAttributes must be a list of strings.');
  const user = o.user === undefined ? undefined : optionsObject(o.user, 'validatePassword.user');
  const list = commonList();
  const scorer = minScore > 0 ? strength() : undefined;

  if (typeof password !== 'string') return [{ code: 'password_required', message: 'Enter a password.' }];
  const problems: PasswordProblem[] = [];
  // The checks see what the user meant, not how it was encoded: fullwidth letters, a soft
  // hyphen or a zero-width space must not turn a listed password into an unlisted one.
  const visible = visibleForm(password);
  const folded = foldedForm(password);
  const length = codePoints(hashForm(password));
  if (codePoints(visible) < minLength) {
    problems.push({ code: 'password_too_short', message: `This password is too short. It must contain at least ${minLength} characters.` });
  }
  if (length > maxLength) {
    problems.push({ code: 'password_too_long', message: `This password is too long. It must contain at most ${maxLength} characters.` });
    return problems; // the remaining checks are pointless and costly on huge input
  }
  // Also without accents and with Cyrillic/Greek look-alikes as Latin letters (`pаssword`).
  if (list.has(folded.trim()) || list.has(listForm(password).trim())) {
    problems.push({ code: 'password_too_common', message: 'This password is too common.' });
  }
  if (isEntirelyNumeric(password)) {
    problems.push({ code: 'password_entirely_numeric', message: 'This password is entirely numeric.' });
  }
  const userInputs: string[] = [];
  if (user !== undefined) {
    const lower = folded;
    for (const name of attributes) {
      const value = user[name];
      if (typeof value !== 'string' || value.length === 0) continue;
      userInputs.push(value);
      const text = foldedForm(value.slice(0, 256));
      // Like Django: compare with the whole value and with each of its word parts.
      const parts = [text, ...text.split(/\W+/)].filter((p) => p.length > 0);
      if (parts.some((part) => lower.includes(part) && part.length >= 4) || parts.some((part) => similarity(lower, part) >= maxSimilarity)) {
        problems.push({ code: 'password_too_similar', message: `The password is too similar to the ${label(name)}.` });
        break;
      }
    }
  }
  if (scorer !== undefined && problems.length === 0) {
    const inputs = userInputs.map(visibleForm);
    const lookAlike = lookAlikeForm(password);
    // Scored as typed and as it looks: look-alike letters or accents must not lift a weak password.
    const score = Math.min(scorer.check(visible, inputs).score, lookAlike === visible ? 4 : scorer.check(lookAlike, inputs).score);
    if (score < minScore) {
      problems.push({ code: 'password_too_weak', message: 'This password is too easy to guess. Add more words or less predictable characters.' });
    }
  }
  return problems;
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function label(attribute: string): string {
  return attribute.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

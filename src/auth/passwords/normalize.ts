// Unicode handling of passwords, after NIST SP 800-63B §5.1.1.2: normalise with NFKC before
// hashing, so the same password typed on another keyboard, input method or OS (NFD "é",
// fullwidth letters from a CJK IME, a no-break space) hashes the same.

import { latinLookAlikes } from './look-alikes.ts';

/**
 * Code points that display as nothing, are controls or are format characters: soft hyphen,
 * zero-width space/joiners, word joiner, variation selectors, BOM, NUL, tab, bidi controls,
 * the interlinear annotation anchors U+FFF9–U+FFFB and every other General_Category Cf.
 */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}]/gu;
const COMBINING_MARK = /\p{M}/gu;

/** The form rampart hashes and compares: NFKC (invisible characters are kept: they are part of what the user typed). */
export function hashForm(password: string): string {
  return password.normalize('NFKC');
}

/** A password with its invisible code points removed (no normalisation): what the user sees. */
export function withoutInvisible(password: string): string {
  return password.replace(INVISIBLE, '');
}

/**
 * The form the strength check scores: NFKC with invisible code points removed (and NFKC
 * again, since removing a joiner can let a letter and its accent compose). Case is kept.
 */
export function visibleForm(password: string): string {
  return password.normalize('NFKC').replace(INVISIBLE, '').normalize('NFKC');
}

/**
 * The form the policy lists and comparisons use: {@link visibleForm} lower-cased (an
 * approximation of NFKC_Casefold), so `ｐａ\u00adＳＳword1234` is `password1234`.
 */
export function foldedForm(password: string): string {
  return visibleForm(password).toLowerCase().normalize('NFKC');
}

/**
 * The form compared with the common-password list (and scored a second time by zxcvbn, case
 * kept): {@link visibleForm} without combining marks (`pa\u0301ssword` is `password`: an accent
 * on a listed password is a guesser's first variation) and with Cyrillic and Greek letters that
 * look like Latin ones replaced by them (`pаssword` with a Cyrillic `а`). Never hashed.
 */
export function lookAlikeForm(password: string): string {
  return latinLookAlikes(visibleForm(password).normalize('NFD').replace(COMBINING_MARK, '').normalize('NFC'));
}

/** {@link lookAlikeForm} lower-cased: the key looked up in the common-password list. */
export function listForm(password: string): string {
  // Mapped again once lower-cased: a capital whose small letter is a look-alike (Cyrillic Һ, һ).
  return latinLookAlikes(lookAlikeForm(password).toLowerCase());
}

// Unicode handling of passwords, after NIST SP 800-63B §5.1.1.2: normalise with NFKC before
// hashing, so the same password typed on another keyboard, input method or OS (NFD "é",
// fullwidth letters from a CJK IME, a no-break space) hashes the same.

/** Code points that display as nothing or are controls: soft hyphen, zero-width space/joiners, word joiner, variation selectors, BOM, NUL, tab. */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cc}]/gu;

/** The form rampart hashes and compares: NFKC (invisible characters are kept: they are part of what the user typed). */
export function hashForm(password: string): string {
  return password.normalize('NFKC');
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

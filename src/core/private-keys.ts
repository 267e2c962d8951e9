/**
 * PEM-style private-key blocks (`-----BEGIN … PRIVATE KEY-----` … `-----END … PRIVATE KEY-----`:
 * PKCS#1, PKCS#8, EC, OPENSSH, ENCRYPTED, PGP `PRIVATE KEY BLOCK`), found by one linear scan
 * shared by the log's redaction (`redactString`) and PII detection (`findPii`). The body may
 * use LF, CRLF or the `\n` escapes of a JSON string: everything between the BEGIN and END
 * lines is body. In a URL or form body the spaces of the BEGIN line may be `%20` or `+`
 * (`-----BEGIN%20PRIVATE%20KEY-----%0A…`): the END line is then looked for encoded the same way. A BEGIN without an END is a block to the end of the text (fail closed).
 */

/** Where one private-key block lies in a text; every offset is a UTF-16 index. */
export interface PrivateKeyBlock {
  /** Start of `-----BEGIN`. */
  readonly start: number;
  /** Just after the BEGIN line's closing `-----`. */
  readonly bodyStart: number;
  /** Start of `-----END`, or the text's length when there is none. */
  readonly bodyEnd: number;
  /** Just after the END line's closing `-----`, or the text's length when it is missing. */
  readonly end: number;
}

const BEGIN = '-----BEGIN';
const END = '-----END';
const DASHES = '-----';
// Longest label looked at (`SSH2 ENCRYPTED PRIVATE KEY`, `PGP PRIVATE KEY BLOCK` are far shorter).
const MAX_LABEL = 80;

/** The space at `i`: ` `, `%20` (percent-encoded) or `+` (a form body); '' when none. */
function separatorAt(text: string, i: number): string {
  const c = text.charCodeAt(i);
  if (c === 0x20) return ' ';
  if (c === 0x2b) return '+';
  return text.startsWith('%20', i) ? '%20' : '';
}

/** Every private-key block of `text`, in order. Linear: the scan only moves forward. */
export function* privateKeyBlocks(text: string): Generator<PrivateKeyBlock> {
  let from = 0;
  for (;;) {
    const start = text.indexOf(BEGIN, from);
    if (start === -1) return;
    // The space after BEGIN, or its encoding in a URL (`%20`) or a form body (`+`).
    const space = separatorAt(text, start + BEGIN.length);
    if (space === '') {
      from = start + BEGIN.length;
      continue;
    }
    const labelStart = start + BEGIN.length + space.length;
    const labelEnd = text.indexOf(DASHES, labelStart);
    if (labelEnd === -1) return;
    // labelEnd is at most the next BEGIN, so the label scans never overlap.
    if (labelEnd - start > MAX_LABEL || !text.slice(labelStart, labelEnd).split(space).join(' ').includes('PRIVATE KEY')) {
      from = labelStart;
      continue;
    }
    const bodyStart = labelEnd + DASHES.length;
    const bodyEnd = text.indexOf(END + space, bodyStart);
    if (bodyEnd === -1) {
      yield { start, bodyStart, bodyEnd: text.length, end: text.length };
      return;
    }
    const closing = text.indexOf(DASHES, bodyEnd + END.length + space.length);
    if (closing === -1 || closing - bodyEnd > MAX_LABEL) {
      // An END line that never closes: the block runs to the end of the text; later blocks are still reported.
      yield { start, bodyStart, bodyEnd, end: text.length };
      from = bodyEnd + END.length + space.length;
      continue;
    }
    const end = closing + DASHES.length;
    yield { start, bodyStart, bodyEnd, end };
    from = end;
  }
}

/** `text` with the body of every private-key block replaced by `mask`; the BEGIN and END lines stay so a reader sees what was there. */
export function maskPrivateKeys(text: string, mask: string): string {
  let out = '';
  let last = 0;
  for (const block of privateKeyBlocks(text)) {
    out += text.slice(last, block.bodyStart) + mask;
    last = block.bodyEnd;
  }
  return last === 0 ? text : out + text.slice(last);
}

// Which answer a client wants for a rejection: an HTML page or problem+json. Only the two
// media types rampart can send are ranked, so this is not a general Accept parser.

/** Accept headers longer than this are not parsed (problem+json, as for a missing header). */
const MAX_ACCEPT = 4096;
/** At most this many media ranges are read. */
const MAX_RANGES = 64;

/** How well one media range matches a type: q-value, and specificity (2 exact, 1 `type/*`, 0 `*\/*`). */
interface Match {
  q: number;
  specificity: number;
}

const Q_VALUE = /^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i;

function better(current: Match | undefined, specificity: number, q: number): Match | undefined {
  // RFC 9110 §12.5.1: the most specific range that matches decides the q-value.
  if (current !== undefined && current.specificity >= specificity) {
    if (current.specificity > specificity || current.q >= q) return current;
  }
  return { q, specificity };
}

/**
 * True when the client ranks `text/html` above JSON (`application/problem+json` or
 * `application/json`): a higher q-value, or the same q-value through a more specific
 * range (`text/html, *\/*` prefers HTML; `*\/*` alone, `application/json, text/html` and a
 * missing header do not). Each type's q-value comes from the most specific range matching
 * it (RFC 9110 §12.5.1); ranges with a malformed q-value are ignored.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (accept === undefined || accept.length === 0 || accept.length > MAX_ACCEPT) return false;
  let html: Match | undefined;
  let json: Match | undefined;
  let ranges = 0;
  for (const part of accept.split(',')) {
    if (++ranges > MAX_RANGES) break;
    const params = part.split(';');
    const range = params[0]!.trim().toLowerCase();
    if (range.length === 0) continue;
    let q = 1;
    let valid = true;
    for (let i = 1; i < params.length; i++) {
      const param = params[i]!.trim();
      if (param.length < 2 || (param[0] !== 'q' && param[0] !== 'Q') || param[1] !== '=') continue;
      const found = Q_VALUE.exec(param);
      if (found === null) valid = false;
      else q = Number(found[1]);
      break; // parameters after q are accept-extensions
    }
    if (!valid) continue;
    if (range === '*/*') {
      html = better(html, 0, q);
      json = better(json, 0, q);
    } else if (range === 'text/*') html = better(html, 1, q);
    else if (range === 'text/html') html = better(html, 2, q);
    else if (range === 'application/*') json = better(json, 1, q);
    else if (range === 'application/json' || range === 'application/problem+json') {
      // Either JSON type will do: the best-ranked one counts.
      const exact: Match | undefined = json !== undefined && json.specificity === 2 ? json : undefined;
      json = exact === undefined ? { q, specificity: 2 } : { q: Math.max(exact.q, q), specificity: 2 };
    }
  }
  if (html === undefined || html.q === 0) return false;
  if (json === undefined) return true;
  return html.q > json.q || (html.q === json.q && html.specificity > json.specificity);
}

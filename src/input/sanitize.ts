import type sanitize from 'sanitize-html';
import { PEERS, requirePeer } from '../core/optional.ts';
import { checkKeys, optionsObject, boolOption, numberOption, stringList, configError } from '../core/options.ts';
import { RampartError } from '../errors.ts';

/** What {@link sanitizeHtml} keeps. Every field is optional; the default is the strict policy. */
export interface HtmlPolicy {
  /** Tags kept (others are removed, their text kept). Default: text formatting, lists, headings, links, tables, code. */
  allowedTags?: readonly string[];
  /** Attributes kept per tag (`'*'` for every tag). Default: `a: href, title`; `td/th: colspan, rowspan`; `abbr: title`. */
  allowedAttributes?: Readonly<Record<string, readonly string[]>>;
  /** URL schemes allowed in href/src. Default `['http', 'https', 'mailto']`. */
  allowedSchemes?: readonly string[];
  /** Keep `<img src alt width height>` with http(s) sources. Default false (no remote images: tracking pixels). */
  allowImages?: boolean;
  /** `rel` written on every kept link. Default `'noopener noreferrer nofollow'`; `false` to leave links as they are. */
  linkRel?: string | false;
  /** Longest input accepted, in characters. Default 100,000 (keeps the worst case — deeply nested tags — bounded). Longer input throws ERR_RAMPART_INPUT_TOO_LARGE (413). */
  maxLength?: number;
  /**
   * Deepest element nesting accepted (counted by a linear pre-scan; elements whose end tag
   * HTML lets you omit, such as `p`, `li`, `td`, and void elements do not count). Default 512.
   * The HTML parser's cost grows faster than linearly with unclosed nesting (tens of
   * thousands of `<b>` take hundreds of ms), so deeper input throws ERR_RAMPART_INPUT_TOO_LARGE (413).
   */
  maxDepth?: number;
}

const POLICY_KEYS = ['allowedTags', 'allowedAttributes', 'allowedSchemes', 'allowImages', 'linkRel', 'maxLength', 'maxDepth'];

// Elements that never nest (void) or whose end tag may be omitted: they do not deepen the tree
// the way an unclosed <b> or <div> does.
const NO_DEPTH = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'keygen',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
  'p',
  'li',
  'dt',
  'dd',
  'option',
  'optgroup',
  'tr',
  'td',
  'th',
  'thead',
  'tbody',
  'tfoot',
  'rb',
  'rt',
  'rp',
  'rtc',
  'colgroup',
  'caption',
  'html',
  'head',
  'body',
]);

function isTagNameChar(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39) || code === 0x2d;
}

/** True when open tags minus end tags (see {@link HtmlPolicy.maxDepth}) ever exceed `max`. Linear: every character is read at most twice. */
export function nestsDeeperThan(html: string, max: number): boolean {
  let depth = 0;
  let i = html.indexOf('<');
  while (i !== -1 && i < html.length - 1) {
    const closing = html.charCodeAt(i + 1) === 0x2f; /* / */
    let j = closing ? i + 2 : i + 1;
    if (html.startsWith('!--', i + 1)) {
      const end = html.indexOf('-->', i + 4);
      if (end === -1) return false;
      i = html.indexOf('<', end + 3);
      continue;
    }
    const start = j;
    while (j < html.length && isTagNameChar(html.charCodeAt(j))) j++;
    if (j > start) {
      const name = html.slice(start, j).toLowerCase();
      const end = html.indexOf('>', j);
      if (end === -1) return false;
      const selfClosing = html.charCodeAt(end - 1) === 0x2f;
      if (!NO_DEPTH.has(name) && !selfClosing) {
        if (closing) depth = depth > 0 ? depth - 1 : 0;
        else if (++depth > max) return true;
      }
      i = html.indexOf('<', end + 1);
    } else i = html.indexOf('<', i + 1);
  }
  return false;
}

/** The strict default tag list. */
export const DEFAULT_ALLOWED_TAGS: readonly string[] = Object.freeze([
  'a',
  'abbr',
  'b',
  'blockquote',
  'br',
  'caption',
  'code',
  'del',
  'dd',
  'dl',
  'dt',
  'em',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'i',
  'ins',
  'kbd',
  'li',
  'mark',
  'ol',
  'p',
  'pre',
  'q',
  's',
  'small',
  'span',
  'strong',
  'sub',
  'sup',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'u',
  'ul',
]);

// Tags that execute code, load active content, change the document, or parse their
// content differently (mXSS): never allowed, whatever the policy says.
const FORBIDDEN_TAGS = new Set([
  'script',
  'style',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'svg',
  'math',
  'form',
  'input',
  'button',
  'textarea',
  'select',
  'option',
  'base',
  'meta',
  'link',
  'noscript',
  'template',
  'xmp',
  'plaintext',
  'noembed',
  'noframes',
  'title',
  'html',
  'head',
  'body',
  'portal',
  'listing',
  'isindex',
  'param',
  'slot',
  'image',
]);
// Attributes that run code, load active content or enable DOM clobbering.
const FORBIDDEN_ATTRIBUTE =
  /^(on|formaction$|srcdoc$|style$|action$|xlink:|xmlns|is$|id$|name$|form$|background$|dynsrc$|lowsrc$|ping$|poster$|data$|codebase$|http-equiv$)/i;
const FORBIDDEN_SCHEMES = new Set(['javascript', 'vbscript', 'data', 'file', 'blob', 'filesystem', 'about']);
// Elements whose whole content is dropped along with them.
const DROP_WITH_CONTENT = [
  'script',
  'style',
  'textarea',
  'option',
  'noscript',
  'template',
  'xmp',
  'iframe',
  'noembed',
  'noframes',
  'plaintext',
  'title',
  'object',
  'applet',
  'svg',
  'math',
  'select',
];

const URL_ATTRIBUTES = ['href', 'src', 'cite', 'action', 'srcset', 'longdesc', 'usemap'];
// Browsers strip only ASCII whitespace before a scheme, but other engines and later
// processing (copy/paste, markdown, mail clients) may strip more: be strict and drop any
// URL whose scheme, once every Unicode space, control and format character is removed,
// is a script scheme.
const INVISIBLE = /[\p{Z}\p{Cc}\p{Cf}]/gu;
const SCRIPT_SCHEME = /^(?:javascript|vbscript|data|livescript|mocha|file|blob|filesystem):$/;

function withoutScriptUrls(attribs: sanitize.Attributes): sanitize.Attributes {
  let out = attribs;
  for (const name of URL_ATTRIBUTES) {
    const value = attribs[name];
    if (value === undefined) continue;
    if (/^[\s\u0000-\u001f]*[/\\]{2}|^[\s\u0000-\u001f]*\/\\/.test(value)) {
      // protocol-relative (`//evil.example`, `/\\evil.example`): another origin
      if (out === attribs) out = { ...attribs };
      delete out[name];
      continue;
    }
    const colon = value.indexOf(':');
    if (colon === -1) continue;
    const head = value.slice(0, colon + 1).trim();
    const cleaned = head.replace(INVISIBLE, '');
    if (cleaned !== head || SCRIPT_SCHEME.test(cleaned.toLowerCase())) {
      if (out === attribs) out = { ...attribs };
      delete out[name];
    }
  }
  return out;
}

interface CompiledHtmlPolicy {
  options: sanitize.IOptions;
  maxLength: number;
  maxDepth: number;
}

const cache = new WeakMap<object, CompiledHtmlPolicy>();
let defaultPolicy: CompiledHtmlPolicy | undefined;

function compile(policy: HtmlPolicy | undefined): CompiledHtmlPolicy {
  if (policy === undefined) {
    defaultPolicy ??= build({});
    return defaultPolicy;
  }
  const hit = cache.get(policy);
  if (hit) return hit;
  const built = build(policy);
  cache.set(policy, built);
  return built;
}

function build(policy: HtmlPolicy): CompiledHtmlPolicy {
  const opts = optionsObject(policy, 'sanitizeHtml');
  checkKeys(opts, POLICY_KEYS, 'sanitizeHtml');
  const allowImages = opts.allowImages === undefined ? false : boolOption(opts.allowImages, 'sanitizeHtml.allowImages');
  const tags = (opts.allowedTags === undefined ? [...DEFAULT_ALLOWED_TAGS] : stringList(opts.allowedTags, 'sanitizeHtml.allowedTags')).map((t) =>
    t.toLowerCase(),
  );
  for (const tag of tags) {
    if (FORBIDDEN_TAGS.has(tag))
      throw configError(`sanitizeHtml.allowedTags: <${tag}> can run code or change how the markup is parsed and cannot be allowed; render it another way.`);
  }
  if (allowImages && !tags.includes('img')) tags.push('img');
  if (!allowImages && tags.includes('img')) throw configError('sanitizeHtml.allowedTags: use allowImages: true to keep <img> (http/https sources only).');

  const attributes: Record<string, string[]> =
    opts.allowedAttributes === undefined ? { a: ['href', 'title'], abbr: ['title'], td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan', 'scope'] } : {};
  if (opts.allowedAttributes !== undefined) {
    if (typeof opts.allowedAttributes !== 'object' || opts.allowedAttributes === null || Array.isArray(opts.allowedAttributes)) {
      throw configError('sanitizeHtml.allowedAttributes must be an object mapping a tag (or "*") to a list of attribute names.');
    }
    for (const [tag, list] of Object.entries(opts.allowedAttributes as Record<string, unknown>)) {
      const names = stringList(list, `sanitizeHtml.allowedAttributes.${tag}`).map((n) => n.toLowerCase());
      for (const name of names) {
        if (FORBIDDEN_ATTRIBUTE.test(name))
          throw configError(`sanitizeHtml.allowedAttributes.${tag}: "${name}" can run code, load active content or clobber the DOM and cannot be allowed.`);
      }
      attributes[tag.toLowerCase()] = names;
    }
  }
  if (allowImages) attributes.img = [...new Set([...(attributes.img ?? []), 'src', 'alt', 'width', 'height', 'title'])];

  const schemes = (opts.allowedSchemes === undefined ? ['http', 'https', 'mailto'] : stringList(opts.allowedSchemes, 'sanitizeHtml.allowedSchemes')).map((s) =>
    s.toLowerCase().replace(/:$/, ''),
  );
  for (const s of schemes) {
    if (FORBIDDEN_SCHEMES.has(s)) throw configError(`sanitizeHtml.allowedSchemes: ${s}: URLs can run code and cannot be allowed.`);
  }
  let linkRel: string | false = 'noopener noreferrer nofollow';
  if (opts.linkRel !== undefined) {
    if (opts.linkRel !== false && typeof opts.linkRel !== 'string') throw configError('sanitizeHtml.linkRel must be a string or false.');
    linkRel = opts.linkRel as string | false;
  }
  const maxLength = opts.maxLength === undefined ? 100_000 : numberOption(opts.maxLength, 'sanitizeHtml.maxLength', 1, 100_000_000);
  const maxDepth = opts.maxDepth === undefined ? 512 : numberOption(opts.maxDepth, 'sanitizeHtml.maxDepth', 1, 100_000);

  const options: sanitize.IOptions = {
    allowedTags: tags,
    allowedAttributes: attributes,
    allowedSchemes: schemes,
    allowedSchemesByTag: allowImages ? { img: ['http', 'https'] } : {},
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite', 'action', 'srcset', 'longdesc', 'usemap'],
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    nonTextTags: DROP_WITH_CONTENT,
    enforceHtmlBoundary: false,
    parseStyleAttributes: false,
    nestingLimit: 100,
    allowVulnerableTags: false,
    transformTags: {
      '*': (tagName, attribs) => ({ tagName, attribs: withoutScriptUrls(attribs) }),
      ...(linkRel === false
        ? {}
        : {
            a: (tagName: string, attribs: sanitize.Attributes) => {
              const clean = withoutScriptUrls(attribs);
              return { tagName, attribs: clean.href === undefined ? clean : { ...clean, rel: linkRel } };
            },
          }),
    },
  };
  if (linkRel !== false) (options.allowedAttributes as Record<string, string[]>).a = [...new Set([...(attributes.a ?? []), 'rel'])];
  return { options, maxLength, maxDepth };
}

/**
 * Sanitise untrusted HTML for display with a strict allowlist (sanitize-html, a real
 * HTML parser — never regexes). By default keeps text formatting, lists, headings,
 * tables, code and http/https/mailto links (with `rel="noopener noreferrer nofollow"`);
 * drops scripts, styles, event handlers, forms, frames, SVG/MathML, `id`/`name`
 * (DOM clobbering) and `javascript:`/`data:` URLs. A policy can narrow or widen the
 * allowlist, but never to tags or attributes that run code.
 *
 * @throws RampartError ERR_RAMPART_INPUT_TOO_LARGE (413) when the input is longer than `maxLength` or nested deeper than `maxDepth`.
 * @example
 * sanitizeHtml('<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:x">y</a></p>');
 * // → '<p>Hi <a>y</a></p>'
 */
export function sanitizeHtml(html: unknown, policy?: HtmlPolicy): string {
  const { options, maxLength, maxDepth } = compile(policy);
  if (html === null || html === undefined) return '';
  const text = typeof html === 'string' ? html : String(html);
  if (text.length > maxLength) {
    throw new RampartError('ERR_RAMPART_INPUT_TOO_LARGE', `sanitizeHtml: input is ${text.length} characters, over maxLength ${maxLength}.`);
  }
  if (nestsDeeperThan(text, maxDepth)) {
    throw new RampartError(
      'ERR_RAMPART_INPUT_TOO_LARGE',
      `sanitizeHtml: elements are nested more than maxDepth ${maxDepth} deep (raise maxDepth if your documents really nest this deep).`,
    );
  }
  // NUL is replaced by U+FFFD by browsers anyway; removing it keeps parser and browser in agreement.
  const clean = requirePeer<typeof sanitize>(PEERS.sanitizeHtml, 'sanitize-html');
  let out = clean(text.replaceAll('\0', ''), options);
  // A dropped element's children move up into its parent, which can nest what HTML does
  // not allow (`<p><x><p>` → `<p><p></p></p>`); a browser re-parses that into another
  // tree. Sanitise the output again until it is stable, so it means what the browser builds.
  // Output without a single tag is text only: there is no tree to re-parse.
  for (let pass = 0; pass < MAX_PASSES && out.indexOf('<') !== -1; pass++) {
    const again = clean(out, options);
    if (again === out) break;
    out = again;
  }
  return out;
}

const MAX_PASSES = 3;

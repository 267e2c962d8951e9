import type { RampartErrorCode } from '../errors.ts';
import type { Reply } from './types.ts';

// The small HTML page a browser gets instead of problem+json when rampart rejects its
// request. Nothing from the request reaches the page: its words are fixed per status (or
// code) and the only variable is a Retry-After that rampart itself computed (digits only).

/** The page's whole stylesheet; {@link PAGE_STYLE_HASH} is its SHA-256 (a test keeps them in step). */
export const PAGE_STYLE =
  'body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1f2328;background:#f6f8fa}main{max-width:36rem;margin:12vh auto;padding:2rem;background:#fff;border:1px solid #d0d7de;border-radius:8px}h1{margin:0 0 .5rem;font-size:1.5rem}p{margin:.5rem 0}.status{color:#59636e;font-size:.875rem}@media (prefers-color-scheme:dark){body{color:#e6edf3;background:#0d1117}main{background:#161b22;border-color:#30363d}.status{color:#9198a1}}';

/** CSP source for {@link PAGE_STYLE}: a constant, so no runtime needs a hash function. */
export const PAGE_STYLE_HASH = "'sha256-oKn5bNEawG0nTMHO+p7eK9EmzKa48AxIT7K6vtKHZoA='";

/** The page's Content-Security-Policy: no script, no resource at all, only its own hashed style. */
export const PAGE_CSP = `default-src 'none'; style-src ${PAGE_STYLE_HASH}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

/** Heading and explanation, in plain language. */
type Words = readonly [heading: string, explanation: string];

const BY_CODE: Partial<Record<RampartErrorCode, Words>> = {
  ERR_RAMPART_CSRF_REJECTED: [
    'This form could not be verified',
    "The request did not come from this site's own page, or the page was open for too long. Go back, reload the page and try again.",
  ],
};

const BY_STATUS: Record<number, Words> = {
  400: ['Bad request', 'The server could not accept this request as it was sent. Check the address and try again.'],
  401: ['Sign-in required', 'You need to sign in to see this page.'],
  403: ['Access denied', 'The server refused this request.'],
  405: ['Method not allowed', 'This address does not accept this kind of request.'],
  408: ['Request timed out', 'The server stopped waiting for the rest of your request. Please try again.'],
  411: ['Length required', 'The server needs to know the size of what you send.'],
  413: ['Request too large', 'What you sent is larger than this server accepts.'],
  415: ['Unsupported content', 'The server does not accept this kind of content here.'],
  429: ['Too many requests', 'You have sent too many requests in a short time.'],
  500: ['Something went wrong', 'The server could not check this request. Please try again later.'],
  503: ['Service unavailable', 'The server cannot handle this request right now. Please try again shortly.'],
};

/** Plain-language heading and explanation for a rejection. */
export function pageWords(status: number, code?: RampartErrorCode): Words {
  return (
    (code === undefined ? undefined : BY_CODE[code]) ??
    BY_STATUS[status] ??
    (status >= 500 ? ['Server error', 'The server could not handle this request.'] : ['Request refused', 'The server refused this request.'])
  );
}

const encoder = new TextEncoder();
const cache = new Map<string, Reply>();
const CACHE_LIMIT = 256;

/**
 * The HTML page for a rejection with `status` (and `code`, when the status alone says
 * too little): `text/html; charset=utf-8`, `Cache-Control: no-store`, {@link PAGE_CSP},
 * an exact Content-Length. `retryAfter` (seconds) is shown when given.
 */
export function rejectionPage(status: number, code?: RampartErrorCode, retryAfter?: number): Reply {
  const wait = retryAfter !== undefined && Number.isSafeInteger(retryAfter) && retryAfter >= 0 ? retryAfter : undefined;
  const key = `${status} ${code ?? ''} ${wait ?? ''}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const [heading, explanation] = pageWords(status, code);
  const retry = wait === undefined ? '' : `\n<p>Please wait ${wait === 1 ? '1 second' : `${wait} seconds`} before trying again.</p>`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${status} ${heading}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<main>
<h1>${heading}</h1>
<p>${explanation}</p>${retry}
<p class="status">Error ${status}</p>
</main>
</body>
</html>
`;
  const body = encoder.encode(html);
  const reply: Reply = Object.freeze({
    status,
    headers: Object.freeze({
      'content-type': 'text/html; charset=utf-8',
      'content-length': String(body.byteLength),
      'cache-control': 'no-store',
      'content-security-policy': PAGE_CSP,
    }),
    body,
  });
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, reply);
  return reply;
}

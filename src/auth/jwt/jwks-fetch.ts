/**
 * The fetch a remote JWKS is read with: jose's own request (GET, no redirects, its timeout
 * signal), with the body read up to a bound. An issuer's key set is a few KiB; a larger answer
 * (a hostile or broken endpoint streaming without end) is cut off and the connection closed,
 * instead of being buffered whole by one verify().
 */

/** Largest JWKS body read, in bytes (512 KiB: hundreds of RSA keys). */
export const MAX_JWKS_BYTES = 512 * 1024;

/** The request options jose passes to its fetch implementation. */
interface JoseFetchOptions {
  headers: Headers;
  method: 'GET';
  redirect: 'manual';
  signal: AbortSignal;
}

/**
 * A fetch for jose's `customFetch` that refuses a body over `limit` bytes: declared by
 * Content-Length, or counted while reading. `tooLarge` makes the error (jose's JWKSInvalid,
 * which verify() reports as "keys could not be obtained").
 */
export function boundedJwksFetch(tooLarge: (message: string) => Error, limit = MAX_JWKS_BYTES) {
  return async function fetchJwks(url: string, options: JoseFetchOptions): Promise<Response> {
    const stop = new AbortController();
    const response = await fetch(url, { ...options, signal: AbortSignal.any([options.signal, stop.signal]) });
    if (response.status !== 200 || response.body === null) return response;
    const refuse = (): never => {
      stop.abort();
      throw tooLarge(`The JSON Web Key Set response is larger than ${limit} bytes.`);
    };
    const declared = Number(response.headers.get('content-length'));
    if (declared > limit) {
      await response.body.cancel().catch(() => {});
      refuse();
    }
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        refuse();
      }
      chunks.push(value);
    }
    return new Response(Buffer.concat(chunks), { status: response.status, headers: response.headers });
  };
}

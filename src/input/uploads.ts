import { Readable } from 'node:stream';
import type busboy from 'busboy';
import { checkPeer, lazyPeer, PEERS } from '../core/optional.ts';
import { problem } from '../core/problem.ts';
import { viewOf } from '../core/registry.ts';
import { checkKeys, optionsObject, numberOption, boolOption, stringList, configError, renamedOption } from '../core/options.ts';
import { warnConfig } from '../core/events.ts';
import type { Middleware } from '../core/types.ts';
import { RampartError, isRampartError } from '../errors.ts';
import { mediaType } from './body.ts';
import { safeFilename } from './paths.ts';

/** One accepted file. */
export interface UploadedFile {
  /** Form field name. */
  field: string;
  /** Sanitised file name (see safeFilename); never use it as a path without safeJoin. */
  filename: string;
  /** The name the client sent (untrusted; for display only after escaping). */
  originalName: string;
  /** MIME type sniffed from the bytes (magic numbers), which the declared type and extension agreed with. */
  mime: string;
  /** Canonical extension for `mime`. */
  ext: string;
  size: number;
  data: Uint8Array;
  /** True for content that can run script when served inline (SVG): serve as an attachment or from a sandboxed origin. */
  active: boolean;
}

/** Parsed multipart body: accepted files and text fields. */
export interface UploadResult {
  files: UploadedFile[];
  fields: Record<string, string | string[]>;
}

/** Options for {@link uploads} and {@link parseMultipart}. */
export interface UploadOptions {
  /** Most files per request. Default 1. */
  maxFiles?: number;
  /** Largest file in bytes. Default 10 MiB. */
  maxFileBytes?: number;
  /** @deprecated Old name of `maxFileBytes` (same value and unit); still accepted. */
  maxFileSize?: number;
  /** Most non-file fields. Default 50. */
  maxFields?: number;
  /** Largest field value in bytes. Default 64 KiB. */
  maxFieldBytes?: number;
  /** @deprecated Old name of `maxFieldBytes` (same value and unit); still accepted. */
  maxFieldSize?: number;
  /** Largest whole request body in bytes. Default maxFiles × maxFileBytes + maxFields × maxFieldBytes + 64 KiB. */
  maxTotalBytes?: number;
  /** @deprecated Old name of `maxTotalBytes` (same value and unit); still accepted. */
  maxTotalSize?: number;
  /** Sniffed MIME types accepted. Default `['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf']`. */
  allowedTypes?: readonly string[];
  /** File field names accepted. Default any. */
  fileFields?: readonly string[];
  /** Accept SVG (`image/svg+xml`, active content that can run script). Default false. */
  allowSvg?: boolean;
  /** Require a file name extension that matches the sniffed type. Default true. */
  requireExtension?: boolean;
  /** Re-encode hook (e.g. decode and re-encode images with sharp to drop polyglot payloads and metadata); its output replaces `data` and is sniffed again. */
  reencode?: (file: UploadedFile) => Uint8Array | Promise<Uint8Array>;
}

const KEYS = [
  'maxFiles',
  'maxFileBytes',
  'maxFileSize',
  'maxFields',
  'maxFieldBytes',
  'maxFieldSize',
  'maxTotalBytes',
  'maxTotalSize',
  'allowedTypes',
  'fileFields',
  'allowSvg',
  'requireExtension',
  'reencode',
];
const DEFAULT_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf'];
// Extensions a sniffed type may legitimately carry.
const EXTENSION_ALIASES: Record<string, readonly string[]> = {
  'image/jpeg': ['jpg', 'jpeg', 'jpe', 'jfif'],
  'image/tiff': ['tif', 'tiff'],
  'image/svg+xml': ['svg'],
  'text/plain': ['txt', 'text', 'log', 'md'],
  'text/csv': ['csv'],
  'audio/mpeg': ['mp3'],
  'video/mp4': ['mp4', 'm4v'],
};
const DECLARED_ALIASES: Record<string, string> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/x-png': 'image/png',
  'application/x-pdf': 'application/pdf',
};
const TEXT_TYPES = new Set(['text/plain', 'text/csv']);

interface Compiled {
  maxFiles: number;
  maxFileSize: number;
  maxFields: number;
  maxFieldSize: number;
  maxTotalSize: number;
  allowed: Set<string>;
  fileFields: Set<string> | undefined;
  allowSvg: boolean;
  requireExtension: boolean;
  reencode: UploadOptions['reencode'];
}

// busboy and file-type are optional peers: checked when uploads()/parseMultipart() is
// called (no loading), imported with the first multipart body.
const loadBusboy = lazyPeer(PEERS.uploads, () => import('busboy'));
const loadFileType = lazyPeer(PEERS.uploads, () => import('file-type'));

function compile(options: UploadOptions): Compiled {
  const opts = optionsObject(options, 'uploads');
  checkKeys(opts, KEYS, 'uploads');
  checkPeer(PEERS.uploads);
  const maxFiles = opts.maxFiles === undefined ? 1 : numberOption(opts.maxFiles, 'uploads.maxFiles', 0, 1000);
  const fileBytes = renamedOption(opts, 'maxFileBytes', 'maxFileSize', 'uploads');
  const fieldBytes = renamedOption(opts, 'maxFieldBytes', 'maxFieldSize', 'uploads');
  const totalBytes = renamedOption(opts, 'maxTotalBytes', 'maxTotalSize', 'uploads');
  const maxFileSize = fileBytes === undefined ? 10 * 1024 * 1024 : numberOption(fileBytes, 'uploads.maxFileBytes', 1, 2 ** 32);
  const maxFields = opts.maxFields === undefined ? 50 : numberOption(opts.maxFields, 'uploads.maxFields', 0, 10_000);
  const maxFieldSize = fieldBytes === undefined ? 64 * 1024 : numberOption(fieldBytes, 'uploads.maxFieldBytes', 1, 2 ** 30);
  const maxTotalSize =
    totalBytes === undefined
      ? Math.min(maxFiles * maxFileSize + maxFields * maxFieldSize + 64 * 1024, 2 ** 32)
      : numberOption(totalBytes, 'uploads.maxTotalBytes', 1, 2 ** 32);
  const allowSvg = opts.allowSvg === undefined ? false : boolOption(opts.allowSvg, 'uploads.allowSvg');
  const allowed = new Set(
    (opts.allowedTypes === undefined ? DEFAULT_TYPES : stringList(opts.allowedTypes, 'uploads.allowedTypes')).map((t) => t.toLowerCase()),
  );
  if (allowed.has('image/svg+xml') && !allowSvg) {
    throw configError(
      'uploads.allowedTypes contains image/svg+xml: SVG can run script; also set allowSvg: true and serve uploads as attachments or from a sandboxed origin.',
    );
  }
  if (allowSvg) {
    allowed.add('image/svg+xml');
    warnConfig('uploads: SVG uploads are allowed (active content); serve them with Content-Disposition: attachment or from a separate sandboxed origin.');
  }
  for (const t of allowed)
    if (!/^[a-z]+\/[a-z0-9.+-]+$/.test(t)) throw configError(`uploads.allowedTypes: ${JSON.stringify(t)} is not a MIME type like 'image/png'.`);
  if (opts.reencode !== undefined && typeof opts.reencode !== 'function')
    throw configError('uploads.reencode must be a function (file) => Uint8Array | Promise<Uint8Array>.');
  return {
    maxFiles,
    maxFileSize,
    maxFields,
    maxFieldSize,
    maxTotalSize,
    allowed,
    fileFields: opts.fileFields === undefined ? undefined : new Set(stringList(opts.fileFields, 'uploads.fileFields')),
    allowSvg,
    requireExtension: opts.requireExtension === undefined ? true : boolOption(opts.requireExtension, 'uploads.requireExtension'),
    reencode: opts.reencode as UploadOptions['reencode'],
  };
}

const limit = (message: string) => new RampartError('ERR_RAMPART_UPLOAD_LIMIT', message);
const badType = (message: string) => new RampartError('ERR_RAMPART_UPLOAD_TYPE', message);
const malformed = (message: string) => new RampartError('ERR_RAMPART_UPLOAD_MALFORMED', message);

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

function looksLikeSvg(data: Uint8Array): boolean {
  const head = new TextDecoder('utf-8', { fatal: false })
    .decode(data.subarray(0, 4096))
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase();
  if (head.startsWith('<?xml') && head.includes('<svg')) return true;
  // Prologue scanner (a regex with a repeated lazy comment group was exponential on a chain
  // of `<!--`): an optional XML declaration (≤ 200 characters), then comments (≤ 1,000
  // characters each, ending at the first `-->`), each followed by ≤ 100 white-space characters.
  let i = 0;
  if (head.startsWith('<?xml')) {
    const close = head.indexOf('?>', 5);
    if (close !== -1 && close - 5 <= 200 && head.indexOf('>', 5) === close + 1) i = skipSpace(head, close + 2, 100);
  }
  while (head.startsWith('<!--', i)) {
    const close = head.indexOf('-->', i + 4);
    if (close === -1 || close - (i + 4) > 1000) return false;
    i = skipSpace(head, close + 3, 100);
  }
  if (head.startsWith('<svg', i)) return i + 4 < head.length && (head[i + 4] === '>' || isSpace(head[i + 4]!));
  if (!head.startsWith('<!doctype', i)) return false;
  const name = skipSpace(head, i + 9, head.length);
  return name > i + 9 && head.startsWith('svg', name);
}

function isSpace(ch: string): boolean {
  return ch.trim() === '';
}

/** Index after at most `max` white-space characters from `from`. */
function skipSpace(text: string, from: number, max: number): number {
  let i = from;
  while (i < text.length && i - from < max && isSpace(text[i]!)) i++;
  return i;
}

function looksLikeMarkup(text: string): boolean {
  return /<\s{0,3}(?:script|html|svg|iframe|object|embed|body|img|a\s|!doctype|\?xml)/i.test(text.slice(0, 8192));
}

/** Decide a file's real type from its bytes and check it against the policy. */
async function classify(data: Uint8Array, declared: string, name: string, c: Compiled): Promise<{ mime: string; ext: string; active: boolean }> {
  const declaredType = DECLARED_ALIASES[declared] ?? declared;
  const ext = extensionOf(name);
  let mime: string;
  let canonicalExt: string;
  let active = false;
  const sniffed = await (await loadFileType()).fileTypeFromBuffer(data);
  if (sniffed !== undefined && sniffed.mime !== 'application/xml') {
    mime = sniffed.mime;
    canonicalExt = sniffed.ext;
  } else if (looksLikeSvg(data)) {
    if (!c.allowSvg) throw badType('SVG files can contain script and are not accepted.');
    mime = 'image/svg+xml';
    canonicalExt = 'svg';
    active = true;
  } else {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(data);
    } catch {
      throw badType('the file type could not be recognised from its content.');
    }
    if (text.includes('\0') || looksLikeMarkup(text) || !TEXT_TYPES.has(declaredType)) throw badType('the file type could not be recognised from its content.');
    mime = declaredType;
    canonicalExt = EXTENSION_ALIASES[mime]![0]!;
  }
  if (!c.allowed.has(mime)) throw badType(`files of type ${mime} are not accepted.`);
  if (declaredType !== mime) throw badType(`the declared type ${declared || '(none)'} does not match the content (${mime}).`);
  const okExtensions = EXTENSION_ALIASES[mime] ?? [canonicalExt];
  if (ext === '' ? c.requireExtension : !okExtensions.includes(ext)) {
    throw badType(`the file name extension ${ext === '' ? '(none)' : `.${ext}`} does not match the content (${mime}).`);
  }
  return { mime, ext: canonicalExt, active };
}

/**
 * Parse a multipart/form-data body with busboy under hard limits (file count, field
 * count, sizes), sniff every file's type from its magic bytes (file-type) against an
 * allowlist, require the declared Content-Type and the file name extension to agree with
 * the sniffed type, sanitise file names, refuse SVG (active content) unless allowed, and
 * run the optional re-encode hook. `source` may be a Node stream (parsed as it arrives,
 * aborted at the first exceeded limit) or the complete body.
 *
 * Needs the optional peers `busboy` and `file-type` (`npm install busboy file-type`).
 *
 * @throws RampartError ERR_RAMPART_CONFIG / ERR_RAMPART_UNKNOWN_OPTION synchronously for bad options, ERR_RAMPART_MISSING_DEPENDENCY without busboy or file-type; the promise
 * rejects with ERR_RAMPART_UPLOAD_LIMIT (413), ERR_RAMPART_UPLOAD_TYPE (415) or ERR_RAMPART_UPLOAD_MALFORMED (400).
 */
export function parseMultipart(source: Readable | Uint8Array, contentType: string, options: UploadOptions = {}): Promise<UploadResult> {
  const compiled = compile(options); // option errors throw synchronously
  return parseCompiled(source, contentType, compiled);
}

async function parseCompiled(source: Readable | Uint8Array, contentType: string, c: Compiled): Promise<UploadResult> {
  if (!/^multipart\/form-data\s*;.*boundary=/i.test(contentType)) throw malformed('expected multipart/form-data with a boundary.');
  const { default: createParser } = await loadBusboy();
  let parser: busboy.Busboy;
  try {
    parser = createParser({
      headers: { 'content-type': contentType },
      limits: {
        files: c.maxFiles,
        fileSize: c.maxFileSize,
        fields: c.maxFields,
        fieldSize: c.maxFieldSize,
        parts: c.maxFiles + c.maxFields,
        headerPairs: 50,
        fieldNameSize: 200,
      },
      preservePath: false,
      defParamCharset: 'utf8',
    });
  } catch (error) {
    throw malformed(`invalid multipart headers (${(error as Error).message}).`);
  }
  const raw: Array<{ field: string; originalName: string; declared: string; chunks: Buffer[]; size: number }> = [];
  const fields: Record<string, string | string[]> = Object.create(null);
  let total = 0;

  const parsed = new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (error: RampartError) => {
      if (failed) return;
      failed = true;
      if (source instanceof Readable) source.unpipe(parser);
      reject(error);
    };
    parser.on('file', (field, stream, info) => {
      if (c.fileFields !== undefined && !c.fileFields.has(field)) {
        stream.resume();
        fail(malformed(`unexpected file field ${JSON.stringify(field.slice(0, 40))}.`));
        return;
      }
      const entry = { field, originalName: info.filename ?? '', declared: (info.mimeType ?? '').toLowerCase(), chunks: [] as Buffer[], size: 0 };
      raw.push(entry);
      stream.on('data', (chunk: Buffer) => {
        entry.size += chunk.length;
        total += chunk.length;
        if (total > c.maxTotalSize) fail(limit(`the upload is larger than ${c.maxTotalSize} bytes.`));
        else entry.chunks.push(chunk);
      });
      stream.on('limit', () => fail(limit(`a file is larger than ${c.maxFileSize} bytes.`)));
      stream.on('error', (error: Error) => fail(malformed(`malformed multipart body (${error.message}).`)));
    });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) return fail(limit(`field ${JSON.stringify(name.slice(0, 40))} is larger than ${c.maxFieldSize} bytes.`));
      if (info.nameTruncated) return fail(malformed('a field name is too long.'));
      const prev = fields[name];
      if (prev === undefined) fields[name] = value;
      else if (Array.isArray(prev)) prev.push(value);
      else fields[name] = [prev, value];
    });
    parser.on('filesLimit', () => fail(limit(`more than ${c.maxFiles} file(s).`)));
    parser.on('fieldsLimit', () => fail(limit(`more than ${c.maxFields} fields.`)));
    parser.on('partsLimit', () => fail(limit('too many parts.')));
    parser.on('error', (error: Error) => fail(malformed(`malformed multipart body (${error.message}).`)));
    parser.on('close', () => (failed ? undefined : resolve()));
  });
  if (source instanceof Readable) {
    source.on('error', () => parser.destroy(new Error('request stream failed')));
    source.pipe(parser);
  } else {
    parser.end(Buffer.from(source.buffer, source.byteOffset, source.byteLength));
  }
  await parsed;

  const files: UploadedFile[] = [];
  for (const entry of raw) {
    if (entry.originalName === '' && entry.size === 0) continue; // an empty file input
    let data: Uint8Array = Buffer.concat(entry.chunks);
    const filename = safeFilename(entry.originalName);
    const kind = await classify(data, entry.declared, filename, c);
    let file: UploadedFile = {
      field: entry.field,
      filename,
      originalName: entry.originalName.slice(0, 1024),
      mime: kind.mime,
      ext: kind.ext,
      size: data.length,
      data,
      active: kind.active,
    };
    if (c.reencode !== undefined) {
      data = await c.reencode(file);
      if (!(data instanceof Uint8Array)) throw new RampartError('ERR_RAMPART_CONFIG', 'uploads.reencode must return a Uint8Array.');
      const again = await classify(data, kind.mime, filename, c);
      file = { ...file, mime: again.mime, ext: again.ext, size: data.length, data, active: again.active };
    }
    files.push(file);
  }
  return { files, fields };
}

/**
 * Middleware accepting multipart/form-data uploads under the limits and type policy of
 * {@link parseMultipart}. The body is read through the request view (capped at
 * `maxTotalSize`, 413 beyond) and parsed by busboy; accepted files and fields are
 * available to the handler via {@link uploadsOf}(req). Violations answer problem+json:
 * 413 (limits), 415 (type), 400 (malformed). Requests that are not multipart pass through.
 *
 * @example
 * const shield = stack([uploads({ maxFiles: 3, maxFileBytes: 5 * 1024 * 1024, allowedTypes: ['image/png', 'image/jpeg'] })]);
 * app.post('/avatar', (req, res) => { const { files } = uploadsOf(req)!; … });
 */
export function uploads(options: UploadOptions = {}): Middleware {
  const c = compile(options);
  return Object.freeze<Middleware>({
    name: 'uploads',
    async handle(req) {
      const type = mediaType(req);
      if (type !== 'multipart/form-data') return undefined;
      try {
        let body: Uint8Array;
        try {
          body = await req.readBody(c.maxTotalSize);
        } catch (error) {
          if (isRampartError(error, 'ERR_RAMPART_BODY_TOO_LARGE')) throw limit(`the upload is larger than ${c.maxTotalSize} bytes.`);
          throw malformed('the request body could not be read.');
        }
        req.locals.uploads = await parseCompiled(body, req.header('content-type') ?? '', c);
        return undefined;
      } catch (error) {
        if (isRampartError(error, 'ERR_RAMPART_UPLOAD_LIMIT')) return problem(413, `Upload rejected: ${error.message}`);
        if (isRampartError(error, 'ERR_RAMPART_UPLOAD_TYPE')) return problem(415, `Upload rejected: ${error.message}`);
        if (isRampartError(error, 'ERR_RAMPART_UPLOAD_MALFORMED')) return problem(400, `Upload rejected: ${error.message}`);
        throw error;
      }
    },
  });
}

/** The files and fields {@link uploads} accepted for this request (any adapter's native request). */
export function uploadsOf(req: unknown): UploadResult | undefined {
  return viewOf(req)?.locals.uploads as UploadResult | undefined;
}

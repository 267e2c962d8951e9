import { privateKeyBlocks } from '../../core/private-keys.ts';
import { jwtSpans, type JwtShape } from '../../core/text-scan.ts';
import { regexMatches, type Detector } from './types.ts';

// Candidate patterns are linear-time (bounded or non-overlapping repetitions).
const API_KEYS: readonly RegExp[] = [
  /\b(?:sk|rk)_(?:live|test|prod|dev|stage|staging)_[A-Za-z0-9_]{16,200}/g, // Stripe secret/restricted keys, rampart API keys
  /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{22,255}\b/g,
  /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g, // AWS access key ids
  /\bxox[abposr]-[A-Za-z0-9-]{10,250}/g, // Slack
  /\bxapp-[A-Za-z0-9-]{10,250}/g, // Slack app-level tokens
  /\bhooks\.slack\.com\/services\/[A-Za-z0-9]{1,32}\/[A-Za-z0-9]{1,32}\/[A-Za-z0-9]{8,64}/g, // Slack webhook URLs
  /\bnpm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/g, // npm access tokens
  /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g, // Google API keys
  /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,250}/g, // OpenAI / Anthropic style
  /\bglpat-[A-Za-z0-9_-]{20,100}/g, // GitLab
];

// `eyJ…` `.` `eyJ…` `.` signature: a scanner, not a regex (a repeated `eyJ` inside one long
// base64url run made the bounded regex polynomial: ~400 ms on 100 KB).
const JWT_SHAPE: JwtShape = { header: [8, 4099], payload: [5, 8195], signature: 2048, payloadJson: true };

function validJwt(token: string): boolean {
  const text = Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8');
  // Cheap refusal first: a thrown JSON.parse costs ~10 µs, and crafted text can hold thousands of candidates.
  if (!text.includes('"alg"') || !text.trimEnd().endsWith('}')) return false;
  try {
    const header = JSON.parse(text) as unknown;
    return header !== null && typeof header === 'object' && typeof (header as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

/**
 * API keys of well-known providers (Stripe, GitHub, AWS, Slack tokens and webhook URLs, npm,
 * Google, OpenAI-style, GitLab)
 * and whole private-key blocks, BEGIN line to END line (the scanner the log's redaction uses;
 * a block without an END runs to the end of the text).
 */
export const detectApiKeys: Detector = (ctx) => {
  for (const re of API_KEYS) for (const m of regexMatches(re, ctx.text)) ctx.add('api_key', m.index, m[0]);
  for (const block of privateKeyBlocks(ctx.text)) ctx.add('api_key', block.start, ctx.text.slice(block.start, block.end));
};

/** JWTs whose header decodes to JSON with an `alg`. */
export const detectJwts: Detector = (ctx) => {
  for (const [start, end] of jwtSpans(ctx.text, JWT_SHAPE)) {
    const token = ctx.text.slice(start, end);
    if (validJwt(token)) ctx.add('jwt', start, token);
  }
};

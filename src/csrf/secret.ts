import { RampartError } from '../errors.ts';

// Values copied from READMEs and .env templates, compared on their letters only, so
// "your-csrf-secret", "YOUR_CSRF_SECRET" and "changeme123" all match.
const PLACEHOLDER_WORDS = [
  'changeme', 'changethis', 'replaceme', 'yoursecret', 'yourcsrfsecret', 'csrfsecret', 'secretkey', 'mysecret',
  'supersecret', 'notasecret', 'keyboardcat', 'placeholder', 'insecure', 'example', 'putyour', 'generate',
];

/**
 * Check one CSRF signing secret: at least 32 bytes, not a known placeholder, not one
 * character repeated. Throws ERR_RAMPART_CSRF_SECRET naming the problem (never the value).
 */
export function checkCsrfSecret(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new RampartError('ERR_RAMPART_CSRF_SECRET', `${name} is required: a random string of at least 32 bytes (generate one with \`openssl rand -base64 48\`).`);
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes < 32) {
    throw new RampartError('ERR_RAMPART_CSRF_SECRET', `${name} has ${bytes} bytes; at least 32 are required (generate one with \`openssl rand -base64 48\`).`);
  }
  const letters = value.toLowerCase().replace(/[^a-z]/g, '');
  if (letters === 'secret' || PLACEHOLDER_WORDS.some((w) => letters.includes(w)) || new Set(value).size < 8) {
    throw new RampartError('ERR_RAMPART_CSRF_SECRET', `${name} is a placeholder or example value, not a secret; generate a random one with \`openssl rand -base64 48\`.`);
  }
  return value;
}

// Route names a user still reads as a secret-carrying route: compatibility forms (fullwidth
// letters, judged after NFKC), joined words (`passwordreset`, `pwreset`), `forgot` and magic
// links; and a `code` parameter on a verification or sign-in route, whatever its shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactPath, redactString } from './redact.ts';
import { maskPathSecrets } from '../core/secret-path.ts';

/** [path, what it must become]. */
const MASKED: Array<[string, string]> = [
  ['/ｒｅｓｅｔ-password/abc', '/ｒｅｓｅｔ-password/***'],
  ['/ｒｅｓｅｔ/abc', '/ｒｅｓｅｔ/***'],
  // Fullwidth letters as a router receives them: percent-encoded UTF-8.
  ['/%EF%BD%92%EF%BD%85%EF%BD%93%EF%BD%85%EF%BD%94/abc', '/%EF%BD%92%EF%BD%85%EF%BD%93%EF%BD%85%EF%BD%94/***'],
  ['/ｐａｓｓｗｏｒｄ-reset/abc?x=1', '/ｐａｓｓｗｏｒｄ-reset/***?x=1'],
  ['/passwordreset/abc', '/passwordreset/***'],
  ['/pwreset/abc', '/pwreset/***'],
  ['/pwdreset/abc', '/pwdreset/***'],
  ['/resetpw/abc', '/resetpw/***'],
  ['/forgot/abc', '/forgot/***'],
  ['/forgot-password/abc', '/forgot-password/***'],
  ['/forgotpassword/abc', '/forgotpassword/***'],
  ['/magic-link/abc', '/magic-link/***'],
  ['/magiclink/abc', '/magiclink/***'],
  ['/auth/magiclink/abc/next', '/auth/magiclink/***/next'],
  ['/verifyemail/abc', '/verifyemail/***'],
  ['/recover/abc', '/recover/***'],
  // A `code` on a verification or sign-in route is a secret whatever its shape.
  ['/verify-email?code=secretvalue', '/verify-email?code=***'],
  ['/verify-email?code=US', '/verify-email?code=***'],
  ['/account/confirm?user=ann&code=abcdefgh', '/account/confirm?user=ann&code=***'],
  ['/oauth/callback?code=secretvalue&state=x', '/oauth/callback?code=***&state=x'],
  ['/api/auth/callback/google?code=secretvalue&state=x', '/api/auth/callback/google?code=***&state=x'],
  ['/login?code=secretvalue', '/login?code=***'],
  ['/magic-link#code=secretvalue', '/magic-link#code=***'],
];

/** Ordinary paths that must stay as they are. */
const KEPT = [
  '/keyboard/layouts',
  '/tokenizer/run',
  '/monkeys/42',
  '/turkey/recipes',
  '/passport/photos',
  '/forgotten-realms/maps',
  '/api/auth/callback/google',
  '/countries?code=US',
  '/cart?code=SAVE20',
  '/products/ｓｈｏｅｓ/42',
  '/search?q=%EF%BD%92%EF%BD%85%EF%BD%93%EF%BD%85%EF%BD%94',
  '/café/menu',
  '/settings/password-policy',
];

test('redactPath: fullwidth route names (NFKC), joined route words, forgot and magic links mask the next segment; a code on a verification route is masked', () => {
  for (const [path, expected] of MASKED) assert.equal(redactPath(path), expected, path);
});

test('redactPath: ordinary paths near those words stay readable', () => {
  for (const path of KEPT) assert.equal(redactPath(path), path, path);
});

test('redactString: a URL in a detail follows the same route rules', () => {
  assert.equal(redactString('document=https://app.example/passwordreset/abc'), 'document=https://app.example/passwordreset/***');
  assert.equal(redactString('from https://app.example/verify-email?code=secretvalue ok'), 'from https://app.example/verify-email?code=*** ok');
});

/** A string whose character reads are counted: the scanner reads characters only through charCodeAt. */
function counted(text: string): { text: string; steps: () => number } {
  let steps = 0;
  class Counting extends String {
    override charCodeAt(index: number): number {
      steps++;
      return super.charCodeAt(index);
    }
  }
  return { text: new Counting(text) as unknown as string, steps: () => steps };
}

test('maskPathSecrets stays linear with fullwidth and joined route names: at most 6 reads per character', () => {
  const MB = 1 << 17;
  const inputs: Record<string, string> = {
    fullwidth: '/ｒｅｓｅｔ'.repeat(MB / 6),
    'fullwidth long': `/${'ｒ'.repeat(MB)}`,
    'encoded fullwidth': '/%EF%BD%92%EF%BD%85'.repeat(MB / 19),
    'latin-1 bytes': `/${'\u00ef\u00bd\u0092'.repeat(MB / 3)}`,
    joined: '/passwordreset'.repeat(MB / 14),
    'joined long': `/${'pw'.repeat(MB / 2)}`,
    'code context': `/verify?${'code=&'.repeat(MB / 6)}`,
  };
  for (const [name, input] of Object.entries(inputs)) {
    const c = counted(input);
    const out = String(maskPathSecrets(c.text, '***'));
    assert.ok(out.length > 0, name);
    assert.ok(c.steps() <= 6 * input.length + 16, `${name}: ${c.steps()} reads for ${input.length} characters`);
  }
});

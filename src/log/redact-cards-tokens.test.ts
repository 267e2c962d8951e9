// Card numbers written with other separators (no-break and thin spaces, dots) or in fullwidth
// digits, and token formats recognised by their prefix and shape (npm, Slack tokens and
// webhook URLs), in the log's redactString and in redactPii alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactString } from './redact.ts';
import { findPii, redactPii } from '../input/pii.ts';
import { seededBytes } from '../../test/helpers/seeded-bytes.ts';

const CARDS: Array<[string, string]> = [
  ['card 4111\u00a01111\u00a01111\u00a01111', 'card ***1111'],
  ['card 4111\u20091111\u20091111\u20091111 exp', 'card ***1111 exp'],
  ['card 4111\u202f1111\u202f1111\u202f1111', 'card ***1111'],
  ['card 4111.1111.1111.1111.', 'card ***1111.'],
  ['card 5555.5555.5555.4444 ok', 'card ***4444 ok'],
  ['card \uff14\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11', 'card ***\uff11\uff11\uff11\uff11'],
  ['card \uff14\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11', 'card ***\uff11\uff11\uff11\uff11'],
];

/** Dotted numbers that are not cards: versions, addresses, dotted groups other than fours. */
const NOT_CARDS = [
  'upgrade to version 1.2.3.4 today',
  'from 10.0.0.1 and 192.168.100.200',
  'build 4111.1111.1111.1112',
  'ratio 4111111.1111.11111',
  'pi 3.14159265358979323',
  'oid 1.3.6.1.4.1.311.21.20',
  'costs 1,234,567.89 EUR',
  'v2024.0101.1200.0000',
];

test('Luhn-valid cards with no-break, thin or dot separators or in fullwidth digits keep only their last four', () => {
  for (const [text, expected] of CARDS) assert.equal(redactString(text), expected, text);
});

test('redactPii finds the same cards', () => {
  for (const [text] of CARDS) {
    const found = findPii(text, { types: ['credit_card'] });
    assert.equal(found.length, 1, text);
    assert.equal(redactPii(text, { types: ['credit_card'] }).includes('[REDACTED:credit_card]'), true, text);
  }
});

test('versions, IP addresses and dotted numbers that are not four-digit groups stay', () => {
  for (const text of NOT_CARDS) {
    assert.equal(redactString(text), text, text);
    assert.deepEqual(findPii(text, { types: ['credit_card'] }), [], text);
  }
});

const base62 = (seed: string, length: number) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...seededBytes(seed, length)].map((b) => alphabet[b % 62]).join('');
};

test('npm tokens, Slack tokens and Slack webhook URLs are masked in text and found by findPii', () => {
  const npm = `npm_${base62('npm', 36)}`;
  const bot = `xoxb-123456789012-123456789012-${base62('xoxb', 24)}`;
  const app = `xapp-1-A0123456789-1234567890123-${base62('xapp', 64).toLowerCase()}`;
  const hook = `https://hooks.slack.com/services/T0A1B2C3D/B0A1B2C3D/${base62('hook', 24)}`;
  assert.equal(redactString(`publish with ${npm} now`), 'publish with npm_*** now');
  assert.equal(redactString(`bot ${bot}`), 'bot xoxb-***');
  assert.equal(redactString(`app ${app}`), 'app xapp-***');
  assert.equal(redactString(`alert via ${hook} failed`), 'alert via https://hooks.slack.com/services/T0A1B2C3D/B0A1B2C3D/*** failed');
  assert.equal(redactString('hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX'), 'hooks.slack.com/services/T000/B000/***');
  for (const text of [npm, bot, app, hook]) {
    assert.equal(findPii(`x ${text} y`, { types: ['api_key'] }).length, 1, text);
    assert.doesNotMatch(redactPii(`x ${text} y`), /[A-Za-z0-9]{20}/, text);
  }
});

test('names that share those prefixes stay', () => {
  for (const text of [
    'npm_config_registry=https://registry.npmjs.org/',
    'npm_package_version',
    'see https://hooks.slack.com/services/ for setup',
    'xapp-store',
    'docs at api.slack.com/messaging/webhooks',
  ]) {
    assert.equal(redactString(text), text, text);
    assert.deepEqual(findPii(text, { types: ['api_key'] }), [], text);
  }
});

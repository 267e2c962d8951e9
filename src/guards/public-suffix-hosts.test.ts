import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostGuard } from './index.ts';
import { rampart } from '../preset.ts';
import { isRampartError } from '../errors.ts';

// A wildcard over a public suffix ('.com', '.co.uk', '.github.io') admits every site anyone can
// register there: host-header poisoning and DNS rebinding pass the guard. Refused at construction.

const PUBLIC = ['.com', '.CO.UK', '.co.uk.', '.github.io', '.uk', '.org', '.com.au', '.herokuapp.com'];

test('allowedHosts: a public-suffix wildcard is refused with ERR_RAMPART_CONFIG naming the fix', () => {
  for (const entry of PUBLIC) {
    const refused = (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG') && e.message.includes('public suffix') && /\.example\./.test(e.message);
    assert.throws(() => hostGuard({ allowedHosts: ['example.com', entry] }), refused, entry);
    assert.throws(() => rampart({ log: false, allowedHosts: [entry] }), refused, entry);
    assert.throws(() => rampart({ log: false, allowedHosts: ['example.com'], httpsRedirect: { allowedHosts: [entry] } }), refused, entry);
  }
});

test('allowedHosts: wildcards under a registrable domain and special-use names stay accepted', () => {
  for (const entry of ['.example.com', '.example.co.uk', '.me.github.io', '.localhost', '.internal', '.test', '.home.arpa']) {
    assert.doesNotThrow(() => hostGuard({ allowedHosts: [entry] }), entry);
  }
});

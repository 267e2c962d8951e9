import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findPii, redactPii } from './pii.ts';

const types = (text: string, opts = {}) => findPii(text, opts).map((m) => `${m.type}:${m.value}`);

test('IBANs in lower case, and IBANs followed by a word, are found with a valid checksum only', () => {
  assert.equal(redactPii('iban de89 3704 0044 0532 0130 00'), 'iban [REDACTED:iban]');
  assert.equal(redactPii('iban de89370400440532013000'), 'iban [REDACTED:iban]');
  assert.equal(redactPii('pay to de89 3704 0044 0532 0130 00 please'), 'pay to [REDACTED:iban] please');
  assert.equal(redactPii('IBAN DE89 3704 0044 0532 0130 00 AB 12'), 'IBAN [REDACTED:iban] AB 12');
  assert.equal(redactPii('GB82 WEST 1234 5698 7654 32, thanks'), '[REDACTED:iban], thanks');
  assert.equal(redactPii('DE89 3704 0044 0532 0130 00 GB82 WEST 1234 5698 7654 32'), '[REDACTED:iban] [REDACTED:iban]', 'two in a row');
  assert.equal(redactPii('ref ab12 de89 3704 0044 0532 0130 00'), 'ref ab12 [REDACTED:iban]', 'after an IBAN-shaped word');
  assert.deepEqual(types('bad de89 3704 0044 0532 0130 01 and de89 words here'), []);
});

test('a nine-digit SSN written without separators is found when labelled as an SSN', () => {
  assert.equal(redactPii('SSN: 536221234'), 'SSN: [REDACTED:ssn]');
  assert.equal(redactPii('ssn 536221234.'), 'ssn [REDACTED:ssn].');
  assert.equal(redactPii('SSN#536221234'), 'SSN#[REDACTED:ssn]');
  assert.equal(redactPii('Social Security Number: 536221234'), 'Social Security Number: [REDACTED:ssn]');
  assert.equal(redactPii('{"ssn":"536221234"}'), '{"ssn":"[REDACTED:ssn]"}');
  // Unlabelled nine-digit runs are order numbers and the like; invalid numbers stay invalid.
  assert.deepEqual(types('order 536221234'), []);
  assert.deepEqual(types('SSN: 000221234 or 666221234 or 5362212345'), []);
});

test('IPv4-mapped and embedded IPv6 addresses are masked whole', () => {
  assert.equal(redactPii('ip ::ffff:10.0.0.1 x'), 'ip [REDACTED:ip] x');
  assert.equal(redactPii('from ::FFFF:192.168.1.20, then'), 'from [REDACTED:ip], then');
  assert.equal(redactPii('nat64 64:ff9b::192.0.2.33'), 'nat64 [REDACTED:ip]');
  assert.deepEqual(types('ip ::ffff:10.0.0.1'), ['ip:::ffff:10.0.0.1']);
  assert.equal(redactPii('ip ::1. done'), 'ip [REDACTED:ip]. done');
});

test("with defaultCountry, dates, times and numbers grouped unlike the country's phone numbers are not phones", () => {
  const us = { defaultCountry: 'US' };
  assert.equal(redactPii('on 2024-01-15 10:30 ok', us), 'on 2024-01-15 10:30 ok');
  assert.equal(redactPii('invoice 2024-000123 paid', us), 'invoice 2024-000123 paid');
  assert.equal(redactPii('due 01/15/2024 10:30', us), 'due 01/15/2024 10:30');
  assert.equal(redactPii('at 2024-01-15T10:30:00Z', us), 'at 2024-01-15T10:30:00Z');
  // Real national numbers, as people write them, are still masked.
  for (const phone of ['(415) 555-2671', '415-555-2671', '415.555.2671', '415 555 2671', '4155552671', '415 5552671', '1 415 555 2671', '1-415-555-2671']) {
    assert.equal(redactPii(`call ${phone} now`, us), 'call [REDACTED:phone] now', phone);
  }
  assert.equal(redactPii('ring 020 7946 0958', { defaultCountry: 'GB' }), 'ring [REDACTED:phone]');
  assert.equal(redactPii('ruf 030 12345678 an', { defaultCountry: 'DE' }), 'ruf [REDACTED:phone] an');
  assert.equal(redactPii('ruf 030/123 456 78 an', { defaultCountry: 'DE' }), 'ruf [REDACTED:phone] an', 'a finer grouping fits');
  assert.equal(redactPii('appel 01 42 68 53 00', { defaultCountry: 'FR' }), 'appel [REDACTED:phone]');
  // International numbers are not judged by grouping.
  assert.equal(redactPii('call +1 4155 552671'), 'call [REDACTED:phone]');
});

test('a dotted quad written as a version (after "version", "ver", "v") is kept; any other is an IP', () => {
  assert.equal(redactPii('upgrade to version 1.2.3.4 today'), 'upgrade to version 1.2.3.4 today');
  assert.equal(redactPii('Version: 10.0.0.1, build v2.4.1.0 and ver. 5.6.7.8'), 'Version: 10.0.0.1, build v2.4.1.0 and ver. 5.6.7.8');
  assert.equal(redactPii('from 1.2.3.4 to 10.0.0.1'), 'from [REDACTED:ip] to [REDACTED:ip]');
  assert.equal(redactPii('version 2 is on 10.0.0.1'), 'version 2 is on [REDACTED:ip]');
  assert.equal(redactPii('server10.0.0.1 and dev 10.0.0.2 and conversion 10.0.0.3'), 'server[REDACTED:ip] and dev [REDACTED:ip] and conversion [REDACTED:ip]');
});

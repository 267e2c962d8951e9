import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayDatabase } from './database-display.ts';

test('displayDatabase masks userinfo and secret query parameters, keeps the rest readable', () => {
  assert.equal(
    displayDatabase('postgres://u:pw@db.example:5432/app?password=x&sslpassword=y&sslmode=require'),
    'postgres://***@db.example:5432/app?password=***&sslpassword=***&sslmode=require',
  );
  assert.equal(displayDatabase('postgresql://u:p/w@h/db'), 'postgresql://***@h/db', 'a raw / in the password');
  assert.equal(
    displayDatabase('postgres://h/db?SSLKEY=/k&passfile=/p&Api-Key=1&pass%77ord=2&user=me'),
    'postgres://h/db?SSLKEY=***&passfile=***&Api-Key=***&pass%77ord=***&user=me',
  );
  assert.equal(displayDatabase('postgres://h/db?sslpassword'), 'postgres://h/db?sslpassword');
  assert.equal(displayDatabase('postgres://h/db#frag'), 'postgres://h/db#***');
  assert.equal(displayDatabase('./data/security'), './data/security');
  assert.equal(displayDatabase('./data/\u001b[31mred'), './data/\\x1b[31mred', 'no terminal escape reaches the screen');
});

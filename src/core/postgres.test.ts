import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import { arrayLiteral, postgresOptions, postgresParams } from './postgres.ts';

test('array literals round-trip through PostgreSQL whatever the elements hold', async () => {
  const db = new PGlite();
  try {
    const texts = ['plain', 'a,b', '{braces}', 'quote " here', 'back\\slash', '', ' spaced ', 'NULL', 'ünï €', 'tab\tnew\nline'];
    const [row] = (await db.query<{ t: string[] }>('select $1::text[] as t', [arrayLiteral(texts)])).rows;
    assert.deepEqual(row?.t, texts);
    const [withNull] = (await db.query<{ t: (string | null)[] }>('select $1::text[] as t', [arrayLiteral(['x', null, undefined])])).rows;
    assert.deepEqual(withNull?.t, ['x', null, null]);
    const [ids] = (await db.query<{ n: string }>('select sum(x)::text as n from unnest($1::int8[]) x', [arrayLiteral([1, 2, 9007199254740993n])])).rows;
    assert.equal(ids?.n, '9007199254740996');
    const at = new Date('2026-01-02T03:04:05.678Z');
    const [times] = (await db.query<{ t: Date[] }>('select $1::timestamptz[] as t', [arrayLiteral([at])])).rows;
    assert.equal(times?.t[0]?.getTime(), at.getTime());
    assert.equal(arrayLiteral([]), '{}');
  } finally {
    await db.close();
  }
});

test('postgresParams turns arrays into literals and leaves other values alone; options turn fetch_types off', () => {
  const when = new Date(0);
  assert.deepEqual(postgresParams([1, 'a', null, when, ['x', 'y']]), [1, 'a', null, when, '{"x","y"}']);
  assert.deepEqual(postgresParams(undefined), []);
  assert.equal(postgresOptions({ max: 2, connectTimeout: 5 }).fetch_types, false);
});

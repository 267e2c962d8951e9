import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { randomBytes } from 'node:crypto';
import { loadConfig, EnvConfigError, Secret } from './index.ts';
import type { EnvProblem } from './index.ts';
import { isRampartError } from '../errors.ts';

const strong = () => randomBytes(32).toString('base64url');
const schema = {
  PORT: { type: 'int', default: 3000, min: 1, max: 65535 },
  DATABASE_URL: { type: 'url', protocols: ['postgres:', 'postgresql:'] },
  SECRET_KEY: { type: 'secret', fallbacks: 'SECRET_KEY_FALLBACKS' },
  CSRF_SECRET: { type: 'secret' },
  DEBUG: { type: 'bool', default: false, debug: true },
  ALLOWED_HOSTS: { type: 'list', default: ['localhost'] },
  LOG_LEVEL: { type: 'enum', values: ['debug', 'info', 'warn'], default: 'info', forbiddenInProduction: ['debug'] },
  APP_NAME: { type: 'string', required: false },
} as const;

function problemsOf(run: () => unknown): EnvProblem[] {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof EnvConfigError);
    assert.ok(isRampartError(e, 'ERR_RAMPART_ENV'));
    return [...e.problems];
  }
  assert.fail('expected loadConfig to throw');
}

test('a valid environment loads typed, frozen values; secrets are Secret objects', () => {
  const secretKey = strong();
  const config = loadConfig(schema, {
    env: {
      DATABASE_URL: 'postgres://db.internal/app',
      SECRET_KEY: secretKey,
      CSRF_SECRET: strong(),
      PORT: '8080',
      ALLOWED_HOSTS: 'a.example, b.example,,',
      DEBUG: 'no',
    },
  });
  assert.equal(config.PORT, 8080);
  assert.equal(config.DATABASE_URL, 'postgres://db.internal/app');
  assert.equal(config.DEBUG, false);
  assert.deepEqual(config.ALLOWED_HOSTS, ['a.example', 'b.example']);
  assert.equal(config.LOG_LEVEL, 'info');
  assert.equal(config.APP_NAME, undefined);
  assert.ok(config.CSRF_SECRET instanceof Secret);
  assert.equal(config.SECRET_KEY.current.revealString(), secretKey);
  assert.ok(Object.isFrozen(config));
  const printed = inspect(config) + JSON.stringify(config);
  assert.ok(!printed.includes(secretKey), 'secrets never print');
});

test('every problem is reported at once, each with a fix, in one RampartError', () => {
  const problems = problemsOf(() =>
    loadConfig(schema, {
      env: { PORT: 'eighty', DATABASE_URL: 'mysql://x/y', CSRF_SECRET: strong(), DEBUG: 'maybe', LOG_LEVEL: 'trace' },
    }),
  );
  assert.deepEqual(
    problems.map((p) => [p.variable, p.code]),
    [
      ['PORT', 'TYPE'],
      ['DATABASE_URL', 'TYPE'],
      ['SECRET_KEY', 'MISSING'],
      ['DEBUG', 'TYPE'],
      ['LOG_LEVEL', 'TYPE'],
    ],
  );
  for (const p of problems) assert.ok(p.fix.length > 10, p.variable);
  assert.deepEqual(
    problemsOf(() => loadConfig({ PORT: schema.PORT }, { env: { PORT: '70000' } })).map((p) => p.code),
    ['RANGE'],
  );
  assert.deepEqual(
    problemsOf(() => loadConfig({ PORT: schema.PORT }, { env: { PORT: '1e3' } })).map((p) => p.code),
    ['TYPE'],
  );
  assert.deepEqual(
    problemsOf(() => loadConfig({ U: { type: 'url' } }, { env: { U: 'not a url' } })).map((p) => p.code),
    ['TYPE'],
  );
});

test('production: debug flags, debug log levels and weak or placeholder secrets are refused, values never echoed', () => {
  const error = (() => {
    try {
      loadConfig(schema, {
        env: {
          NODE_ENV: 'production',
          DATABASE_URL: 'postgres://db/app',
          SECRET_KEY: 'changeme',
          SECRET_KEY_FALLBACKS: 'your-secret',
          CSRF_SECRET: 'your-csrf-secret',
          DEBUG: 'true',
          LOG_LEVEL: 'debug',
        },
      });
    } catch (e) {
      return e as EnvConfigError;
    }
    assert.fail('expected a throw');
  })();
  assert.deepEqual(
    error.problems.map((p) => [p.variable, p.code]),
    [
      ['SECRET_KEY', 'WEAK_SECRET'],
      ['SECRET_KEY_FALLBACKS', 'WEAK_SECRET'],
      ['CSRF_SECRET', 'WEAK_SECRET'],
      ['DEBUG', 'DEBUG_IN_PRODUCTION'],
      ['LOG_LEVEL', 'NOT_ALLOWED_IN_PRODUCTION'],
    ],
  );
  assert.ok(!error.message.includes('changeme') && !error.message.includes('your-csrf-secret'));
  assert.match(error.message, /openssl rand/);
  const defaultOn = problemsOf(() => loadConfig({ DEBUG: { type: 'bool', default: true, debug: true } }, { production: true, env: {} }));
  assert.deepEqual(
    defaultOn.map((p) => p.code),
    ['DEBUG_IN_PRODUCTION'],
    'a debug default of true is caught too',
  );
});

test('outside production weak secrets only warn (through the warn hook)', () => {
  const warnings: string[] = [];
  const config = loadConfig(
    { SECRET_KEY: { type: 'secret' }, DEBUG: { type: 'bool', debug: true } },
    {
      env: { NODE_ENV: 'development', SECRET_KEY: 'changeme', DEBUG: '1' },
      warn: (m) => warnings.push(m),
    },
  );
  assert.equal(config.DEBUG, true);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /SECRET_KEY/);
  assert.ok(!warnings[0]?.includes('changeme'));
});

test('secret rotation: the current key signs, old keys from the fallback list still verify', () => {
  const oldKey = strong();
  const older = strong();
  const before = loadConfig({ SECRET_KEY: { type: 'secret', fallbacks: 'SECRET_KEY_FALLBACKS' } }, { env: { SECRET_KEY: oldKey } });
  const signedBefore = before.SECRET_KEY.sign('session:42');
  const after = loadConfig(
    { SECRET_KEY: { type: 'secret', fallbacks: 'SECRET_KEY_FALLBACKS' } },
    {
      production: true,
      env: { SECRET_KEY: strong(), SECRET_KEY_FALLBACKS: `${oldKey}, ${older}` },
    },
  );
  assert.equal(after.SECRET_KEY.fallbacks.length, 2);
  assert.equal(after.SECRET_KEY.all.length, 3);
  assert.ok(after.SECRET_KEY.verify('session:42', signedBefore), 'old signature still verifies');
  assert.notEqual(after.SECRET_KEY.sign('session:42'), signedBefore, 'new signatures use the new key');
  assert.ok(after.SECRET_KEY.verify('session:42', after.SECRET_KEY.sign('session:42')));
  assert.ok(!after.SECRET_KEY.verify('session:43', signedBefore));
  assert.ok(!after.SECRET_KEY.verify('session:42', 'garbage'));
  assert.ok(!after.SECRET_KEY.verify('session:42', 42 as never));
  const dropped = loadConfig({ SECRET_KEY: { type: 'secret', fallbacks: 'SECRET_KEY_FALLBACKS' } }, { env: { SECRET_KEY: strong() } });
  assert.ok(!dropped.SECRET_KEY.verify('session:42', signedBefore), 'once removed, the old key no longer verifies');
});

test('schema mistakes are construction errors', () => {
  const cases: Array<[unknown, string]> = [
    [null, 'ERR_RAMPART_CONFIG'],
    [{ X: 'string' }, 'ERR_RAMPART_CONFIG'],
    [{ X: { type: 'float' } }, 'ERR_RAMPART_CONFIG'],
    [{ X: { type: 'int', defualt: 3 } }, 'ERR_RAMPART_UNKNOWN_OPTION'],
    [{ X: { type: 'secret', default: 'changeme' } }, 'ERR_RAMPART_UNKNOWN_OPTION'],
    [{ X: { type: 'enum', values: [] } }, 'ERR_RAMPART_CONFIG'],
    [{ X: { type: 'secret', fallbacks: 'X' } }, 'ERR_RAMPART_CONFIG'],
    [{ X: { type: 'string', pattern: '^a' } }, 'ERR_RAMPART_CONFIG'],
  ];
  for (const [bad, code] of cases) {
    assert.throws(
      () => loadConfig(bad as never, { env: {} }),
      (e: unknown) => isRampartError(e, code as never),
      JSON.stringify(bad),
    );
  }
  assert.throws(() => loadConfig({}, { envv: {} } as never), { code: 'ERR_RAMPART_UNKNOWN_OPTION' });
});

test('string constraints and booleans in every spelling', () => {
  const config = loadConfig(
    {
      NAME: { type: 'string', pattern: /^[a-z]+$/g, minLength: 2, maxLength: 5 },
      A: { type: 'bool' },
      B: { type: 'bool' },
      C: { type: 'bool' },
      D: { type: 'bool' },
    },
    { env: { NAME: 'abc', A: 'TRUE', B: 'off', C: 'Yes', D: '0' } },
  );
  assert.deepEqual({ ...config }, { NAME: 'abc', A: true, B: false, C: true, D: false });
  assert.deepEqual(
    problemsOf(() => loadConfig({ NAME: { type: 'string', maxLength: 5 } }, { env: { NAME: 'toolong' } })).map((p) => p.code),
    ['RANGE'],
  );
  assert.deepEqual(
    problemsOf(() => loadConfig({ NAME: { type: 'string', pattern: /^[a-z]+$/ } }, { env: { NAME: 'ABC' } })).map((p) => p.code),
    ['TYPE'],
  );
  assert.deepEqual(
    problemsOf(() => loadConfig({ NAME: { type: 'string' } }, { env: { NAME: '   ' } })).map((p) => p.code),
    ['MISSING'],
    'blank counts as unset',
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rbac, requirePermission, permissionCovers } from './index.ts';
import { createJwt, requireJwt } from '../jwt/index.ts';
import { stack } from '../../stack/index.ts';
import { forEachAdapter } from '../../../test/helpers/adapters.ts';
import { isRampartError } from '../../errors.ts';
import type { SecurityEventRecord } from '../../core/types.ts';

const access = rbac({
  roles: {
    reader: { permissions: ['post:read', 'comment:read'] },
    author: { permissions: ['post:create', 'post:edit'], inherits: ['reader'] },
    moderator: { permissions: ['comment:*'], inherits: ['reader'] },
    admin: { permissions: ['*'] },
  },
  groups: { staff: { roles: ['moderator'], permissions: ['report:view'] } },
  conditions: { 'post:edit': (user, post) => (post as { authorId?: string } | undefined)?.authorId === user.id },
});

test('roles, inheritance, groups, wildcards and object-level conditions', () => {
  const author = { id: 'u1', roles: ['author'] };
  assert.equal(access.can(author, 'post:read'), true, 'inherited');
  assert.equal(access.can(author, 'post:create'), true);
  assert.equal(access.can(author, 'post:edit', { authorId: 'u1' }), true);
  assert.equal(access.can(author, 'post:edit', { authorId: 'u2' }), false, 'object-level check');
  assert.equal(access.can(author, 'post:edit'), false, 'condition without a resource denies');
  assert.equal(access.can(author, 'comment:delete'), false);
  const staff = { id: 's', groups: ['staff'] };
  assert.equal(access.can(staff, 'comment:delete'), true, 'wildcard via group role');
  assert.equal(access.can(staff, 'comment:flag:spam'), true);
  assert.equal(access.can(staff, 'report:view'), true);
  assert.equal(access.can(staff, 'comments:delete'), false, 'wildcard is segment-bounded');
  assert.equal(access.can({ roles: ['admin'] }, 'anything:at:all'), true);
  assert.equal(access.can({ permissions: ['billing:read'] }, 'billing:read'), true, 'direct grants');
  assert.equal(access.can(undefined, 'post:read'), false);
  assert.equal(access.can({}, 'post:read'), false);
  assert.equal(access.can(author, ''), false);
  assert.throws(
    () => access.can({ roles: ['root'] }, 'post:read'),
    (e) => isRampartError(e, 'ERR_RAMPART_RBAC_UNKNOWN_ROLE'),
  );
  assert.deepEqual([...access.permissionsOf(author)].sort(), ['comment:read', 'post:create', 'post:edit', 'post:read']);
  assert.equal(permissionCovers('post:*', 'post'), false);
  const throwing = rbac({
    roles: { r: { permissions: ['x:y'] } },
    conditions: {
      'x:y': () => {
        throw new Error('db down');
      },
    },
  });
  assert.equal(throwing.can({ id: 'u', roles: ['r'] }, 'x:y', {}), false, 'a failing condition denies');
});

test('object-level conditions fail closed: a user without an id or a missing resource never passes an ownership check', () => {
  const author = { roles: ['author'] };
  assert.equal(access.can({ ...author, id: undefined }, 'post:edit', {}), false, 'undefined === undefined is not ownership');
  assert.equal(access.can({ ...author, id: undefined }, 'post:edit', { authorId: undefined }), false);
  assert.equal(access.can(author, 'post:edit', {}), false, 'no id at all');
  assert.equal(access.can({ ...author, id: '' }, 'post:edit', { authorId: '' }), false, 'an empty id is no id');
  assert.equal(access.can({ ...author, id: null } as never, 'post:edit', { authorId: null }), false);
  assert.equal(access.can({ ...author, id: Number.NaN } as never, 'post:edit', { authorId: Number.NaN }), false);
  let called = 0;
  const lax = rbac({
    roles: { owner: { permissions: ['doc:edit'] } },
    conditions: {
      'doc:edit': (user, doc) => {
        called++;
        return (doc as { ownerId?: unknown } | undefined)?.ownerId === user.id;
      },
    },
  });
  assert.equal(lax.can({ id: 'u1', roles: ['owner'] }, 'doc:edit', undefined), false, 'no resource: denied without asking the condition');
  assert.equal(lax.can({ id: 'u1', roles: ['owner'] }, 'doc:edit', null), false);
  assert.equal(called, 0);
  assert.equal(lax.can({ id: 'u1', roles: ['owner'] }, 'doc:edit', { ownerId: 'u1' }), true);
  assert.equal(lax.can({ id: 7, roles: ['owner'] } as never, 'doc:edit', { ownerId: 7 }), true, 'numeric ids are ids');
  assert.equal(access.can({ ...author, id: undefined }, 'post:read'), true, 'permissions without a condition need no id');
});

test('role graphs are validated at construction', () => {
  const bad: unknown[] = [
    { roles: { a: { inherits: ['b'] }, b: { inherits: ['c'] }, c: { inherits: ['a'] } } },
    { roles: { a: { inherits: ['a'] } } },
    { roles: { a: { inherits: ['ghost'] } } },
    { roles: { a: {} }, groups: { g: { roles: ['ghost'] } } },
    { roles: { a: { permissions: ['post:*:edit'] } } },
    { roles: { a: { permissions: [42] } } },
    { roles: {} },
    { roles: { a: {} }, conditions: { 'a:b': 'yes' } },
  ];
  for (const options of bad)
    assert.throws(
      () => rbac(options as never),
      (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
      JSON.stringify(options),
    );
  assert.throws(
    () => rbac({ roles: { a: { permission: ['x'] } } } as never),
    (e) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION'),
  );
  assert.throws(
    () => requirePermission('bad perm!'),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
});

test('requirePermission through every adapter: 401 without user, 403 without permission', async (t) => {
  const jwt = createJwt({ algorithm: 'HS256', secret: 'rbac-test-secret-7f3Kq9Zp2Lx8Wm4Rv6Tn', issuer: 'https://id.example', audience: 'api' });
  const author = await jwt.sign({ sub: 'u1', roles: ['author'] });
  const reader = await jwt.sign({ sub: 'u2', roles: ['reader'] });
  const ghost = await jwt.sign({ sub: 'u3', roles: ['root'] });
  const events: SecurityEventRecord[] = [];
  const posts: Record<string, { authorId: string }> = { '/posts/1': { authorId: 'u1' }, '/posts/2': { authorId: 'u9' } };
  await forEachAdapter(
    t,
    () =>
      stack([requireJwt({ jwt, required: false }), requirePermission('post:edit', { rbac: access, resource: (req) => posts[req.path] })], {
        events: { emit: (r) => events.push(r) },
      }),
    async (app) => {
      events.length = 0;
      const call = async (path: string, token?: string) => {
        const r = await fetch(`${app.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
        const body = await r.text();
        return { status: r.status, body };
      };
      const anon = await call('/posts/1');
      assert.equal(anon.status, 401);
      assert.match(anon.body, /ERR_RAMPART_AUTH_REQUIRED/);
      assert.equal((await call('/posts/1', author)).status, 200);
      const other = await call('/posts/2', author);
      assert.equal(other.status, 403);
      assert.match(other.body, /ERR_RAMPART_PERMISSION_DENIED/);
      assert.equal((await call('/posts/1', reader)).status, 403);
      assert.equal((await call('/posts/1', ghost)).status, 403, 'unknown role: denied, not 500');
      assert.deepEqual(
        events.map((e) => e.event),
        ['AUTH_REQUIRED', 'PERMISSION_DENIED', 'PERMISSION_DENIED', 'PERMISSION_DENIED'],
      );
      assert.equal(events[1]!.userId, 'u1');
    },
  );
});

test('requirePermission without rbac checks scopes on the principal', async (t) => {
  const jwt = createJwt({ algorithm: 'HS256', secret: 'rbac-test-secret-7f3Kq9Zp2Lx8Wm4Rv6Tn', issuer: 'https://id.example', audience: 'api' });
  const token = await jwt.sign({ sub: 'svc', scope: 'report:read billing:*' });
  await forEachAdapter(
    t,
    () => stack([requireJwt({ jwt }), requirePermission(['report:read', 'billing:refund'])]),
    async (app) => {
      const ok = await fetch(`${app.url}/`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
    },
  );
});

import { RampartError } from '../../errors.ts';
import { checkKeys, configError, optionsObject } from '../../core/options.ts';
import type { AuthUser } from '../shared/http.ts';
import { anyCovers, checkPermission } from './permissions.ts';

/** One role: its permissions and the roles it inherits from. */
export interface RoleDefinition {
  permissions?: readonly string[];
  inherits?: readonly string[];
}

/** A Django-style group: users in it get its roles and permissions. */
export interface GroupDefinition {
  roles?: readonly string[];
  permissions?: readonly string[];
}

/**
 * Object-level check: called with the user and the resource; must return true to allow. It
 * is only called when the user has an id (non-empty string or finite number) and a resource
 * was given; otherwise the permission is denied.
 */
export type PermissionCondition = (user: AuthUser, resource: unknown) => boolean;

/** Options of {@link rbac}. */
export interface RbacOptions {
  roles: Record<string, RoleDefinition>;
  groups?: Record<string, GroupDefinition>;
  /** Object-level conditions by permission, e.g. `{ 'post:edit': (u, post) => post.authorId === u.id }`. */
  conditions?: Record<string, PermissionCondition>;
}

/** A compiled role graph (see {@link rbac}). */
export interface Rbac {
  /** Every permission the user holds through roles, groups and direct grants (wildcards kept as given). */
  permissionsOf(user: AuthUser): ReadonlySet<string>;
  /**
   * True when the user holds `permission` (wildcards like `post:*` count) and, when a
   * condition is registered for it, the user has an id, `resource` is given and the
   * condition allows it. Throws
   * ERR_RAMPART_RBAC_UNKNOWN_ROLE for roles or groups the configuration does not define.
   */
  can(user: AuthUser | undefined | null, permission: string, resource?: unknown): boolean;
  /** Names of the defined roles. */
  readonly roles: readonly string[];
}

const NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

/**
 * Compile roles with permissions and inheritance, groups and object-level conditions.
 * The graph is validated at construction: unknown roles and inheritance cycles are
 * configuration errors.
 *
 * @example
 * const access = rbac({
 *   roles: { reader: { permissions: ['post:read'] }, editor: { permissions: ['post:edit'], inherits: ['reader'] }, admin: { permissions: ['*'] } },
 *   groups: { staff: { roles: ['editor'] } },
 *   conditions: { 'post:edit': (user, post) => (post as { authorId: string }).authorId === user.id },
 * });
 * access.can({ id: 'u1', roles: ['editor'] }, 'post:edit', { authorId: 'u1' }); // true
 */
export function rbac(options: RbacOptions): Rbac {
  const o = optionsObject(options, 'rbac');
  checkKeys(o, ['roles', 'groups', 'conditions'], 'rbac');
  const rolesIn = optionsObject(o.roles, 'rbac.roles');
  if (Object.keys(rolesIn).length === 0) throw configError('rbac.roles must define at least one role.');
  const direct = new Map<string, { permissions: string[]; inherits: string[] }>();
  for (const [name, raw] of Object.entries(rolesIn)) {
    if (!NAME.test(name)) throw configError(`rbac.roles: ${JSON.stringify(name)} is not a valid role name.`);
    const def = optionsObject(raw, `rbac.roles.${name}`);
    checkKeys(def, ['permissions', 'inherits'], `rbac.roles.${name}`);
    direct.set(name, {
      permissions: list(def.permissions, `rbac.roles.${name}.permissions`).map((p) => checkPermission(p, `rbac.roles.${name}.permissions`)),
      inherits: list(def.inherits, `rbac.roles.${name}.inherits`),
    });
  }
  for (const [name, def] of direct) {
    for (const parent of def.inherits) {
      if (!direct.has(parent)) throw configError(`rbac.roles.${name}.inherits names unknown role ${JSON.stringify(parent)}; define it under roles.`);
    }
  }
  // Resolve inheritance depth-first, detecting cycles.
  const effective = new Map<string, ReadonlySet<string>>();
  const visiting = new Set<string>();
  const resolve = (name: string, path: string[]): ReadonlySet<string> => {
    const done = effective.get(name);
    if (done !== undefined) return done;
    if (visiting.has(name)) throw configError(`rbac.roles: inheritance cycle ${[...path, name].join(' → ')}; remove one of the inherits.`);
    visiting.add(name);
    const set = new Set(direct.get(name)!.permissions);
    for (const parent of direct.get(name)!.inherits) for (const p of resolve(parent, [...path, name])) set.add(p);
    visiting.delete(name);
    effective.set(name, set);
    return set;
  };
  for (const name of direct.keys()) resolve(name, []);

  const groups = new Map<string, ReadonlySet<string>>();
  for (const [name, raw] of Object.entries(optionsObject(o.groups, 'rbac.groups'))) {
    if (!NAME.test(name)) throw configError(`rbac.groups: ${JSON.stringify(name)} is not a valid group name.`);
    const def = optionsObject(raw, `rbac.groups.${name}`);
    checkKeys(def, ['roles', 'permissions'], `rbac.groups.${name}`);
    const set = new Set(list(def.permissions, `rbac.groups.${name}.permissions`).map((p) => checkPermission(p, `rbac.groups.${name}.permissions`)));
    for (const role of list(def.roles, `rbac.groups.${name}.roles`)) {
      const perms = effective.get(role);
      if (perms === undefined) throw configError(`rbac.groups.${name}.roles names unknown role ${JSON.stringify(role)}.`);
      for (const p of perms) set.add(p);
    }
    groups.set(name, set);
  }

  const conditions = new Map<string, PermissionCondition>();
  for (const [permission, fn] of Object.entries(optionsObject(o.conditions, 'rbac.conditions'))) {
    checkPermission(permission, 'rbac.conditions');
    if (typeof fn !== 'function') throw configError(`rbac.conditions[${JSON.stringify(permission)}] must be a function (user, resource) => boolean.`);
    conditions.set(permission, fn as PermissionCondition);
  }

  function permissionsOf(user: AuthUser): ReadonlySet<string> {
    const out = new Set<string>();
    for (const role of stringsOf(user.roles)) {
      const perms = effective.get(role);
      if (perms === undefined) throw new RampartError('ERR_RAMPART_RBAC_UNKNOWN_ROLE', `Unknown role ${JSON.stringify(role.slice(0, 100))}.`);
      for (const p of perms) out.add(p);
    }
    for (const group of stringsOf(user.groups)) {
      const perms = groups.get(group);
      if (perms === undefined) throw new RampartError('ERR_RAMPART_RBAC_UNKNOWN_ROLE', `Unknown group ${JSON.stringify(group.slice(0, 100))}.`);
      for (const p of perms) out.add(p);
    }
    for (const p of stringsOf(user.permissions)) out.add(p);
    return out;
  }

  function can(user: AuthUser | undefined | null, permission: string, resource?: unknown): boolean {
    if (user === null || user === undefined || typeof user !== 'object') return false;
    if (typeof permission !== 'string' || permission.length === 0) return false;
    if (!anyCovers(permissionsOf(user), permission)) return false;
    const condition = conditions.get(permission);
    if (condition === undefined) return true;
    // Object-level checks compare the resource with the user (authorId === user.id): with no
    // id or no resource, `undefined === undefined` would grant, so both must exist first.
    if (!usableId(user.id) || resource === undefined || resource === null) return false;
    try {
      return condition(user, resource) === true;
    } catch {
      return false; // a failing object check denies
    }
  }

  return Object.freeze({ permissionsOf, can, roles: Object.freeze([...direct.keys()]) });
}

/** An identity a condition can compare: a non-empty string or a finite number. */
function usableId(id: unknown): boolean {
  return (typeof id === 'string' && id.length > 0) || (typeof id === 'number' && Number.isFinite(id));
}

function list(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw configError(`${where} must be a list of strings.`);
  return [...value];
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export { rbac } from './rbac.ts';
export type { Rbac, RbacOptions, RoleDefinition, GroupDefinition, PermissionCondition } from './rbac.ts';
export { requirePermission } from './middleware.ts';
export type { RequirePermissionOptions } from './middleware.ts';
export { covers as permissionCovers } from './permissions.ts';

/**
 * `rampart/dashboard`: the security dashboard (charts of the SecurityLog, live updates over
 * Server-Sent Events) as a handler for every adapter, never public: see {@link dashboard}.
 * @module
 */
export { dashboard } from './dashboard.ts';
export type { Dashboard, DashboardOptions, DashboardMonitor, MonitorWindow, FastifyLike, DashboardFastifyPlugin, HonoContextLike } from './dashboard.ts';
export type { DashboardAuth } from './auth.ts';
export type { DashboardSummary, DashboardRow } from './summary.ts';

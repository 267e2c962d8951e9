/**
 * Monitoring and alerts: `monitor()` counts responses by status, path and client in bounded
 * memory and raises alerts (403/404/5xx spikes, scanning, sensitive paths, failed-login
 * bursts) to JSON lines, a signed webhook and the SecurityLog. See the README, "Monitoring and alerts".
 */
export { monitor } from './monitor.ts';
export type { Monitor, MonitorStats, MonitorSource } from './monitor.ts';
export type { MonitorOptions, AlertRuleOptions } from './options.ts';
export { DEFAULT_RULES, DEFAULT_SENSITIVE_PATHS } from './options.ts';
export type { Alert, AlertSink, AlertSeverity, AlertRuleName } from './alert.ts';
export type { WindowSnapshot, ResponseCount } from './counters.ts';
export { alertLines, type AlertLinesOptions } from './lines.ts';
export { alertWebhook, type AlertWebhook, type AlertWebhookOptions, type AlertWebhookStats } from './webhook.ts';

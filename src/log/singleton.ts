import { setDefaultEventSink } from '../core/events.ts';
import type { SecurityLog } from './security-log.ts';

let current: SecurityLog | undefined;

/**
 * Install the process-wide SecurityLog (or remove it with `undefined`). It also becomes
 * the core's default event sink, so every rampart middleware records into it.
 */
export function setSecurityLog(log: SecurityLog | undefined): void {
  current = log;
  setDefaultEventSink(log);
}

/** The process-wide SecurityLog set by {@link setSecurityLog}, or undefined. */
export function getSecurityLog(): SecurityLog | undefined {
  return current;
}

import { RampartError } from '../errors.ts';

/** The seed's 17 event types plus the events rampart itself emits. */
const BUILTIN = {
  // authentication
  LOGIN_SUCCESS: 'User logged in successfully',
  LOGIN_FAILED: 'Login attempt with wrong credentials',
  LOGOUT: 'User logged out',
  PASSWORD_CHANGED: 'User changed their password',
  PASSWORD_RESET_REQUESTED: 'Password reset email sent',
  PASSWORD_RESET_COMPLETED: 'Password reset completed',
  // authorization
  PERMISSION_DENIED: 'User lacks required permission',
  CSRF_VIOLATION: 'CSRF token missing or invalid',
  AUTH_REQUIRED: 'Request to protected resource without authentication',
  // rate limiting
  RATE_LIMIT_HIT: 'Client exceeded rate limit',
  // sessions
  SESSION_CREATED: 'New session created',
  SESSION_DESTROYED: 'Session explicitly destroyed (logout)',
  SESSION_EXPIRED: 'Session expired due to timeout',
  SESSION_FIXATION_ATTEMPT: 'Detected session fixation attack attempt',
  // suspicious activity
  SUSPICIOUS_INPUT: 'Input matching known attack patterns',
  PATH_TRAVERSAL_ATTEMPT: 'Attempt to access files outside allowed directories',
  INVALID_TOKEN: 'Invalid or expired authentication token',
  // rampart's own
  CONFIG_WARNING: 'A safe default was relaxed by configuration',
  CSP_VIOLATION: 'The browser reported a Content-Security-Policy violation',
  LOG_EVENTS_DROPPED: 'The security log dropped events because its queue was full or the database stayed unreachable',
  INVALID_HOST: 'Request with a Host / X-Forwarded-Host outside the allowlist',
  INVALID_REQUEST_TARGET:
    'Request target that routers can read in more than one way (encoded slash, NUL, "..", invalid UTF-8, authority disagreeing with Host)',
  BODY_LIMIT_EXCEEDED: 'Request body larger than the configured limit',
  BODY_TIMEOUT: 'Request body stalled: no bytes arrived within the idle timeout (a slow-body client), answered 408',
  BLOCKED_IP_REQUEST: 'Request from a blocked IP address or range',
  IP_BLOCKED: 'An IP address or range was added to the blocklist',
  SUSPICIOUS_USER_AGENT: 'Request from a client whose user agent looks like an attack tool',
  RATE_LIMIT_STORE_DOWN: 'The remote rate-limit store failed; the limiter fell back to its insurance policy',
  RATE_LIMIT_STORE_RECOVERED: 'The remote rate-limit store answers again',
  ALERT: 'The monitor raised an alert (severity, rule and subject in detail)',
  REJECT_HANDLER_FAILED: "The application's onReject threw or returned an unusable answer; rampart's default rejection answer was sent",
} as const;

/** A built-in event name. */
export type BuiltinEventName = keyof typeof BUILTIN;

/**
 * The built-in security event names (the seed's 17 plus the events rampart's own
 * middleware emit: CONFIG_WARNING, CSP_VIOLATION, LOG_EVENTS_DROPPED, INVALID_HOST, …). Values are the names themselves, so `SecurityEvent.LOGIN_FAILED === 'LOGIN_FAILED'`.
 */
export const SecurityEvent: { readonly [K in BuiltinEventName]: K } = Object.freeze(
  Object.fromEntries(Object.keys(BUILTIN).map((k) => [k, k])) as { [K in BuiltinEventName]: K },
);

const registry = new Map<string, string>(Object.entries(BUILTIN));

const NAME = /^[A-Z0-9_]{1,50}$/;

/** True when `name` has the shape of an event name: 1–50 characters of A–Z, 0–9 and `_`. */
export function isValidEventName(name: unknown): name is string {
  return typeof name === 'string' && NAME.test(name);
}

/**
 * Register an application event name with a description, so `log()` accepts it.
 * Re-registering the same name with the same description is a no-op.
 * @throws RampartError ERR_RAMPART_LOG_EVENT for a malformed name or a conflicting description.
 */
export function registerEvent(name: string, description: string): string {
  if (!isValidEventName(name)) {
    throw new RampartError(
      'ERR_RAMPART_LOG_EVENT',
      `registerEvent: event name ${JSON.stringify(String(name).slice(0, 60))} must be 1–50 characters of A–Z, 0–9 and _ (e.g. "ORDER_REFUNDED").`,
    );
  }
  if (typeof description !== 'string' || description.trim() === '' || description.length > 500) {
    throw new RampartError('ERR_RAMPART_LOG_EVENT', `registerEvent(${name}): description must be a non-empty string of at most 500 characters.`);
  }
  const existing = registry.get(name);
  if (existing !== undefined && existing !== description) {
    throw new RampartError('ERR_RAMPART_LOG_EVENT', `registerEvent(${name}): already registered with a different description (${JSON.stringify(existing)}).`);
  }
  registry.set(name, description);
  return name;
}

/** The description of a registered event, or undefined. */
export function eventDescription(name: string): string | undefined {
  return registry.get(name);
}

/** True when `name` is registered (built in or through registerEvent). */
export function isRegisteredEvent(name: string): boolean {
  return registry.has(name);
}

/** Every registered event name with its description. */
export function registeredEvents(): ReadonlyMap<string, string> {
  return new Map(registry);
}

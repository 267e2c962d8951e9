/** How serious an alert is, lowest first. */
export type AlertSeverity = 'low' | 'medium' | 'high' | 'critical';

/** The monitor's alert rules (README "Monitoring and alerts"). */
export type AlertRuleName = 'forbidden' | 'notFound' | 'serverErrors' | 'scanning' | 'sensitivePath' | 'loginFailedIp' | 'loginFailedAccount';

/** One alert raised by {@link monitor}: what every sink receives. */
export interface Alert {
  /** Unique id (`alert_<base64url>`); the webhook sink sends it as `webhook-id`, the same on every retry. */
  readonly id: string;
  readonly rule: AlertRuleName;
  readonly severity: AlertSeverity;
  /** What the rule counts per: a client (`ip`, IPv6 by /64) or an account (`userId` of LOGIN_FAILED events). */
  readonly subject: 'ip' | 'account';
  /** The client key (`203.0.113.7`, `2001:db8::/64`) or the account id. */
  readonly key: string;
  /** The client address of the request or event that crossed the threshold (when known). */
  readonly ip?: string;
  /** Events counted in the window when the alert fired (distinct paths for `scanning`). */
  readonly count: number;
  readonly threshold: number;
  /** The rule's window in seconds. */
  readonly window: number;
  /** When the alert fired (ISO 8601). */
  readonly time: string;
  /** One line for people, e.g. "30 responses 404 from 203.0.113.7 within 60 s". */
  readonly message: string;
  /** A few canonical paths involved (scanning, sensitive paths, status spikes), at most 5 of 200 characters. */
  readonly paths?: readonly string[];
  /** In a summary alert: how many alerts of this rule were held back in its `alertLimit` window (coalesced ones included). */
  readonly suppressed?: number;
  /**
   * True for the summary alert a rule sends when its `alertLimit` window ends with alerts held
   * back: `count` and `suppressed` are how many, `keys` the keys they were for (the first 100, those held by the budget before those coalesced into a client's alert).
   */
  readonly summary?: true;
  /**
   * In a summary alert: the keys whose alerts were held back, the first 100 of them; `message`
   * ends the list with the exact count of the rest ("…, and 42 more").
   */
  readonly keys?: readonly string[];
  /**
   * In a summary alert: the clients (the first 100) whose further alerts of this rule were
   * coalesced into the one already sent for them in the window, with how many. Only an
   * alert that one client alone caused is coalesced: one that other clients contributed to goes out.
   */
  readonly sources?: readonly { readonly ip: string; readonly count: number }[];
}

/**
 * Where alerts go: {@link alertLines}, {@link alertWebhook} or your own. `send` is called on
 * the request path: it must return at once and never throw (queue, then deliver).
 */
export interface AlertSink {
  /** Short name used in diagnostics ('lines', 'webhook'). */
  readonly name: string;
  send(alert: Alert): void;
  /** Resolve when every alert sent so far is delivered or given up on (tests, shutdown). */
  flush?(): Promise<void>;
  /** Deliver what is queued (bounded wait) and release timers. */
  close?(): Promise<void>;
}

/** The severities, lowest first. */
export const SEVERITIES: readonly AlertSeverity[] = Object.freeze(['low', 'medium', 'high', 'critical']);

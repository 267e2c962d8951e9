/**
 * The SecurityLog's table over one open database: what SecurityLog (and the CLI) call. Each
 * concern lives in its own file: DDL and partitions (store-schema.ts), batch writes with
 * exactly-once ids (store-write.ts), read queries (store-query.ts), the chain, verification
 * and anonymisation (store-chain.ts). This file turns their failures into ERR_RAMPART_LOG_DATABASE.
 */
import { RampartError } from '../errors.ts';
import type { Database } from '../stores/database.ts';
import type { PendingRow } from './fields.ts';
import { anonymize, verifyChain, type ChainAnchor, type ResealReport, type VerifyReport } from './store-chain.ts';
import { LogQueries, type ReadCheck, type ReadOptions, type SecurityLogRow } from './store-query.ts';
import { LogTable, type StoreSettings } from './store-schema.ts';
import { notYetStored, writeBatch } from './store-write.ts';

export type { RowIntegrity, SecurityLogRow } from './store-query.ts';
export type { PartitionMode, StoreSettings } from './store-schema.ts';
export type { ChainAnchor, ChainFailureReason, ResealReport, VerifyReport } from './store-chain.ts';

function dbError(what: string, err: unknown): RampartError {
  if (err instanceof RampartError) return err;
  return new RampartError('ERR_RAMPART_LOG_DATABASE', `SecurityLog: ${what} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

/** Table-level operations of the SecurityLog over one database. */
export class Store {
  readonly db: Database;
  private readonly table: LogTable;
  private readonly queries: LogQueries;

  /** `onTampered`: told how many rows a read of a chained log left out (or marked) because their MAC did not verify. */
  constructor(db: Database, settings: StoreSettings, onTampered?: ReadCheck['onTampered']) {
    this.db = db;
    this.table = new LogTable(db, settings);
    const key = settings.chainKey;
    this.queries = new LogQueries(db, this.table.q, key === undefined ? undefined : { key, onTampered });
  }

  /** True when UNLOGGED was asked for but the database refused it (regular table used). */
  get unloggedFallback(): boolean {
    return this.table.unloggedFallback;
  }

  /** Create the table, indexes and partitions once (idempotent; serialised across processes). */
  ensureTable(): Promise<void> {
    return this.table.ensure((err) => dbError('ensureTable', err));
  }

  /** Run `fn` once the table exists; its failure becomes ERR_RAMPART_LOG_DATABASE naming `what`. */
  private async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    await this.ensureTable();
    try {
      return await fn();
    } catch (err) {
      throw dbError(what, err);
    }
  }

  /** Write one batch (rows a failed attempt already stored are skipped); chained when configured. Errors are the driver's (the writer retries). */
  async writeBatch(batch: readonly PendingRow[], signal?: AbortSignal): Promise<void> {
    if (batch.length === 0) return;
    await this.ensureTable();
    signal?.throwIfAborted();
    const rows = await notYetStored(this.table, batch);
    if (rows.length > 0) await writeBatch(this.table, rows, signal);
  }

  /** Walk the chain in id order and report the first bad row (`anchor`: checked by SecurityLog.verify). */
  async verify(options: { anchor?: ChainAnchor | undefined } = {}): Promise<VerifyReport> {
    const key = this.table.settings.chainKey;
    if (key === undefined) throw new RampartError('ERR_RAMPART_CONFIG', 'SecurityLog.verify() needs the log to be created with chain: true and a chainKey.');
    return this.run('verify', () => verifyChain(this.table, key, options.anchor));
  }

  recent(limit: number, options?: ReadOptions): Promise<SecurityLogRow[]> {
    return this.run('getRecent', () => this.queries.recent(limit, options));
  }

  forColumn(column: 'user_id' | 'ip_address', value: string, limit: number, since: Date | undefined, options?: ReadOptions): Promise<SecurityLogRow[]> {
    return this.run('query', () => this.queries.forColumn(column, value, limit, since, options));
  }

  byEvent(event: string, since: Date, limit: number, options?: ReadOptions): Promise<SecurityLogRow[]> {
    return this.run('getByEvent', () => this.queries.byEvent(event, since, limit, options));
  }

  count(filters: { event?: string | undefined; ip?: string | undefined }, since: Date): Promise<number> {
    return this.run('count', () => this.queries.count(filters, since));
  }

  /** How many rows a user has, per event, with the first and last time of each. */
  userSummary(userId: string): Promise<Array<{ event: string; count: number; first: Date; last: Date }>> {
    return this.run('userSummary', () => this.queries.userSummary(userId));
  }

  /** Events per type since `since`, most frequent first (`rampart dashboard`). */
  countsByEvent(since: Date): Promise<Array<{ event: string; count: number }>> {
    return this.run('countsByEvent', () => this.queries.countsByEvent(since));
  }

  /** The addresses with the most events since `since` (`rampart dashboard`). */
  topIps(since: Date, limit: number): Promise<Array<{ ip: string; count: number }>> {
    return this.run('topIps', () => this.queries.topIps(since, limit));
  }

  /** Drop whole partitions older than `cutoff`, then delete the remaining older rows. */
  cleanup(cutoff: Date): Promise<{ droppedPartitions: string[]; deletedRows: number }> {
    return this.run('cleanup', async () => {
      const droppedPartitions = await this.table.dropPartitionsBefore(cutoff);
      const deleted = await this.db.query<{ n: number | string }>(
        `with d as (delete from ${this.table.q} where "timestamp" < $1 returning 1) select count(*) as n from d`,
        [cutoff.toISOString()],
      );
      return { droppedPartitions, deletedRows: Number(deleted[0]?.n ?? 0) };
    });
  }

  /** GDPR erasure of a user's rows and of `identifiers` in any row's text (re-sealing the chain when asked). */
  anonymize(
    userId: string,
    pseudonym?: string,
    reseal = false,
    identifiers: readonly string[] = [],
  ): Promise<{ pseudonym: string; rows: number; chain?: ResealReport }> {
    return this.run('anonymizeUser', () => anonymize(this.table, userId, pseudonym, reseal, identifiers));
  }
}

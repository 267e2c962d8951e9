import type { Worker } from 'node:worker_threads';
import { builtin } from '../core/builtin.ts';
import { packageFile } from '../core/package-info.ts';
import { type CopyColumn, type CopyValue, copyBinary } from './copy-binary.ts';
import type { Database, Queryable } from './sql.ts';

/** A message to the PGlite worker (pglite-worker.ts). */
export type WorkerRequest =
  | { id: number; op: 'open' }
  | { id: number; op: 'query'; text: string; params: unknown[] | undefined; tx?: number }
  | { id: number; op: 'copy'; table: string; columns: string; data: Uint8Array; tx?: number }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

/** The worker's answer to one request. */
export interface WorkerReply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { message: string; [field: string]: string };
}

type RequestBody = { [K in WorkerRequest['op']]: Omit<Extract<WorkerRequest, { op: K }>, 'id'> }[WorkerRequest['op']];

type CopyRow = ReadonlyArray<CopyValue>;

type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };

function workerUrl(): URL {
  // Source runs as .ts under Node's type stripping. In the build this code sits in an entry
  // of dist/ or in a shared chunk (dist/chunks/), and the worker is the entry dist/stores/pglite-worker.js.
  if (import.meta.url.endsWith('.ts')) return new URL('./pglite-worker.ts', import.meta.url);
  return packageFile(import.meta.url, ['./pglite-worker.js', '../stores/pglite-worker.js', './stores/pglite-worker.js']);
}

/**
 * A worker inherits the parent's execArgv; with `node -e`/`-p` that is the parent's eval
 * script, which the worker would run instead of its own file. Such a parent's flags are
 * dropped (the worker needs none); otherwise Node's inheritance applies.
 */
function workerExecArgv(): string[] | undefined {
  const evals = process.execArgv.some(
    (a) => a === '-e' || a === '--eval' || a === '-p' || a === '--print' || a.startsWith('--eval=') || a.startsWith('--print='),
  );
  return evals ? [] : undefined;
}

function rebuildError(error: WorkerReply['error']): Error {
  const err = new Error(error?.message ?? 'PGlite worker failed');
  if (error !== undefined) for (const [k, v] of Object.entries(error)) if (k !== 'message') (err as unknown as Record<string, string>)[k] = v;
  return err;
}

/**
 * An embedded PGlite that lives in a worker thread: opening it (WebAssembly compilation,
 * hundreds of milliseconds) and every statement run off the main thread, so a security
 * event or a session lookup never stalls the requests being served. `dataDir` undefined: in
 * memory. An idle worker never keeps the process alive; while a statement is under way it
 * does (a script awaiting `keys.create()` does not exit with the promise pending).
 */
export class PGliteWorkerDriver implements Database {
  readonly backend = 'pglite' as const;
  readonly ephemeral: boolean;
  /** Load rows with one binary COPY (see {@link Queryable.copyRows}). */
  readonly copyRows: Queryable['copyRows'];
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #dead: Error | undefined;
  #closing = false;
  readonly #root: Queryable;

  constructor(dataDir: string | undefined) {
    this.ephemeral = dataDir === undefined;
    const execArgv = workerExecArgv();
    const { Worker: WorkerThread } = builtin<typeof import('node:worker_threads')>('node:worker_threads');
    this.#worker = new WorkerThread(workerUrl(), { workerData: { dataDir }, ...(execArgv !== undefined ? { execArgv } : {}) });
    this.#worker.unref();
    this.#worker.on('message', (msg: WorkerReply) => {
      const pending = this.#pending.get(msg.id);
      if (pending === undefined) return;
      this.#pending.delete(msg.id);
      if (this.#pending.size === 0 && !this.#closing) this.#worker.unref();
      if (msg.ok) pending.resolve(msg.result);
      else pending.reject(rebuildError(msg.error));
    });
    const die = (err: Error): void => {
      this.#dead ??= err;
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
      this.#worker.unref();
    };
    this.#worker.on('error', (err) => die(err instanceof Error ? err : new Error(String(err))));
    this.#worker.on('exit', (code) => die(new Error(`PGlite worker exited (code ${code})`)));
    this.#root = this.#queryable(undefined);
    this.copyRows = this.#root.copyRows;
  }

  /** `transfer`: buffers handed to the worker (moved, not copied). */
  #call(request: RequestBody, transfer?: ArrayBuffer[]): Promise<unknown> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...request, id }, transfer);
    });
  }

  #queryable(tx: number | undefined): Queryable {
    return {
      query: async <T>(text: string, params?: readonly unknown[]) => {
        const request = { op: 'query' as const, text, params: params === undefined ? undefined : [...params], ...(tx !== undefined ? { tx } : {}) };
        return (await this.#call(request)) as T[];
      },
      copyRows: (table: string, columns: readonly CopyColumn[], rows: readonly CopyRow[]) => this.#copy(table, columns, rows, tx),
    };
  }

  /**
   * One buffer crosses the thread boundary (transferred, not cloned) instead of a structured
   * clone of every value, and the worker runs one binary COPY: no array parameters and no
   * text for PGlite to parse (see copy-binary.ts).
   */
  async #copy(table: string, columns: readonly CopyColumn[], rows: readonly CopyRow[], tx: number | undefined): Promise<void> {
    if (rows.length === 0) return;
    const data = copyBinary(columns, rows);
    const names = columns.map((c) => c[0]).join(', ');
    await this.#call({ op: 'copy', table, columns: names, data, ...(tx !== undefined ? { tx } : {}) }, [data.buffer as ArrayBuffer]);
  }

  /** Resolves when the database is open and ready (starts opening it if needed). */
  async open(): Promise<void> {
    await this.#call({ op: 'open' });
  }

  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]> {
    return this.#root.query<T>(text, params);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const tx = (await this.#call({ op: 'begin' })) as number;
    let result: T;
    try {
      result = await fn(this.#queryable(tx));
    } catch (err) {
      await this.#call({ op: 'end', tx, commit: false }).catch(() => undefined);
      throw err;
    }
    await this.#call({ op: 'end', tx, commit: true });
    return result;
  }

  /**
   * Close the database in the worker, waiting at most `graceMs` (a statement or transaction
   * still running may never end: its caller can be the one waiting for close()), then stop
   * the worker. Statements left in flight are rejected.
   */
  async close(graceMs = 5000): Promise<void> {
    // Held until the worker has exited: a reply arriving meanwhile unrefs an idle worker, and
    // with nothing else to run the loop would end with terminate() (and our caller) pending.
    this.#closing = true;
    this.#worker.ref();
    if (this.#dead === undefined) {
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([this.#call({ op: 'close' }).catch(() => undefined), graceOver]);
      clearTimeout(timer);
    }
    await this.#worker.terminate();
  }
}

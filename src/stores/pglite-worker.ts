/**
 * Worker-thread side of the SecurityLog's embedded PGlite: the database is opened and every
 * statement runs here, so compiling PGlite's WebAssembly and running SQL never blocks the
 * event loop that serves requests. Protocol: see worker-driver.ts.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { importPeer, PEERS } from '../core/optional.ts';
import { releasePgliteLock, takePgliteLock } from './pglite-lock.ts';
import type { WorkerReply, WorkerRequest } from './worker-driver.ts';

const port = parentPort!;
const dataDir = (workerData as { dataDir: string | undefined }).dataDir;
/** A directory on disk (not 'memory', not a PGlite URL scheme such as idb://): readers check its lock. */
const onDisk = dataDir !== undefined && !/^[a-z]+:\/\//i.test(dataDir) ? dataDir : undefined;

let db: PGlite | undefined;
let opening: Promise<PGlite> | undefined;
let nextTx = 1;
const transactions = new Map<number, { tx: Transaction; end: (commit: boolean) => void; done: Promise<unknown> }>();

async function open(): Promise<PGlite> {
  if (db !== undefined) return db;
  opening ??= (async () => {
    const { PGlite } = await importPeer(PEERS.pglite, () => import('@electric-sql/pglite'));
    // PGlite creates its data directory but not missing parents ('./data/security' on a fresh clone).
    if (dataDir !== undefined && !/^[a-z]+:\/\//i.test(dataDir)) await mkdir(dirname(resolve(dataDir)), { recursive: true });
    // In memory the files live in Emscripten's MEMFS, where posix_fallocate (PostgreSQL's way
    // to extend a table by many pages, as COPY does) reallocates and copies the whole file:
    // writing zeros grows it geometrically instead. On disk fallocate is the kernel's. Only a
    // speed setting: a PGlite without the start parameters opens as it is.
    const defaults = (PGlite as { defaultStartParams?: unknown }).defaultStartParams;
    const startParams = Array.isArray(defaults) ? [...(defaults as string[]), '-c', 'file_extend_method=write_zeros'] : undefined;
    const created = dataDir !== undefined ? new PGlite(dataDir) : startParams !== undefined ? new PGlite({ startParams }) : new PGlite();
    await created.waitReady;
    if (onDisk !== undefined) takePgliteLock(onDisk);
    db = created;
    return created;
  })();
  return opening;
}

/** The fields of a database error that the store looks at (SQLSTATE code, detail), kept across the thread boundary. */
function serializeError(err: unknown): WorkerReply['error'] {
  if (typeof err !== 'object' || err === null) return { message: String(err) };
  const e = err as Record<string, unknown>;
  const out: NonNullable<WorkerReply['error']> = { message: String(e.message ?? err) };
  for (const key of ['name', 'code', 'detail', 'hint', 'severity', 'table', 'constraint']) {
    if (typeof e[key] === 'string') out[key] = e[key] as string;
  }
  return out;
}

function reply(id: number, result?: unknown): void {
  port.postMessage({ id, ok: true, result } satisfies WorkerReply);
}

function fail(id: number, err: unknown): void {
  port.postMessage({ id, ok: false, error: serializeError(err) } satisfies WorkerReply);
}

async function handle(msg: WorkerRequest): Promise<void> {
  switch (msg.op) {
    case 'open':
      await open();
      reply(msg.id);
      return;
    case 'query': {
      const target = msg.tx === undefined ? await open() : transactions.get(msg.tx)?.tx;
      if (target === undefined) throw new Error(`transaction ${msg.tx} is not open`);
      reply(msg.id, (await target.query(msg.text, msg.params)).rows);
      return;
    }
    case 'copy': {
      const target = msg.tx === undefined ? await open() : transactions.get(msg.tx)?.tx;
      if (target === undefined) throw new Error(`transaction ${msg.tx} is not open`);
      // rampart-ignore S003: table and columns are rampart's own identifiers; the data travels as a blob
      await target.query(`copy ${msg.table} (${msg.columns}) from '/dev/blob' with (format binary)`, [], {
        blob: new Blob([msg.data as Uint8Array<ArrayBuffer>]),
      });
      reply(msg.id);
      return;
    }
    case 'begin': {
      const database = await open();
      const txId = nextTx++;
      let started = false;
      let end!: (commit: boolean) => void;
      const ended = new Promise<boolean>((r) => (end = r));
      const done = database.transaction(async (tx) => {
        started = true;
        transactions.set(txId, { tx, end, done });
        reply(msg.id, txId);
        if (!(await ended)) await tx.rollback();
      });
      done.catch((err: unknown) => {
        if (!started) fail(msg.id, err);
      });
      return;
    }
    case 'end': {
      const entry = transactions.get(msg.tx);
      if (entry === undefined) throw new Error(`transaction ${msg.tx} is not open`);
      transactions.delete(msg.tx);
      entry.end(msg.commit);
      try {
        await entry.done;
      } catch (err) {
        // A rollback asked for by the caller is not an error; a failed COMMIT is.
        if (msg.commit) throw err;
      }
      reply(msg.id);
      return;
    }
    case 'close':
      if (opening !== undefined) {
        const database = await opening.catch(() => undefined);
        if (database !== undefined && !database.closed) await database.close();
        if (onDisk !== undefined) releasePgliteLock(onDisk);
      }
      reply(msg.id);
      return;
  }
}

port.on('message', (msg: WorkerRequest) => {
  handle(msg).catch((err: unknown) => fail(msg.id, err));
});

/**
 * The first security event must not stall the server (DESIGN §8: ≤ 1 ms added to any request).
 * For each log configuration, a fresh child process builds the preset, starts serving, and
 * a client sends one request with a bad Host (the first event) followed by 200 good
 * requests, one every 10 ms (bench/footprint/first-event.ts). Reported: the first request's
 * latency, the median and slowest of the following requests, the worst event-loop delay in
 * the server from the event on (and during start-up, while a log opens), and the server's
 * RSS before the event and after the run.
 *
 *   npx node bench/first-event.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FirstEvent, firstEvent } from './footprint/first-event.ts';

/** One line of the report. */
function formatFirstEvent(label: string, r: FirstEvent): string {
  return `${label.padEnd(44)} first ${r.firstMs.toFixed(1).padStart(7)} ms (status ${r.status})   next 200: median ${r.medianMs.toFixed(1)} ms, worst ${r.worstMs.toFixed(1).padStart(6)} ms   event-loop max delay ${r.maxDelayMs.toFixed(1).padStart(7)} ms (start-up ${r.startupMaxDelayMs.toFixed(1)} ms)   rss ${r.rssBeforeMb.toFixed(0)} → ${r.rssAfterMb.toFixed(0)} MB`;
}

const entry = new URL('../src/index.ts', import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), 'rampart-first-event-'));
try {
  console.log(`first security event (${process.version})`);
  console.log(formatFirstEvent('default (JSON lines on stderr)', await firstEvent({ entry })));
  console.log(formatFirstEvent("log: { database: 'memory' } (PGlite worker)", await firstEvent({ entry, log: { database: 'memory' } })));
  console.log(formatFirstEvent('log: { database: <dir> } (PGlite worker, disk)', await firstEvent({ entry, log: { database: join(dir, 'security') } })));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

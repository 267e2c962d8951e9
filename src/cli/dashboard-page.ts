/** The dashboard's HTML: server-rendered with inertText + escapeHtml, refreshed by a nonce'd script using textContent only. */
import { escapeHtml, inertText } from '../output/index.ts';
import type { SecurityLogRow } from '../log/index.ts';

/** What the dashboard shows (also its JSON endpoint's body). */
export interface Summary {
  generatedAt: string;
  windowHours: number;
  counts: Array<{ event: string; count: number }>;
  topIps: Array<{ ip: string; count: number }>;
  recent: Array<Omit<SecurityLogRow, 'timestamp'> & { timestamp: string }>;
}

const inert = (v: string | null): string | null => (v === null ? null : inertText(v));

/**
 * Build the summary from the log's answers (the page and the JSON endpoint show the same).
 * Every text field is made inert ({@link inertText}): the page script puts them into text
 * nodes, where a bidi override would still reorder what a reader sees.
 */
export function summaryFor(
  counts: ReadonlyArray<{ event: string; count: number }>,
  topIps: ReadonlyArray<{ ip: string; count: number }>,
  recent: readonly SecurityLogRow[],
  windowHours: number,
): Summary {
  return {
    generatedAt: new Date().toISOString(),
    windowHours,
    counts: counts.map((c) => ({ event: inertText(c.event), count: c.count })),
    topIps: topIps.map((c) => ({ ip: inertText(c.ip), count: c.count })),
    recent: recent.map((r) => ({
      ...r,
      event: inertText(r.event),
      userId: inert(r.userId),
      ipAddress: inert(r.ipAddress),
      userAgent: inert(r.userAgent),
      path: inert(r.path),
      detail: inert(r.detail),
      timestamp: r.timestamp.toISOString(),
    })),
  };
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;background:#f6f8fa}
h1{font-size:1.3rem;margin:0 0 .2rem}h2{font-size:1rem;margin:1.2rem 0 .4rem}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #d0d7de;vertical-align:top;word-break:break-all}
th{background:#eaeef2}td.n{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#57606a}`;

// Rebuilds the three tables from /api/summary every 5 s. No innerHTML: text nodes only.
const SCRIPT = `
const cell = (row, text, cls) => { const td = row.insertCell(); td.textContent = text == null ? '-' : String(text); if (cls) td.className = cls; };
const fill = (id, items, cols) => {
  const body = document.getElementById(id);
  body.replaceChildren();
  for (const item of items) { const row = body.insertRow(); for (const [key, cls] of cols) cell(row, item[key], cls); }
};
async function refresh() {
  try {
    const res = await fetch('/api/summary', { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (!res.ok) throw new Error('HTTP ' + res.status);
    const s = await res.json();
    fill('counts', s.counts, [['event'], ['count', 'n']]);
    fill('ips', s.topIps, [['ip'], ['count', 'n']]);
    fill('recent', s.recent, [['timestamp'], ['event'], ['ipAddress'], ['userId'], ['path'], ['detail']]);
    document.getElementById('status').textContent = 'updated ' + new Date(s.generatedAt).toLocaleTimeString();
  } catch (err) {
    document.getElementById('status').textContent = 'refresh failed: ' + err.message;
  }
}
setInterval(refresh, 5000);`;

function rows<T>(items: readonly T[], cells: (item: T) => Array<[unknown, string?]>): string {
  return items
    .map(
      (item) =>
        `<tr>${cells(item)
          .map(([v, cls]) => `<td${cls ? ` class="${cls}"` : ''}>${escapeHtml(inertText(v === null || v === undefined ? '-' : String(v)))}</td>`)
          .join('')}</tr>`,
    )
    .join('');
}

/** The full page for `summary`, with `nonce` on the inline style and script. */
export function renderPage(summary: Summary, nonce: string, database: string): string {
  const n = escapeHtml(nonce);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>rampart security dashboard</title><style nonce="${n}">${STYLE}</style></head>
<body>
<h1>rampart security dashboard</h1>
<p class="muted">${escapeHtml(database)} · last ${summary.windowHours} h · <span id="status">generated ${escapeHtml(summary.generatedAt)}</span></p>
<div class="grid">
<section><h2>Events per type</h2><table><thead><tr><th>event</th><th>count</th></tr></thead><tbody id="counts">${rows(summary.counts, (c) => [[c.event], [c.count, 'n']])}</tbody></table></section>
<section><h2>Top IPs</h2><table><thead><tr><th>ip</th><th>events</th></tr></thead><tbody id="ips">${rows(summary.topIps, (c) => [[c.ip], [c.count, 'n']])}</tbody></table></section>
</div>
<h2>Recent events</h2>
<table><thead><tr><th>time (UTC)</th><th>event</th><th>ip</th><th>user</th><th>path</th><th>detail</th></tr></thead>
<tbody id="recent">${rows(summary.recent, (r) => [[r.timestamp], [r.event], [r.ipAddress], [r.userId], [r.path], [r.detail]])}</tbody></table>
<script nonce="${n}">${SCRIPT}</script>
</body></html>`;
}

/** The dashboard's HTML: the page (charts, tables, controls) and the login page. No inline event handlers, no inline style attributes. */
import { escapeHtml, inertText } from '../output/index.ts';

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;background:#f6f8fa}
h1{font-size:1.3rem;margin:0 0 .2rem}h2{font-size:1rem;margin:1.2rem 0 .4rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1rem}
figure{margin:0;background:#fff;border:1px solid #d0d7de;padding:.5rem}figcaption{font-weight:600;margin-bottom:.3rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #d0d7de;vertical-align:top;word-break:break-all}
th{background:#eaeef2}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.new td{background:#fff8c5}
.scroll{max-height:28rem;overflow:auto}
.muted{color:#57606a}
.controls{display:flex;gap:1rem;align-items:center;flex-wrap:wrap;margin:.5rem 0}
button,select,input{font:inherit;padding:.25rem .5rem}
:focus-visible{outline:3px solid #0969da;outline-offset:2px}`;

/** The dashboard page; `nonce` goes on the stylesheet and the script, `base` is the mount path. */
export function dashboardPage(options: { nonce: string; base: string; css: string; source: string }): string {
  const n = escapeHtml(options.nonce);
  const base = escapeHtml(options.base);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>rampart security dashboard</title><style nonce="${n}">${options.css}${STYLE}</style></head>
<body>
<main id="rampart-dashboard" data-base="${base}">
<h1>rampart security dashboard</h1>
<p class="muted">${escapeHtml(inertText(options.source))} · <span id="status" role="status" aria-live="polite">loading…</span></p>
<div class="controls">
<label for="window">Window</label>
<select id="window"><option value="1">last hour</option><option value="24" selected>last 24 hours</option><option value="168">last 7 days</option></select>
<button type="button" id="pause" aria-pressed="false">Pause live updates</button>
<form method="post" action="${base}/logout"><button type="submit">Sign out</button></form>
</div>
<div class="grid">
<figure><figcaption id="cap-timeline">Events over time, by type</figcaption><div id="chart-timeline" role="img" aria-labelledby="cap-timeline"></div></figure>
<figure><figcaption id="cap-statuses">Rejections (4xx) over time, by status</figcaption><div id="chart-statuses" role="img" aria-labelledby="cap-statuses"></div><p id="rates" class="muted"></p></figure>
<figure><figcaption id="cap-ips">Top IPs</figcaption><div id="chart-ips" role="img" aria-labelledby="cap-ips"></div></figure>
</div>
<div class="grid">
<section aria-labelledby="h-counts"><h2 id="h-counts">Events per type</h2><div class="scroll" tabindex="0" role="region" aria-labelledby="h-counts"><table><thead><tr><th scope="col">event</th><th scope="col">count</th></tr></thead><tbody id="counts"></tbody></table></div></section>
<section aria-labelledby="h-ips"><h2 id="h-ips">Top IPs</h2><div class="scroll" tabindex="0" role="region" aria-labelledby="h-ips"><table><thead><tr><th scope="col">ip</th><th scope="col">events</th></tr></thead><tbody id="ips"></tbody></table></div></section>
</div>
<section aria-labelledby="h-recent"><h2 id="h-recent">Recent events (live)</h2>
<div class="scroll" tabindex="0" role="region" aria-labelledby="h-recent"><table><thead><tr><th scope="col">time (UTC)</th><th scope="col">event</th><th scope="col">ip</th><th scope="col">user</th><th scope="col">path</th><th scope="col">detail</th></tr></thead>
<tbody id="recent"></tbody></table></div></section>
</main>
<script nonce="${n}" src="${base}/assets/dashboard.js"></script>
</body></html>`;
}

/** The sign-in page shown to a browser without a session (token mode): one labelled field, no script. */
export function loginPage(options: { nonce: string; base: string; failed: boolean }): string {
  const n = escapeHtml(options.nonce);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>rampart dashboard: sign in</title><style nonce="${n}">${STYLE}</style></head>
<body><main>
<h1>rampart security dashboard</h1>
${options.failed ? '<p role="alert">That token is not valid.</p>' : '<p>Authentication required.</p>'}
<form method="post" action="${escapeHtml(options.base)}/login">
<label for="token">Dashboard token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form>
</main></body></html>`;
}

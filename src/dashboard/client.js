// The dashboard's browser side (bundled after uPlot into one script at build time). It reads
// api/summary, draws three uPlot charts and fills the tables, then follows api/events (Server-Sent
// Events): each new event is added to the table at once and the summary is read again. Text goes
// into text nodes only (no innerHTML). window.rampartDashboard exposes the data for tests.
(() => {
  const root = document.getElementById('rampart-dashboard');
  if (!root) return;
  const base = root.dataset.base || '.';
  const $ = (id) => document.getElementById(id);
  const palette = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bc4c00', '#116329', '#a40e26', '#6e7781', '#953800'];
  const state = { summary: null, charts: {}, live: true, source: null, received: 0 };
  window.rampartDashboard = state;

  const text = (v) => (v === null || v === undefined ? '-' : String(v));
  const fill = (id, items, cols) => {
    const body = $(id);
    body.replaceChildren();
    for (const item of items) addRow(body, item, cols, false);
  };
  const addRow = (body, item, cols, first) => {
    const row = first ? body.insertRow(0) : body.insertRow();
    for (const [key, cls] of cols) {
      const td = row.insertCell();
      td.textContent = text(item[key]);
      if (cls) td.className = cls;
    }
    return row;
  };
  const RECENT = [['timestamp'], ['event'], ['ipAddress'], ['userId'], ['path'], ['detail']];

  const width = (el) => Math.max(280, Math.floor(el.getBoundingClientRect().width) - 8);
  function chart(key, el, opts, data) {
    const old = state.charts[key];
    if (old && old.series.length === opts.series.length && JSON.stringify(old.series.map((s) => s.label)) === JSON.stringify(opts.series.map((s) => s.label))) {
      old.setData(data);
      return;
    }
    if (old) old.destroy();
    el.replaceChildren();
    state.charts[key] = new uPlot({ width: width(el), height: 220, ...opts }, data, el);
  }

  function draw(s) {
    const t = s.timeline;
    chart(
      'timeline',
      $('chart-timeline'),
      {
        series: [{}, ...t.series.map((x, i) => ({ label: x.event, stroke: palette[i % palette.length], width: 2, points: { show: true } }))],
        axes: [{}, { label: 'events' }],
      },
      [t.times, ...t.series.map((x) => x.counts)],
    );
    const ips = s.topIps;
    // Closures read the current summary: a chart that is only given new data keeps its options.
    const ipAt = (i) => (state.summary?.topIps[i] ? state.summary.topIps[i].ip : '');
    chart(
      'ips',
      $('chart-ips'),
      {
        scales: {
          x: { time: false, range: () => [-0.5, Math.max(state.summary.topIps.length, 1) - 0.5] },
          y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
        },
        series: [
          { label: 'IP', value: (_u, v) => (v == null ? '-' : ipAt(v)) },
          { label: 'events', fill: '#0969da55', stroke: '#0969da', paths: uPlot.paths.bars({ size: [0.6] }), points: { show: false } },
        ],
        axes: [{ splits: () => state.summary.topIps.map((_, i) => i), values: (_u, splits) => splits.map(ipAt) }, { label: 'events' }],
      },
      [ips.map((_, i) => i), ips.map((x) => x.count)],
    );
    const st = s.statuses;
    chart(
      'statuses',
      $('chart-statuses'),
      {
        series: [{}, ...st.series.map((x, i) => ({ label: String(x.status), stroke: palette[(i + 1) % palette.length], width: 2, points: { show: true } }))],
        axes: [{}, { label: 'responses' }],
      },
      [st.times, ...st.series.map((x) => x.counts)],
    );
    fill('counts', s.counts, [['event'], ['count', 'n']]);
    fill('ips', s.topIps, [['ip'], ['count', 'n']]);
    fill('recent', s.recent, RECENT);
    const total4xx = st.series.reduce((sum, x) => sum + x.counts.reduce((a, b) => a + b, 0), 0);
    const pct = (n, total) => (total > 0 ? `${((100 * n) / total).toFixed(1)}%` : '-');
    const w = s.responses?.at(-1);
    $('rates').textContent =
      `${total4xx} rejection(s) by rampart in the last ${s.windowHours} h` +
      (w
        ? ` · all responses, last ${w.window} s: ${w.total}, 4xx ${w.clientErrors} (${pct(w.clientErrors, w.total)}), 5xx ${w.serverErrors} (${pct(w.serverErrors, w.total)})`
        : '');
  }

  function status(message) {
    $('status').textContent = message;
  }

  async function refresh() {
    try {
      const hours = $('window').value;
      const res = await fetch(`${base}/api/summary?hours=${encodeURIComponent(hours)}`, {
        headers: { accept: 'application/json' },
        cache: 'no-store',
        credentials: 'same-origin',
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const s = await res.json();
      state.summary = s;
      draw(s);
      status(`updated ${new Date(s.generatedAt).toLocaleTimeString()}${state.live ? ' · live' : ' · paused'}`);
    } catch (err) {
      status(`refresh failed: ${err.message}`);
    }
  }

  let pending = 0;
  const refreshSoon = () => {
    clearTimeout(pending);
    pending = setTimeout(refresh, 400);
  };

  const seen = new Set();
  function follow() {
    if (state.source) state.source.close();
    const source = new EventSource(`${base}/api/events`);
    state.source = source;
    source.addEventListener('security', (e) => {
      const row = JSON.parse(e.data);
      if (seen.has(row.id)) return;
      seen.add(row.id);
      state.received++;
      const body = $('recent');
      addRow(body, row, RECENT, true).className = 'new';
      while (body.rows.length > 100) body.deleteRow(body.rows.length - 1);
      refreshSoon();
    });
    source.onerror = () => status('live updates interrupted; retrying…');
    source.onopen = () => refresh();
  }

  $('pause').addEventListener('click', () => {
    state.live = !state.live;
    $('pause').textContent = state.live ? 'Pause live updates' : 'Resume live updates';
    $('pause').setAttribute('aria-pressed', String(!state.live));
    if (state.live) follow();
    else if (state.source) {
      state.source.close();
      state.source = null;
    }
    refresh();
  });
  $('window').addEventListener('change', refresh);
  refresh().then(follow);
})();

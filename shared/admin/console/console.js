// Pampero's admin console: plain JavaScript, no build step, no library. It only calls the admin
// API (/admin/api/…, docs/admin-api.md) with the token the admin typed in, kept for this tab only
// (sessionStorage). Every 2 s it polls the cluster view and this node's figures and draws the
// last few minutes as small SVG charts.
'use strict';
(() => {
  const POLL_MS = 2000;
  const POINTS = 90; // 3 minutes at 2 s
  const TOKEN_KEY = 'pampero-admin-token';
  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(TOKEN_KEY) || '';
  let timer;
  let previous; // the last /node sample, for rates
  // Pages in files of their own (rate-limits.js, incidents.js) register what to do when shown.
  const pageHooks = new Map();

  // ---- API ------------------------------------------------------------------------------------
  async function api(method, path, body) {
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`/admin/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status === 401) {
      logout('The token was refused.');
      throw new Error('unauthorized');
    }
    const data = res.status === 204 ? null : await res.json().catch(() => null);
    if (!res.ok) throw new Error((data && data.message) || `${res.status} ${res.statusText}`);
    return data;
  }

  // ---- small DOM helpers (text only: JIDs and domains come from users) -------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return node;
  }
  function fillTable(tbody, rows) {
    tbody.replaceChildren(...rows);
  }
  function say(text, bad) {
    const m = $('message');
    m.textContent = text;
    m.classList.toggle('bad', Boolean(bad));
  }
  function duration(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
    if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
    return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
  }
  const mib = (bytes) => `${(bytes / 1048576).toFixed(0)} MiB`;

  // ---- login / navigation ------------------------------------------------------------------------
  function showApp(loggedIn) {
    $('login').hidden = loggedIn;
    $('nav').hidden = !loggedIn;
    if (!loggedIn) for (const page of document.querySelectorAll('.page')) page.hidden = true;
    else route();
  }
  function route() {
    const wanted = (location.hash || '#overview').slice(1);
    for (const page of document.querySelectorAll('.page')) page.hidden = page.id !== wanted;
    for (const link of document.querySelectorAll('nav a')) link.classList.toggle('active', link.dataset.section === wanted);
    const show = pageHooks.get(wanted);
    if (show) void show();
  }
  function logout(reason) {
    clearInterval(timer);
    timer = undefined;
    token = '';
    sessionStorage.removeItem(TOKEN_KEY);
    showApp(false);
    $('login-error').textContent = reason || '';
  }
  async function login(candidate) {
    token = candidate;
    try {
      await api('GET', '/node');
    } catch (err) {
      if (err.message !== 'unauthorized') $('login-error').textContent = `Cannot reach the admin API: ${err.message}`;
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    $('login-error').textContent = '';
    showApp(true);
    await tick();
    clearInterval(timer);
    timer = setInterval(tick, POLL_MS);
  }

  // ---- charts ----------------------------------------------------------------------------------
  const CHARTS = [
    { key: 'sessions', title: 'Sessions', unit: '' },
    { key: 'stanzas', title: 'Stanzas/s (in + out)', unit: '/s' },
    { key: 'logins', title: 'Logins/s', unit: '/s' },
    { key: 'cpu', title: 'CPU', unit: '%' },
    { key: 'rss', title: 'RSS', unit: ' MiB' },
    { key: 'lag', title: 'Event-loop lag', unit: ' ms' },
  ];
  const series = Object.fromEntries(CHARTS.map((c) => [c.key, []]));
  const SVG = 'http://www.w3.org/2000/svg';
  function buildCharts() {
    const box = $('charts');
    for (const chart of CHARTS) {
      const svg = document.createElementNS(SVG, 'svg');
      svg.setAttribute('viewBox', `0 0 ${POINTS - 1} 100`);
      svg.setAttribute('preserveAspectRatio', 'none');
      chart.area = document.createElementNS(SVG, 'polygon');
      chart.line = document.createElementNS(SVG, 'polyline');
      svg.append(chart.area, chart.line);
      chart.value = el('span', { class: 'value' }, '–');
      box.append(el('div', { class: 'chart', 'data-chart': chart.key }, el('div', { class: 'title' }, chart.title, chart.value), svg));
    }
  }
  function push(key, value) {
    const s = series[key];
    s.push(value);
    if (s.length > POINTS) s.shift();
  }
  function drawCharts() {
    for (const chart of CHARTS) {
      const s = series[chart.key];
      if (s.length === 0) continue;
      const max = Math.max(1, ...s) * 1.1;
      const offset = POINTS - s.length;
      const points = s.map((v, i) => `${offset + i},${(100 - (v / max) * 100).toFixed(1)}`);
      chart.line.setAttribute('points', points.join(' '));
      chart.area.setAttribute('points', `${offset},100 ${points.join(' ')} ${POINTS - 1},100`);
      const last = s[s.length - 1];
      chart.value.textContent = `${Number.isInteger(last) ? last : last.toFixed(1)}${chart.unit}`;
    }
  }

  // ---- pages -----------------------------------------------------------------------------------
  function renderCluster(view) {
    $('cluster-mode').textContent = view.mode === 'cluster' ? `fleet: ${view.nodes.length} node(s)` : 'single node';
    $('this-node').textContent = view.self;
    const now = Date.now();
    fillTable($('nodes').tBodies[0], view.nodes.map((n) => {
      const health = n.up ? n.health : 'down';
      return el('tr', { 'data-node': n.id, class: n.id === view.self ? 'self' : '' },
        el('td', {}, n.id), el('td', {}, n.role), el('td', {}, n.version),
        el('td', { class: `health-${health}` }, n.up ? n.health : 'DOWN'),
        el('td', {}, duration(n.lastBeatAt - n.startedAt)),
        el('td', {}, n.sessions === undefined || n.sessions === null ? '–' : n.sessions),
        el('td', {}, mib(n.rssBytes)), el('td', {}, `${n.cpuPercent}%`), el('td', {}, `${n.eventLoopLagMs} ms`),
        el('td', {}, n.up ? `${(Math.max(0, n.silentForMs) / 1000).toFixed(1)} s ago` : `silent ${duration(n.silentForMs)}`),
        el('td', { class: 'wrap' }, (n.components || []).join(', ') || '–'));
    }));
    $('status-line').textContent = `Updated ${new Date(now).toLocaleTimeString()}; refreshed every ${POLL_MS / 1000} s.`;
  }

  function renderNode(sample) {
    const n = sample.node;
    push('sessions', n.sessions || 0);
    push('cpu', n.cpuPercent);
    push('rss', Math.round(n.rssBytes / 1048576));
    push('lag', n.eventLoopLagMs);
    if (previous) {
      const seconds = Math.max(0.001, (sample.at - previous.at) / 1000);
      const t = sample.totals;
      const p = previous.totals;
      push('stanzas', Math.max(0, (t.stanzasIn + t.stanzasOut - p.stanzasIn - p.stanzasOut) / seconds));
      push('logins', Math.max(0, (t.logins - p.logins) / seconds));
    }
    previous = sample;
    drawCharts();
    const drain = $('drain');
    drain.disabled = sample.readiness === 'draining';
    if (sample.readiness === 'draining') drain.textContent = 'Draining';
  }

  function renderSessions(list) {
    $('session-count').textContent = `${list.total}`;
    fillTable($('session-table').tBodies[0], list.sessions.map((s) => el('tr', { 'data-jid': s.jid },
      el('td', {}, s.jid), el('td', {}, s.transport), el('td', {}, s.available ? 'yes' : 'no'), el('td', {}, s.priority),
      el('td', {}, el('button', { type: 'button', class: 'small danger', 'data-kick': s.jid, onclick: () => kick(s.jid) }, 'Kick')))));
  }

  function renderComponents(list) {
    fillTable($('component-table').tBodies[0], list.components.map((c) => el('tr', { 'data-domain': c.domain },
      el('td', {}, c.domain),
      el('td', { class: c.connected ? 'health-ok' : 'health-down', 'data-state': c.connected ? 'connected' : 'disconnected' }, c.connected ? 'connected' : (c.allowed ? 'not connected' : 'detaching')),
      el('td', {}, c.links),
      el('td', {}, c.createdAt ? new Date(c.createdAt).toLocaleString() : '–'),
      el('td', {}, c.allowed ? el('button', { type: 'button', class: 'small danger', 'data-detach': c.domain, onclick: (e) => detach(c.domain, e.target) }, 'Detach') : ''))));
  }

  async function tick() {
    try {
      const [cluster, node, sessions, components] = await Promise.all([
        api('GET', '/cluster').catch((err) => ({ failed: err })),
        api('GET', '/node'),
        api('GET', '/sessions?limit=500'),
        api('GET', '/components'),
      ]);
      if (cluster.failed) say(`Cluster view unavailable: ${cluster.failed.message}`, true);
      else renderCluster(cluster);
      renderNode(node);
      renderSessions(sessions);
      renderComponents(components);
    } catch (err) {
      if (err.message !== 'unauthorized') say(`Refresh failed: ${err.message}`, true);
    }
  }

  // ---- actions ---------------------------------------------------------------------------------
  async function kick(jid) {
    try {
      const result = await api('POST', '/sessions/kick', { jid });
      say(`Kicked ${result.kicked.join(', ')}.`);
    } catch (err) {
      say(`Kick failed: ${err.message}`, true);
    }
    await tick();
  }

  async function detach(domain, button) {
    if (button.dataset.confirm !== 'yes') {
      button.dataset.confirm = 'yes';
      button.textContent = 'Click again to detach';
      return;
    }
    try {
      await api('DELETE', `/components/${encodeURIComponent(domain)}`);
      say(`Detached ${domain}.`);
    } catch (err) {
      say(`Detach failed: ${err.message}`, true);
    }
    await tick();
  }

  async function attach(event) {
    event.preventDefault();
    const domain = $('attach-domain').value.trim();
    const secret = $('attach-secret').value;
    try {
      const result = await api('POST', '/components', { domain, secret });
      say(result.created ? `Attached ${result.domain}: it may connect now.` : `Re-keyed ${result.domain}.`);
      $('attach-form').reset();
    } catch (err) {
      say(`Attach failed: ${err.message}`, true);
    }
    await tick();
  }

  async function drain(event) {
    const button = event.target;
    if (button.dataset.confirm !== 'yes') {
      button.dataset.confirm = 'yes';
      button.textContent = 'Click again to drain (readyz 503, clients sent elsewhere)';
      return;
    }
    try {
      await api('POST', '/drain');
      say('Draining: /readyz answers 503 and this node sends its clients elsewhere.');
    } catch (err) {
      say(`Drain failed: ${err.message}`, true);
    }
    await tick();
  }

  // What the other console files use (loaded after this one, in order: see index.html).
  window.pamperoConsole = {
    api, el, say, fillTable,
    /** Runs `show` each time the page with this id is shown (and once the admin logged in). */
    onShow: (id, show) => pageHooks.set(id, show),
  };

  // ---- start -----------------------------------------------------------------------------------
  document.addEventListener('DOMContentLoaded', () => {
    buildCharts();
    $('login-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void login($('token').value);
    });
    $('logout').addEventListener('click', () => logout());
    $('attach-form').addEventListener('submit', attach);
    $('drain').addEventListener('click', drain);
    window.addEventListener('hashchange', route);
    if (token) void login(token);
    else showApp(false);
  });
})();

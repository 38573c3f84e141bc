// The console's incidents page: the incident store (docs/abuse.md: XEP-0377 spam and abuse
// reports, abuse events) searched through GET /admin/api/incidents, newest first. Loaded after
// console.js.
'use strict';
(() => {
  const { api, el, say, fillTable, onShow } = window.pamperoConsole;
  const $ = (id) => document.getElementById(id);
  const SINCE_HOURS = { '': 0, '1h': 1, '24h': 24, '7d': 168 };

  async function search(event) {
    if (event) event.preventDefault();
    const query = new URLSearchParams({ limit: '100' });
    for (const field of ['reporter', 'offender', 'reason']) {
      const value = $(`incident-${field}`).value.trim();
      if (value) query.set(field, value);
    }
    const hours = SINCE_HOURS[$('incident-since').value] || 0;
    if (hours) query.set('since', new Date(Date.now() - hours * 3_600_000).toISOString());
    try {
      const { incidents } = await api('GET', `/incidents?${query}`);
      $('incident-count').textContent = `${incidents.length}${incidents.length === 100 ? '+' : ''}`;
      fillTable($('incident-table').tBodies[0], incidents.map((i) => el('tr', { 'data-incident': i.id },
        el('td', {}, new Date(i.at).toLocaleString()), el('td', {}, i.kind), el('td', {}, i.reporter || '–'),
        el('td', {}, i.offender || '–'), el('td', {}, i.reason), el('td', { class: 'wrap' }, i.text || ''))));
    } catch (err) {
      if (err.message !== 'unauthorized') say(`Incidents unavailable: ${err.message}`, true);
    }
  }

  document.addEventListener('DOMContentLoaded', () => $('incident-form').addEventListener('submit', search));
  onShow('incidents', () => search());
})();

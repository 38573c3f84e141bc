// The console's rate-limits page: the abuse-control policy (docs/abuse.md) read and edited live
// through the admin API only — GET /rate-limits, PUT /rate-limits/RULE for one rule, PUT
// /rate-limits for the allow-lists (the whole policy, so bans are sent back unchanged), POST and
// DELETE /bans. Every gateway applies a change within 2 s. Loaded after console.js.
'use strict';
(() => {
  const { api, el, say, fillTable, onShow } = window.pamperoConsole;
  const $ = (id) => document.getElementById(id);
  let current; // the last GET /rate-limits answer

  const lines = (text) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

  function ruleRow(name, rule) {
    const number = (field, min) => el('input', { type: 'number', name: field, min: String(min), step: 'any', value: String(rule[field]), 'aria-label': `${name} ${field}` });
    const action = el('select', { name: 'action', 'aria-label': `${name} action` },
      ...['refuse', 'delay'].map((a) => {
        const option = el('option', { value: a }, a);
        option.selected = rule.action === a;
        return option;
      }));
    const enabled = el('input', { type: 'checkbox', name: 'enabled', 'aria-label': `${name} enabled` });
    enabled.checked = rule.enabled;
    const row = el('tr', { 'data-rule': name },
      el('td', {}, name), el('td', {}, rule.key), el('td', {}, enabled),
      el('td', {}, number('points', 1)), el('td', {}, number('durationSeconds', 0)), el('td', {}, number('blockSeconds', 0)),
      // Growing lockouts (failed-login rules only): each lockout twice the one before, up to this.
      el('td', {}, rule.maxBlockSeconds === undefined ? '–' : number('maxBlockSeconds', 0)),
      el('td', {}, action),
      el('td', { class: 'applied', 'data-applied': name }, describe(rule)),
      el('td', {}, el('button', { type: 'button', class: 'small', 'data-save-rule': name, onclick: () => saveRule(name, row) }, 'Save')));
    return row;
  }

  function describe(rule) {
    if (!rule.enabled) return 'off';
    const per = rule.durationSeconds > 0 ? ` per ${rule.durationSeconds} s` : ' at once';
    const growing = rule.maxBlockSeconds > rule.blockSeconds ? ` doubling up to ${rule.maxBlockSeconds} s` : '';
    const block = rule.blockSeconds > 0 ? `, block ${rule.blockSeconds} s${growing}` : '';
    return `${rule.points}${per}, ${rule.action}${block}`;
  }

  function render(answer) {
    current = answer;
    $('policy-version').textContent = `version ${answer.version}`;
    fillTable($('rule-table').tBodies[0], answer.rules.map((name) => ruleRow(name, answer.policy.rules[name])));
    $('allow-ips').value = answer.policy.allowIps.join('\n');
    $('allow-accounts').value = answer.policy.allowAccounts.join('\n');
    fillTable($('ban-table').tBodies[0], (answer.policy.bans || []).map((ban) => el('tr', { 'data-ban': ban.range },
      el('td', {}, ban.range), el('td', {}, new Date(ban.until).toLocaleString()), el('td', { class: 'wrap' }, ban.reason || '–'),
      el('td', {}, el('button', { type: 'button', class: 'small danger', 'data-lift': ban.range, onclick: () => lift(ban.range) }, 'Lift')))));
  }

  async function load() {
    try {
      render(await api('GET', '/rate-limits'));
    } catch (err) {
      if (err.message !== 'unauthorized') say(`Rate limits unavailable: ${err.message}`, true);
    }
  }

  async function saveRule(name, row) {
    const field = (f) => row.querySelector(`[name="${f}"]`);
    const change = {
      points: Number(field('points').value),
      durationSeconds: Number(field('durationSeconds').value),
      blockSeconds: Number(field('blockSeconds').value),
      action: field('action').value,
      enabled: field('enabled').checked,
    };
    if (field('maxBlockSeconds')) change.maxBlockSeconds = Number(field('maxBlockSeconds').value);
    try {
      const result = await api('PUT', `/rate-limits/${encodeURIComponent(name)}`, change);
      say(`Saved ${name}: ${describe(result.rule)} (policy version ${result.version}); gateways apply it within 2 s.`);
    } catch (err) {
      say(`${name} not saved: ${err.message}`, true);
    }
    await load();
  }

  async function saveAllowLists(event) {
    event.preventDefault();
    if (!current) return;
    const policy = { ...current.policy, allowIps: lines($('allow-ips').value), allowAccounts: lines($('allow-accounts').value) };
    try {
      const result = await api('PUT', '/rate-limits', policy);
      say(`Allow-lists saved (policy version ${result.version}).`);
    } catch (err) {
      say(`Allow-lists not saved: ${err.message}`, true);
    }
    await load();
  }

  async function ban(event) {
    event.preventDefault();
    const body = { range: $('ban-range').value.trim(), seconds: Number($('ban-minutes').value) * 60, reason: $('ban-reason').value };
    try {
      const result = await api('POST', '/bans', body);
      say(`Banned ${result.ban.range} until ${new Date(result.ban.until).toLocaleString()}.`);
      $('ban-form').reset();
    } catch (err) {
      say(`Ban refused: ${err.message}`, true);
    }
    await load();
  }

  async function lift(range) {
    try {
      await api('DELETE', `/bans?range=${encodeURIComponent(range)}`);
      say(`Lifted the ban of ${range}.`);
    } catch (err) {
      say(`Lift failed: ${err.message}`, true);
    }
    await load();
  }

  async function reset(event) {
    const button = event.target;
    if (button.dataset.confirm !== 'yes') {
      button.dataset.confirm = 'yes';
      button.textContent = 'Click again to reset every rule';
      return;
    }
    delete button.dataset.confirm;
    button.textContent = 'Reset to defaults';
    try {
      const result = await api('DELETE', '/rate-limits');
      say(`Policy reset to the defaults (version ${result.version}).`);
    } catch (err) {
      say(`Reset failed: ${err.message}`, true);
    }
    await load();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('allow-form').addEventListener('submit', saveAllowLists);
    $('ban-form').addEventListener('submit', ban);
    $('reset-limits').addEventListener('click', reset);
    $('reload-limits').addEventListener('click', () => void load());
  });
  onShow('rate-limits', load);
})();

// The yard gateway status page. Everything shown comes from the authenticated JSON API with the
// admin token the user typed, kept in sessionStorage (this tab only) until Sign out. No data is
// in the page itself, and the page loads nothing from anywhere but this gateway.
'use strict';

(() => {
  const TOKEN_KEY = 'yard.admin_token';
  const REFRESH_MS = 5000;
  const SKEW_FLAG_MS = 5 * 60 * 1000;
  const MAX_BARS = 120;

  const $ = (id) => document.getElementById(id);
  let refreshTimer = null;
  let rangeMinutes = 60;
  let lastStatus = null;
  let signedIn = false;

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  const token = () => sessionStorage.getItem(TOKEN_KEY) || '';

  async function api(method, path, body) {
    const headers = { Authorization: 'Bearer ' + token() };
    const init = { method, headers, cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, 'unreachable', 'The gateway does not answer. Is it running?');
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (e) {
      data = null;
    }
    if (!response.ok) {
      const message = data && data.message ? data.message : response.statusText;
      throw new ApiError(response.status, data && data.error ? data.error : 'error', message);
    }
    return data;
  }

  // --- small DOM helpers: text only, never HTML, so record contents cannot inject markup ---

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function facts(dl, rows) {
    dl.replaceChildren();
    for (const [label, value, cls] of rows) {
      dl.append(el('dt', { text: label }), el('dd', { class: cls, text: value }));
    }
  }

  // --- formatting ---

  function duration(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return s + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return m + ' min';
    const h = Math.floor(m / 60);
    if (h < 48) return h + ' h ' + (m % 60) + ' min';
    return Math.floor(h / 24) + ' days';
  }

  function ago(epochMs) {
    if (!epochMs) return 'never';
    const ms = Date.now() - epochMs;
    if (ms < 5000) return 'just now';
    return duration(ms) + ' ago';
  }

  function clock(epochMs) {
    return new Date(epochMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function dateTime(epochMs) {
    return new Date(epochMs).toLocaleString([], {
      month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
    });
  }

  function bytes(n) {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    let v = n;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i += 1;
    }
    return (i ? v.toFixed(1) : String(v)) + ' ' + units[i];
  }

  const plural = (n, word) => n + ' ' + word + (n === 1 ? '' : 's');

  // What the page says about the link. "Connected" only when the link is up: a link that has
  // not yet completed a round trip is never shown as connected.
  const LINK_TEXT = {
    up: ['Connected', 'ok'],
    down: ['Offline: head office unreachable', 'bad'],
    refused: ['Refused by upstream', 'bad'],
    unknown: ['Not connected yet', 'warn'],
    none: ['No upstream configured', 'none'],
  };

  // --- rendering ---

  function renderStatus(status) {
    lastStatus = status;
    $('node-name').textContent = `${status.node} · ${status.site} · ${status.role}`;
    const up = status.upstream || { link: 'none' };
    const [linkText, linkClass] = LINK_TEXT[up.link] || ['Unknown state: ' + up.link, 'warn'];
    const state = $('wan-state');
    state.textContent = linkText;
    state.className = 'state ' + linkClass;
    state.dataset.link = up.link;

    const wan = [];
    if (up.link !== 'none') {
      wan.push(['Transport', up.transport || '']);
      wan.push(['Last successful sync', up.last_success ? ago(up.last_success) : 'never']);
      if (up.last_error) wan.push(['Last error', up.last_error, 'bad']);
      if (up.syncing) wan.push(['Now', 'syncing']);
      else if (up.next_round_in_ms !== undefined) wan.push(['Next round', 'in ' + duration(up.next_round_in_ms)]);
    } else {
      wan.push(['', 'This node keeps everything locally and reconciles with nobody.']);
    }
    if (status.mqtt && status.mqtt.enabled) {
      // The site broker phones may sync through (docs/mqtt.md); not shown when [mqtt] is off.
      const m = status.mqtt;
      wan.push(['Phone broker', m.connected ? 'connected to ' + (m.broker || 'the broker') : 'not connected to ' + (m.broker || 'the broker'), m.connected ? '' : 'bad']);
    }
    facts($('wan-facts'), wan);

    const pending = up.pending || 0;
    const attachments = status.attachments;
    const attachmentsPending = attachments && attachments.pending !== undefined ? String(attachments.pending) : 'n/a';
    facts($('waiting-facts'), [
      ['Records', String(pending)],
      ['Oldest waiting', pending ? duration(up.oldest_pending_age_ms || 0) : '—', pending && up.link !== 'up' ? 'bad' : ''],
      ['Attachments', attachmentsPending],
    ]);

    const badge = $('syncing-badge');
    badge.hidden = pending === 0 || up.link === 'none';
    badge.textContent = up.link === 'up' ? `Syncing ${plural(pending, 'item')}` : `${plural(pending, 'item')} waiting (not connected)`;
    badge.className = 'badge' + (up.link === 'up' ? '' : ' offline');

    const storage = status.storage || {};
    const rows = [
      ['Plugin', storage.plugin || 'unknown'],
      ['Health', storage.healthy ? 'healthy' : 'not answering', storage.healthy ? '' : 'bad'],
      ['Records', status.records !== undefined ? String(status.records) : 'n/a'],
      ['Devices', status.devices !== undefined ? String(status.devices) + ' active' : 'n/a'],
    ];
    for (const [name, plugin] of Object.entries(status.plugins || {})) {
      rows.push([name, plugin.errors ? plural(plugin.errors, 'error') : 'no errors', plugin.errors ? 'bad' : '']);
    }
    facts($('storage-facts'), rows);

    const bar = $('quota-bar');
    if (attachments && attachments.bytes !== undefined) {
      const quota = attachments.quota_bytes || 0;
      const share = quota ? Math.min(1, attachments.bytes / quota) : 0;
      facts($('attachment-facts'), [
        ['Used', bytes(attachments.bytes) + (quota ? ' of ' + bytes(quota) : '')],
        ['Share', quota ? Math.round(share * 100) + ' %' : 'n/a'],
      ]);
      bar.hidden = !quota;
      bar.firstElementChild.style.width = (share * 100).toFixed(1) + '%';
      bar.classList.toggle('full', share >= 0.9);
    } else {
      facts($('attachment-facts'), [['Used', 'n/a'], ['Quota', 'n/a']]);
      bar.hidden = true;
    }
    renderCharts();
    $('updated').textContent = `Updated ${new Date().toLocaleTimeString()} · version ${status.version} · up ${duration((status.uptime_s || 0) * 1000)}`;
  }

  function renderDevices(devices) {
    const body = $('devices').tBodies[0];
    body.replaceChildren();
    $('no-devices').hidden = devices.length > 0;
    $('device-count').textContent = devices.length ? `(${devices.length})` : '';
    const sorted = [...devices].sort((a, b) => (b.last_sync || 0) - (a.last_sync || 0));
    for (const d of sorted) {
      const skew = d.clock_skew_ms || 0;
      const skewed = Math.abs(skew) > SKEW_FLAG_MS;
      const cell = (label, text, cls) => el('td', { 'data-label': label, class: cls, text });
      body.append(el('tr', { 'data-device': d.id, class: d.revoked ? 'revoked' : '' },
        cell('Device', d.id + (d.node ? ' (node)' : '')),
        cell('Operator', d.operator || '—'),
        cell('Last seen', d.last_sync ? ago(d.last_sync) : 'never'),
        cell('Channel', d.channel || '—'),
        cell('Pending', String(d.pending || 0)),
        cell('Status', d.revoked ? 'revoked' : 'active', 'status'),
        cell('Clock', skewed ? `off by ${duration(Math.abs(skew))} (${skew > 0 ? 'ahead' : 'behind'})` : 'ok', skewed ? 'flag' : '')));
    }
  }

  function describe(version) {
    if (!version || typeof version !== 'object') return 'a record';
    const b = version.body || {};
    const name = b.equipment_id || b.trailer || b.booking || '';
    return (version.type || 'record') + (name ? ' ' + name : '');
  }

  function fieldText(value) {
    if (value === undefined) return '—';
    if (value === null) return 'empty';
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  function versionPanel(kind, title, version, other) {
    const body = (version && version.body) || {};
    const otherBody = (other && other.body) || {};
    const keys = [...new Set([...Object.keys(body), ...Object.keys(otherBody)])].sort();
    const rows = keys.map((k) => {
      const differs = JSON.stringify(body[k]) !== JSON.stringify(otherBody[k]);
      return el('tr', { class: differs ? 'differs' : '' },
        el('td', { class: 'field', text: k }), el('td', { text: fieldText(body[k]) }));
    });
    if (version && version.deleted) rows.unshift(el('tr', { class: 'differs' }, el('td', { class: 'field', text: 'deleted' }), el('td', { text: 'yes' })));
    const origin = (version && version.origin) || {};
    const who = [origin.operator, origin.device].filter(Boolean).join(' on ') || origin.node || 'unknown';
    return el('div', { class: 'version ' + kind },
      el('h4', { text: `${title} — by ${who}` }),
      el('table', {}, el('tbody', {}, ...rows)));
  }

  function renderConflicts(conflicts) {
    const list = $('conflicts');
    list.replaceChildren();
    const open = conflicts.filter((c) => !c.restored).length;
    $('conflict-count').textContent = conflicts.length ? `(${open} open)` : '';
    if (!conflicts.length) {
      list.append(el('p', { class: 'muted', text: 'No conflicts.' }));
      return;
    }
    for (const c of conflicts) {
      const action = c.restored
        ? el('span', { class: 'restored', text: 'Restored' })
        : el('button', { type: 'button', class: 'restore', 'data-record': c.record, 'data-audit-id': c.audit_id, text: 'Restore lost version' });
      list.append(el('article', { class: 'conflict-item', 'data-audit-id': c.audit_id },
        el('h3', { text: describe(c.lost) }),
        el('div', { class: 'muted', text: `record ${c.record} · ${dateTime(c.at)}` }),
        el('div', { class: 'versions' },
          versionPanel('kept', 'Kept', c.kept, c.lost),
          versionPanel('lost', 'Lost', c.lost, c.kept)),
        action));
    }
  }

  // --- charts: inline SVG, one bar or point per bucket of minutes ---

  function buckets(history, minutes) {
    const step = history.step_ms || 60000;
    const size = Math.max(1, Math.ceil(minutes / MAX_BARS));
    const count = Math.ceil(minutes / size);
    const nowMinute = Math.floor(Date.now() / step) * step;
    const start = nowMinute - (count * size - 1) * step;
    const out = [];
    for (let i = 0; i < count; i += 1) {
      out.push({ start: start + i * size * step, accepted: 0, conflict: 0, rejected: 0, requests: 0, backlog: null });
    }
    const n = (history.requests || []).length;
    for (let i = 0; i < n; i += 1) {
      const t = history.start_ms + i * step;
      const index = Math.floor((t - start) / (size * step));
      if (index < 0 || index >= count) continue;
      const b = out[index];
      b.accepted += history.writes_accepted[i];
      b.conflict += history.writes_conflict[i];
      b.rejected += history.writes_rejected[i];
      b.requests += history.requests[i];
      b.backlog = Math.max(b.backlog === null ? 0 : b.backlog, history.backlog[i]);
    }
    return { buckets: out, size };
  }

  const W = 480;
  const H = 160;
  const PAD = { left: 36, right: 8, top: 8, bottom: 20 };

  function frame(max, first, last) {
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img' });
    const y0 = H - PAD.bottom;
    root.append(svg('line', { class: 'axis', x1: PAD.left, x2: W - PAD.right, y1: y0, y2: y0 }));
    root.append(svg('line', { class: 'axis', x1: PAD.left, x2: W - PAD.right, y1: PAD.top, y2: PAD.top }));
    const label = (x, y, text, anchor) => {
      const t = svg('text', { x, y, 'text-anchor': anchor });
      t.textContent = text;
      return t;
    };
    root.append(label(PAD.left - 4, PAD.top + 4, String(max), 'end'));
    root.append(label(PAD.left - 4, y0, '0', 'end'));
    root.append(label(PAD.left, H - 4, clock(first), 'start'));
    root.append(label(W - PAD.right, H - 4, clock(last), 'end'));
    return root;
  }

  function niceMax(v) {
    if (v <= 5) return 5;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
    return v;
  }

  function barChart(target, data, keys, title) {
    const { buckets: bs, size } = data;
    const max = niceMax(Math.max(0, ...bs.map((b) => keys.reduce((s, k) => s + b[k], 0))));
    const root = frame(max, bs[0].start, bs[bs.length - 1].start);
    root.setAttribute('aria-label', title);
    const plotW = W - PAD.left - PAD.right;
    const plotH = H - PAD.top - PAD.bottom;
    const bw = plotW / bs.length;
    bs.forEach((b, i) => {
      let y = H - PAD.bottom;
      for (const k of keys) {
        if (!b[k]) continue;
        const h = (b[k] / max) * plotH;
        y -= h;
        const rect = svg('rect', { class: k, x: (PAD.left + i * bw + bw * 0.1).toFixed(1), y: y.toFixed(1), width: Math.max(1, bw * 0.8).toFixed(1), height: h.toFixed(1) });
        rect.append(svg('title'));
        rect.firstChild.textContent = `${clock(b.start)}${size > 1 ? ' (+' + size + ' min)' : ''}: ${b[k]} ${k}`;
        root.append(rect);
      }
    });
    target.replaceChildren(root);
  }

  function lineChart(target, data, key, cls, title, filled) {
    const { buckets: bs } = data;
    const values = bs.map((b) => b[key]);
    const max = niceMax(Math.max(0, ...values.filter((v) => v !== null)));
    const root = frame(max, bs[0].start, bs[bs.length - 1].start);
    root.setAttribute('aria-label', title);
    const plotW = W - PAD.left - PAD.right;
    const plotH = H - PAD.top - PAD.bottom;
    const x = (i) => PAD.left + (bs.length === 1 ? plotW : (i / (bs.length - 1)) * plotW);
    const y = (v) => H - PAD.bottom - (v / max) * plotH;
    const points = [];
    values.forEach((v, i) => {
      if (v !== null) points.push([x(i), y(v)]);
    });
    if (points.length) {
      let d = points.map(([px, py], i) => `${i ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`).join('');
      if (filled) d += `L${points[points.length - 1][0].toFixed(1)},${H - PAD.bottom}L${points[0][0].toFixed(1)},${H - PAD.bottom}Z`;
      root.append(svg('path', { class: cls, d }));
    }
    target.replaceChildren(root);
  }

  function renderCharts() {
    if (!lastStatus || !lastStatus.history) return;
    const data = buckets(lastStatus.history, rangeMinutes);
    // Buckets before the history starts (the daemon was not running) draw no line.
    data.buckets.forEach((b) => {
      if (b.backlog === null) b.requests = null;
    });
    barChart($('writes-chart'), data, ['accepted', 'conflict', 'rejected'], 'Writes per minute');
    lineChart($('backlog-chart'), data, 'backlog', 'backlog', 'Records waiting upstream', true);
    lineChart($('requests-chart'), data, 'requests', 'requests', 'Requests per minute', false);
  }

  // --- the refresh loop ---

  function showNotice(text, bad) {
    const n = $('notice');
    n.textContent = text;
    n.className = 'notice' + (bad ? ' bad' : '');
    n.hidden = !text;
  }

  async function refresh() {
    clearTimeout(refreshTimer);
    if (!signedIn) return;
    try {
      const [status, devices, conflicts] = await Promise.all([
        api('GET', '/v1/status'),
        api('GET', '/v1/admin/devices'),
        api('GET', '/v1/admin/conflicts?limit=50'),
      ]);
      if (!signedIn) return;
      renderStatus(status);
      renderDevices(devices);
      renderConflicts(conflicts);
      if ($('notice').dataset.kind === 'stale') {
        showNotice('');
        delete $('notice').dataset.kind;
      }
    } catch (e) {
      if (e.status === 401 || e.status === 403) {
        signOut('The gateway refused the token. Sign in again.');
        return;
      }
      showNotice(`${e.message} Showing what was last seen.`, true);
      $('notice').dataset.kind = 'stale';
    }
    if (signedIn && !document.hidden) refreshTimer = setTimeout(refresh, REFRESH_MS);
  }

  function showDashboard() {
    signedIn = true;
    $('sign-in').hidden = true;
    $('dashboard').hidden = false;
    $('actions').hidden = false;
    refresh();
  }

  function signOut(message) {
    signedIn = false;
    clearTimeout(refreshTimer);
    sessionStorage.removeItem(TOKEN_KEY);
    lastStatus = null;
    for (const id of ['wan-facts', 'waiting-facts', 'storage-facts', 'attachment-facts', 'conflicts', 'writes-chart', 'backlog-chart', 'requests-chart']) $(id).replaceChildren();
    $('devices').tBodies[0].replaceChildren();
    $('node-name').textContent = '';
    showNotice('');
    $('dashboard').hidden = true;
    $('actions').hidden = true;
    $('sign-in').hidden = false;
    $('sign-in-error').textContent = message || '';
    $('token').value = '';
    $('token').focus();
  }

  async function signIn(event) {
    event.preventDefault();
    const typed = $('token').value.trim();
    if (!typed) return;
    sessionStorage.setItem(TOKEN_KEY, typed);
    $('sign-in-error').textContent = '';
    try {
      await api('GET', '/v1/admin/devices');  // admin-only: proves the token is the admin's
      $('token').value = '';
      showDashboard();
    } catch (e) {
      sessionStorage.removeItem(TOKEN_KEY);
      $('sign-in-error').textContent = e.status === 401 || e.status === 403
        ? 'That is not the admin token of this gateway.' : e.message;
    }
  }

  async function syncNow() {
    const button = $('sync-now');
    button.disabled = true;
    try {
      await api('POST', '/v1/admin/sync-now');
      showNotice('An upstream round has started.');
    } catch (e) {
      if (e.status === 401 || e.status === 403) return signOut('The gateway refused the token. Sign in again.');
      showNotice('Sync now: ' + e.message, true);
    } finally {
      button.disabled = false;
    }
    refresh();
  }

  async function restore(button) {
    button.disabled = true;
    const record = button.dataset.record;
    try {
      const restored = await api('POST', `/v1/admin/records/${encodeURIComponent(record)}/restore`, { audit_id: Number(button.dataset.auditId) });
      showNotice(`Restored the lost version of ${describe(restored)}. It is now the current version.`);
    } catch (e) {
      if (e.status === 401 || e.status === 403) return signOut('The gateway refused the token. Sign in again.');
      showNotice('Restore: ' + e.message, true);
      button.disabled = false;
    }
    refresh();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('sign-in-form').addEventListener('submit', signIn);
    $('sign-out').addEventListener('click', () => signOut('Signed out.'));
    $('sync-now').addEventListener('click', syncNow);
    $('conflicts').addEventListener('click', (e) => {
      const button = e.target.closest('button.restore');
      if (button) restore(button);
    });
    for (const chip of document.querySelectorAll('.range .chip')) {
      chip.addEventListener('click', () => {
        rangeMinutes = Number(chip.dataset.range);
        for (const other of document.querySelectorAll('.range .chip')) other.classList.toggle('active', other === chip);
        renderCharts();
      });
    }
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && signedIn) refresh();
    });
    if (token()) showDashboard();
    else signOut('');
  });
})();

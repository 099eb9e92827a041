// The status page in a real browser (Debian's chromium, driven by playwright-core) against real
// daemons: a hub and a gateway reconciling with it. Signs in, sees a phone appear, sees a
// conflict and restores it, presses Sync now, signs out. Screenshots go to YARD_ARTIFACT_DIR.
//
//   YARD_DAEMON=build/bin/yard-gateway YARD_PLUGIN_DIR=... YARD_RECORD_TYPES=... \
//   YARD_NODE_MODULES=dir/node_modules YARD_ARTIFACT_DIR=dir node status_page.test.mjs
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through ctest)`);
  return value;
};
const require = createRequire(path.join(env('YARD_NODE_MODULES'), 'noop.js'));
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.YARD_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = env('YARD_ARTIFACT_DIR');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const cleanups = [];

// --- daemons ---

async function startDaemon(name, settings) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `yard-browser-${name}-`));
  const all = {
    node: { id: name, site: 'yard-a', data_dir: `${dir}/data`, record_types: env('YARD_RECORD_TYPES') },
    http: { listen: '127.0.0.1:0' },
    plugins: { dir: env('YARD_PLUGIN_DIR') },
    storage: { plugin: 'sqlite' },
  };
  for (const [key, value] of Object.entries(settings)) {
    const [section, k] = key.split('.');
    all[section] = { ...(all[section] || {}), [k]: value };
  }
  const ini = Object.entries(all)
    .map(([section, keys]) => `[${section}]\n` + Object.entries(keys).map(([k, v]) => `${k} = ${v}`).join('\n'))
    .join('\n');
  fs.writeFileSync(`${dir}/gateway.conf`, ini + '\n');
  const log = fs.openSync(`${dir}/daemon.log`, 'a');
  const child = spawn(env('YARD_DAEMON'), ['--config', `${dir}/gateway.conf`], { stdio: ['ignore', log, log] });
  const daemon = { name, dir, child, exited: false };
  child.on('exit', () => { daemon.exited = true; });
  cleanups.push(() => {
    if (!daemon.exited) child.kill('SIGKILL');
    if (!process.env.YARD_KEEP_TEST_DIRS) fs.rmSync(dir, { recursive: true, force: true });
  });
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (daemon.exited) throw new Error(`${name} exited:\n` + fs.readFileSync(`${dir}/daemon.log`, 'utf8'));
    try {
      const port = Number(fs.readFileSync(`${dir}/data/http.port`, 'utf8').trim());
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) {
        daemon.url = `http://127.0.0.1:${port}`;
        daemon.token = fs.readFileSync(`${dir}/data/admin.token`, 'utf8').trim();
        return daemon;
      }
    } catch (e) {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`${name} did not start`);
}

async function call(daemon, method, p, token, body) {
  const res = await fetch(daemon.url + p, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

let serial = 0;
const uid = (prefix) => `${prefix}-${process.pid}-${++serial}`;
// An inspection write; the workflow's first state unless body names one.
const write = (id, body, base = null) => ({
  write_id: uid('w'), id, type: 'inspection', base, deleted: false, body: { status: 'open', ...body },
  attachments: [], client_time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
});
const phoneSync = (gw, device, token, writes) =>
  call(gw, 'POST', '/v1/sync', token, { device, cursor: null, writes, inbox_ack: [] });

// --- the test ---

async function main() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const hub = await startDaemon('hub-1', { 'node.role': 'hub' });
  const enrolment = await call(hub, 'POST', '/v1/admin/devices', hub.token, { id: 'gw-browser', site: 'yard-a', node: true });
  const tokenFile = `${hub.dir}/upstream.token`;
  fs.writeFileSync(tokenFile, enrolment.token + '\n', { mode: 0o600 });
  const gw = await startDaemon('gw-browser', {
    'upstream.transport': 'https', 'upstream.url': hub.url, 'upstream.token_file': tokenFile,
    'upstream.interval_s': '3600', 'upstream.timeout_s': '5',
    // No broker listens on port 1: the page must say the phone broker is not connected.
    'mqtt.enabled': 'true', 'mqtt.host': '127.0.0.1', 'mqtt.port': '1',
  });

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'yard-chromium-'));
  cleanups.push(() => fs.rmSync(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  cleanups.unshift(() => context.close());
  const page = context.pages()[0] || (await context.newPage());
  const failures = [];
  page.on('pageerror', (e) => failures.push('page error: ' + e.message));
  // Refused requests (the wrong token on purpose) are logged by the browser itself; script
  // errors are what must not happen.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) failures.push('console: ' + m.text());
  });
  page.setDefaultTimeout(20000);

  console.log('step: the shell loads with no data and asks for the token');
  await page.goto(gw.url + '/');
  await page.locator('#sign-in').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#dashboard').isVisible(), false);

  console.log('step: a wrong token is refused');
  await page.fill('#token', 'yadm_wrong');
  await page.click('#sign-in-form button[type=submit]');
  await page.locator('#sign-in-error', { hasText: 'not the admin token' }).waitFor();

  console.log('step: sign in with the admin token');
  await page.fill('#token', gw.token);
  await page.click('#sign-in-form button[type=submit]');
  await page.locator('#dashboard').waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('yard.admin_token')), gw.token);

  console.log('step: the phone broker (MQTT) shows as not connected');
  await page.locator('#wan-facts', { hasText: 'not connected to 127.0.0.1:1' }).waitFor();
  await page.locator('#wan-state[data-link="up"]', { hasText: 'Connected' }).waitFor({ timeout: 30000 });

  console.log('step: a phone syncs and appears in the devices table');
  const phone1 = (await call(gw, 'POST', '/v1/admin/devices', gw.token, { id: 'dev-1', site: 'yard-a', operator: 'op-1' })).token;
  const phone2 = (await call(gw, 'POST', '/v1/admin/devices', gw.token, { id: 'dev-2', site: 'yard-a', operator: 'op-2' })).token;
  const id = uid('insp');
  const created = await phoneSync(gw, 'dev-1', phone1, [write(id, { status: 'open', equipment_id: 'TRLU4411', notes: 'opened' })]);
  const base = created.results[0].record;
  const row = page.locator('#devices tr[data-device="dev-1"]');
  await row.waitFor();
  assert.match(await row.innerText(), /op-1/);
  assert.match(await row.innerText(), /just now|s ago/);

  console.log('step: two phones edit the same inspection; the conflict shows both versions');
  await phoneSync(gw, 'dev-1', phone1, [write(id, { status: 'filled', equipment_id: 'TRLU4411', notes: 'left door dented', lane: '3' }, base.stamp)]);
  await phoneSync(gw, 'dev-2', phone2, [write(id, { status: 'filled', equipment_id: 'TRLU4411', notes: 'no damage' }, base.stamp)]);
  const item = page.locator('.conflict-item').first();
  await item.waitFor();
  assert.match(await item.locator('.version.lost').innerText(), /left door dented/);
  assert.match(await item.locator('.version.kept').innerText(), /no damage/);
  assert.equal(await item.locator('.version.lost tr.differs').count(), 2);  // lane, notes

  console.log('step: more writes so the charts have something to draw');
  for (let i = 0; i < 6; i += 1) {
    await phoneSync(gw, 'dev-2', phone2, [write(uid('r'), { equipment_id: `EQ${i}` }), write(uid('r'), { equipment_id: `EQX${i}` })]);
  }
  await page.locator('#writes-chart rect.accepted').first().waitFor();
  await page.screenshot({ path: path.join(ARTIFACTS, 'status-page-conflict.png'), fullPage: true });

  console.log('step: restore the lost version');
  await item.locator('button.restore').click();
  await page.locator('#notice', { hasText: 'Restored the lost version of inspection TRLU4411' }).waitFor();
  await page.locator('.conflict-item .restored').first().waitFor();
  const canonical = (await call(gw, 'GET', '/v1/admin/conflicts', gw.token)).filter((c) => c.record === id);
  assert.ok(canonical.some((c) => c.restored));

  console.log('step: Sync now starts a round');
  await page.click('#sync-now');
  await page.locator('#notice', { hasText: 'An upstream round has started' }).waitFor();

  console.log('step: with head office gone the page says offline, never connected');
  hub.child.kill('SIGKILL');  // the WAN is gone: no goodbye from head office
  await phoneSync(gw, 'dev-1', phone1, [write(uid('r'), { equipment_id: 'LATE1' })]);
  await page.click('#sync-now');
  try {
    await page.locator('#wan-state[data-link="down"]').waitFor({ timeout: 45000 });
  } catch (e) {
    const upstream = (await call(gw, 'GET', '/v1/status', gw.token)).upstream;
    throw new Error(`the page shows "${await page.locator('#wan-state').innerText()}"; upstream is ${JSON.stringify(upstream)}`);
  }
  assert.doesNotMatch(await page.locator('#wan-state').innerText(), /Connected/);
  await page.locator('#syncing-badge', { hasText: 'waiting (not connected)' }).waitFor();
  await page.screenshot({ path: path.join(ARTIFACTS, 'status-page-desktop.png'), fullPage: true });

  console.log('step: the same page on a phone-sized screen');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(ARTIFACTS, 'status-page-phone.png'), fullPage: true });

  console.log('step: sign out forgets the token and the data');
  await page.click('#sign-out');
  await page.locator('#sign-in').waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('yard.admin_token')), null);
  assert.equal(await page.locator('#devices tbody tr').count(), 0);

  assert.deepEqual(failures, [], 'no script errors in the page');
  console.log(`screenshots in ${ARTIFACTS}`);
}

let code = 0;
try {
  await main();
  console.log('1 passed, 0 failed');
} catch (e) {
  console.error(e);
  console.log('0 passed, 1 failed');
  code = 1;
} finally {
  for (const cleanup of cleanups) {
    try {
      await cleanup();
    } catch (e) {
      // best effort
    }
  }
}
process.exit(code);

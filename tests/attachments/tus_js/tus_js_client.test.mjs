// A real tus client against a real daemon: tus-js-client (the reference JavaScript client)
// uploads a 5 MB photo in 1 MiB chunks, is aborted after the first chunks as a phone losing
// Wi-Fi would be, resumes from the offset the gateway reports (HEAD) with a new client that
// only knows the upload URL, and the gateway then serves the same bytes. It also uploads a
// 0-byte file and sees a hash mismatch refused.
//
//   YARD_DAEMON=build/bin/yard-gateway YARD_PLUGIN_DIR=... YARD_RECORD_TYPES=... \
//   YARD_NODE_MODULES=dir/node_modules node tus_js_client.test.mjs
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
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
const tus = require('tus-js-client');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function startDaemon() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yard-tus-js-'));
  const ini = `[node]\nid = gw-tus\nsite = yard-a\ndata_dir = ${dir}/data\nrecord_types = ${env('YARD_RECORD_TYPES')}\n` +
    `[http]\nlisten = 127.0.0.1:0\n[plugins]\ndir = ${env('YARD_PLUGIN_DIR')}\n`;
  fs.writeFileSync(`${dir}/gateway.conf`, ini);
  const log = fs.openSync(`${dir}/daemon.log`, 'a');
  const child = spawn(env('YARD_DAEMON'), ['--config', `${dir}/gateway.conf`], { stdio: ['ignore', log, log] });
  const daemon = { dir, child, exited: false };
  child.on('exit', () => { daemon.exited = true; });
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (daemon.exited) throw new Error('daemon exited:\n' + fs.readFileSync(`${dir}/daemon.log`, 'utf8'));
    try {
      const port = Number(fs.readFileSync(`${dir}/data/http.port`, 'utf8').trim());
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) {
        daemon.url = `http://127.0.0.1:${port}`;
        daemon.admin = fs.readFileSync(`${dir}/data/admin.token`, 'utf8').trim();
        return daemon;
      }
    } catch (e) {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error('daemon did not start');
}

function upload(daemon, token, bytes, options) {
  return new tus.Upload(bytes, {
    endpoint: `${daemon.url}/v1/uploads`,
    headers: { Authorization: `Bearer ${token}` },
    chunkSize: 1024 * 1024,
    retryDelays: [],
    ...options,
  });
}

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

async function main() {
  const daemon = await startDaemon();
  try {
    const enrolled = await fetch(`${daemon.url}/v1/admin/devices`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${daemon.admin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'dev-js', site: 'yard-a', operator: 'op-1' }),
    });
    assert.equal(enrolled.status, 201);
    const token = (await enrolled.json()).token;
    const photo = crypto.randomBytes(5 * 1024 * 1024);
    const digest = sha256(photo);
    const metadata = { sha256: digest, filename: 'photo.jpg', filetype: 'image/jpeg' };

    // First client: aborted after two chunks are acknowledged.
    let url = null;
    await new Promise((resolve, reject) => {
      let chunks = 0;
      const first = upload(daemon, token, photo, {
        metadata,
        onError: reject,
        onSuccess: () => reject(new Error('the first client should have been aborted')),
        onChunkComplete: () => {
          if (++chunks === 2) {
            url = first.url;
            first.abort(false).then(resolve, reject);
          }
        },
      });
      first.start();
    });
    assert.ok(url && url.includes('/v1/uploads/'), `upload URL ${url}`);

    // Second client: knows only the URL; tus-js-client HEADs it and resumes from the offset.
    let resumedFrom = -1;
    await new Promise((resolve, reject) => {
      const second = upload(daemon, token, photo, {
        uploadUrl: url,
        metadata,
        onError: reject,
        onSuccess: resolve,
        onProgress: (sent) => { if (resumedFrom < 0) resumedFrom = sent; },
      });
      second.start();
    });
    assert.ok(resumedFrom >= 2 * 1024 * 1024, `resumed from ${resumedFrom}, not from the start`);

    const got = await fetch(`${daemon.url}/v1/attachments/${digest}`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(got.status, 200);
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(photo), 'the gateway serves the bytes uploaded');

    // A 0-byte file.
    const empty = Buffer.alloc(0);
    await new Promise((resolve, reject) => {
      upload(daemon, token, empty, { metadata: { sha256: sha256(empty) }, onError: reject, onSuccess: resolve }).start();
    });
    const gotEmpty = await fetch(`${daemon.url}/v1/attachments/${sha256(empty)}`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(gotEmpty.status, 200);

    // Bytes that do not match the declared hash: refused with 460, nothing filed.
    const liar = crypto.randomBytes(1000);
    const refused = await new Promise((resolve) => {
      upload(daemon, token, liar, {
        metadata: { sha256: sha256(Buffer.from('other')) },
        onError: resolve,
        onSuccess: () => resolve(null),
      }).start();
    });
    assert.ok(refused, 'a hash mismatch must fail the upload');
    assert.equal(refused.originalResponse.getStatus(), 460);
    console.log('tus-js-client: upload, abort, resume, 0-byte and hash mismatch all behaved');
  } finally {
    daemon.child.kill('SIGKILL');
    if (!process.env.YARD_KEEP_TEST_DIRS) fs.rmSync(daemon.dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

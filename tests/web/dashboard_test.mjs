// dashboard_test.mjs — the dashboard in a real browser (Debian's chromium, headless, driven by
// playwright-core). Starts a real xynergy-node on a free loopback port with a known key and a
// temporary data dir, then, as a user would: opens the page, is refused a wrong key and asked
// again, enters the right one, starts a workflow from the template form and sees it reach
// `completed` in the list (and in the live feed); opens it; survives a node restart (the
// event stream reconnects and the next run shows up live). Screenshots go to --out.
//
// Usage: node dashboard_test.mjs --node BIN --deps DIR --chromium BIN --out DIR
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {createRequire} from 'node:module';
import {parseArgs} from 'node:util';

const {values: args} = parseArgs({options: {node: {type: 'string'}, deps: {type: 'string'},
                                            chromium: {type: 'string'}, out: {type: 'string'}}});
for (const name of ['node', 'deps', 'chromium', 'out']) {
  if (!args[name]) fail(`--${name} is required`);
}
if (!fs.existsSync(args.chromium)) fail(`chromium is missing at ${args.chromium}: apt-get install chromium (./dev.sh setup)`);
let chromium;
try {
  ({chromium} = createRequire(path.join(args.deps, 'package.json'))('playwright-core'));
} catch (e) {
  fail(`playwright-core is not installed in ${args.deps} (the web_deps_install fixture runs npm ci): ${e.message}`);
}

function fail(message) {
  console.error(`dashboard_test: ${message}`);
  process.exit(1);
}

const LAUNCH_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                      '--disable-dev-shm-usage', '--disable-component-update', '--no-first-run'];
const key = randomBytes(24).toString('hex');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xyn-web-'));
let nodeProcess = null;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const step = (what) => console.log(`dashboard_test: [${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);

async function startNode(port) {
  const child = spawn(args.node, ['--data-dir', dataDir, '--admin-port', String(port), '--cluster-port', '0',
                                  '--node-name', 'web-test', '--log-level', 'warn'],
                      {env: {...process.env, XYN_ADMIN_KEY: key}, stdio: ['ignore', 'inherit', 'inherit']});
  let exited = null;
  child.once('exit', (code, signal) => { exited = signal || code; });
  for (let i = 0; i < 300; i++) {
    if (exited !== null) throw new Error(`xynergy-node exited during start (${exited})`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error('xynergy-node did not answer /health within 30 s');
}

function stopNode(child) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), 15000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

// Starts `template` from the page's form; returns the new run's id as the page shows it.
async function startFromForm(page, template, inputs) {
  await page.selectOption('#template-select', template);
  for (const [name, value] of Object.entries(inputs)) await page.fill(`#input-${name}`, value);
  const before = await page.evaluate(() => document.querySelector('#start-result [data-workflow-id]')?.dataset.workflowId);
  await page.click('#start-button');
  const started = page.locator('#start-result [data-workflow-id]');
  await page.waitForFunction((old) => {
    const el = document.querySelector('#start-result [data-workflow-id]');
    return el && el.dataset.workflowId !== old;
  }, before);
  return started.getAttribute('data-workflow-id');
}

async function expectCompleted(page, id) {
  const row = page.locator(`#workflows tr[data-id="${id}"]`);
  await row.locator('td.status', {hasText: 'completed'}).waitFor({timeout: 30000});
  assert.equal(await row.getAttribute('data-status'), 'completed');
  // The feed shows it from the event stream, not from the re-read that followed the start.
  await page.locator('#feed li', {hasText: id}).filter({hasText: 'workflow.completed'}).waitFor({timeout: 30000});
}

async function main() {
  const port = await freePort();
  nodeProcess = await startNode(port);
  const browser = await chromium.launch({executablePath: args.chromium, headless: true, args: LAUNCH_FLAGS});
  try {
    const page = await browser.newPage({viewport: {width: 1440, height: 1100}});
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      // A refused key and a restarting node are part of the test; anything else is a defect.
      const expected = /status of 401|ERR_CONNECTION_REFUSED|WebSocket connection to .* failed/.test(m.text());
      if (m.type() === 'error' && !expected) problems.push(`console: ${m.text()}`);
    });

    step('opening the page');
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.locator('#key-dialog[open]').waitFor();
    await page.fill('#key-input', 'not-the-key');
    await page.click('#key-submit');
    await page.locator('#key-error', {hasText: 'refused'}).waitFor();
    await page.fill('#key-input', key);
    await page.click('#key-submit');
    await page.locator('#conn.live').waitFor();
    await page.locator('#services li.service.status-up').nth(14).waitFor();
    assert.ok(await page.locator('#graph .graph-node').count() >= 15, 'the dependency graph draws every service');

    step('page is live; starting a workflow');
    const first = await startFromForm(page, 'product_launch', {product: 'Aurora'});
    assert.match(first, /\S/);
    await expectCompleted(page, first);
    assert.ok(await page.locator('#throughput rect.bar.completed').count() >= 1, 'throughput shows the run');
    assert.ok(await page.locator('#latency rect.bar.latency').count() >= 1, 'latency shows its steps');
    await page.screenshot({path: path.join(args.out, 'dashboard.png'), fullPage: true});

    step('run completed; opening it');
    await page.click(`#workflows tr[data-id="${first}"]`);
    await page.locator('#drawer .step').first().waitFor();
    const steps = await page.locator('#drawer .step').evaluateAll((els) => els.map((e) => e.dataset.status));
    assert.ok(steps.length >= 2 && steps.every((s) => s === 'completed'), `steps: ${steps}`);
    await page.locator('#drawer .journal li', {hasText: 'completed'}).first().waitFor();
    await page.screenshot({path: path.join(args.out, 'dashboard-workflow.png')});
    await page.keyboard.press('Escape');

    // A dropped stream reconnects by itself, and what happens next arrives live again.
    step('restarting the node');
    await stopNode(nodeProcess);
    await page.locator('#conn.reconnecting').waitFor();
    nodeProcess = await startNode(port);
    await page.locator('#conn.live').waitFor({timeout: 30000});
    step('stream reconnected; starting another workflow');
    const second = await startFromForm(page, 'product_launch', {product: 'Borealis'});
    assert.notEqual(second, first);
    await expectCompleted(page, second);

    assert.deepEqual(problems, [], 'no script errors or refused resources in the page');
    console.log(`dashboard_test: ok (runs ${first}, ${second}; screenshots in ${args.out})`);
  } finally {
    await browser.close();
  }
}

try {
  await main();
} catch (e) {
  console.error(`dashboard_test: FAILED: ${e.stack || e}`);
  process.exitCode = 1;
} finally {
  await stopNode(nodeProcess);
  fs.rmSync(dataDir, {recursive: true, force: true});
}

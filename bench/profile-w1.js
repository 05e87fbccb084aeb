#!/usr/bin/env node
// Profiles netns-link's W1 (N hosts on a bridge) in one form, inside the same sandbox as
// bench/run.js (`unshare --net --mount`, a private tmpfs on /run/netns; the host is never touched).
//
//   node bench/profile-w1.js chained|phased [N=500] [REPS=3]
//
// For each of REPS measured runs (after a warm-up at N/5): wall time, the process's CPU (user,
// system), the event loop's utilization, GC time (perf_hooks 'gc' entries), the addon's counters
// (threads made, sendmsg calls, messages sent, recv calls), context switches; the last run under
// the V8 sampling profiler (inspector, 100 µs), written to bench/build/w1-FORM-N.cpuprofile and
// summarized: self time by function and by file. PERF=1 leaves the profiler off (for `perf
// record`); with PERF_CTL=FIFO PERF_ACK=FIFO (`perf record -D -1 --control fifo:CTL,ACK`) perf
// records the measured setups only, not the warm-up, teardowns or the sandbox's own setup.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const build = join(__dirname, 'build');
const form = process.argv[2] || 'chained';
const N = Number(process.argv[3] || 500);
const REPS = Number(process.argv[4] || 3);

if (process.env.NETNS_LINK_BENCH_INSIDE !== '1') {
  if (process.getuid() !== 0) throw new Error('needs root (it builds namespaces inside its own sandbox)');
  mkdirSync(build, { recursive: true });
  mkdirSync('/run/netns', { recursive: true });
  const r = spawnSync('unshare', ['--net', '--mount', '--propagation', 'private', '--', process.execPath, ...process.execArgv, '--expose-gc', __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, NETNS_LINK_BENCH_INSIDE: '1' },
  });
  process.exit(r.status ?? 1);
}

const { Netns } = require(root);
const w1 = require('./w1.js');
const { native } = require(join(root, 'dist', 'native.js'));
const { PerformanceObserver, performance } = require('node:perf_hooks');
const inspector = require('node:inspector');
const { openSync, writeSync, readSync } = require('node:fs');

/** Tells perf (--control fifo) to enable or disable recording, and waits for its ack. */
function perfCtl(cmd) {
  if (!process.env.PERF_CTL) return;
  const ctl = openSync(process.env.PERF_CTL, 'w');
  const ack = openSync(process.env.PERF_ACK, 'r');
  writeSync(ctl, `${cmd}\n`);
  readSync(ack, Buffer.alloc(5));
  require('node:fs').closeSync(ctl);
  require('node:fs').closeSync(ack);
}

/** The chained form's step ends (ms from its start), per step, for the timeline. */
const STEPS = ['create', 'veth', 'lo up', 'eth0 up', 'v4', 'v6', 'route'];
let stepEnds = null;

async function chained(h, n) {
  const t0 = performance.now();
  const ends = STEPS.map(() => []);
  const hosts = await w1.chained(h, n, (k) => ends[k].push(performance.now() - t0));
  stepEnds = ends;
  return hosts;
}

function timeline() {
  if (!stepEnds) return '';
  const q = (xs, f) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(f * xs.length))].toFixed(0);
  return `chained timeline (ms from the start when the step of the first / median / last host ended):\n${STEPS.map((s, k) => `  ${s.padEnd(8)} ${q(stepEnds[k], 0).padStart(5)} ${q(stepEnds[k], 0.5).padStart(5)} ${q(stepEnds[k], 1).padStart(5)}`).join('\n')}`;
}

/** The phased form's phase ends (ms from its start), for the table. */
let phaseEnds = null;

async function phased(h, n) {
  const t0 = performance.now();
  const ends = [];
  const hosts = await w1.phased(h, n, () => ends.push(performance.now() - t0));
  const [namespaces, veths, all] = ends;
  phaseEnds = { namespacesMs: +namespaces.toFixed(0), vethsMs: +(veths - namespaces).toFixed(0), hostsMs: +(all - veths).toFixed(0) };
  return hosts;
}

const forms = { chained, phased };

async function teardown(h, hosts) {
  await Promise.all(hosts.map((ns) => ns.delete()));
  for (;;) {
    if ((await h.links()).filter((l) => /^v\d+$/u.test(l.name)).length === 0) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new Promise((r) => setTimeout(r, 300));
  }
}

function post(session, method, params) {
  return new Promise((res, rej) => session.post(method, params, (e, r) => (e ? rej(e) : res(r))));
}

function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]);
    const d = dt[i] || 0;
    total += d;
    self.set(n, (self.get(n) || 0) + d);
  }
  const byFn = new Map();
  const byFile = new Map();
  for (const [n, t] of self) {
    const f = n.callFrame;
    const file = f.url ? f.url.replace(/^file:\/\//u, '').replace(`${root}/`, '') : `(${f.functionName || 'native'})`;
    const key = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) || 0) + t);
    const fk = file.startsWith('dist/') ? file : file.startsWith('node:') ? 'node: internals' : file;
    byFile.set(fk, (byFile.get(fk) || 0) + t);
  }
  const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, t]) => `${((100 * t) / total).toFixed(1).padStart(5)}%  ${(t / 1e3).toFixed(1).padStart(7)} ms  ${name}`);
  return { totalMs: total / 1e3, fns: top(byFn, 30), files: top(byFile, 15) };
}

(async () => {
  execFileSync('mount', ['-t', 'tmpfs', 'netns-profile', '/run/netns']);
  const h = Netns.current();
  await w1.setUpHub(h);
  const run = forms[form];
  if (!run) throw new Error(`form: chained or phased, not ${form}`);
  await teardown(h, await run(h, Math.max(10, N / 5)));

  let gcMs = 0;
  let gcCount = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMs += e.duration;
      gcCount++;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const session = new inspector.Session();
  session.connect();
  const rows = [];
  for (let r = 0; r < REPS; r++) {
    const profiling = r === REPS - 1 && process.env.PERF !== '1';
    if (profiling) {
      await post(session, 'Profiler.enable');
      await post(session, 'Profiler.setSamplingInterval', { interval: 100 });
      await post(session, 'Profiler.start');
    }
    gcMs = 0;
    gcCount = 0;
    const s0 = native.stats();
    const ru0 = process.resourceUsage();
    const elu0 = performance.eventLoopUtilization();
    perfCtl('enable');
    const t0 = performance.now();
    const hosts = await run(h, N);
    const wall = performance.now() - t0;
    perfCtl('disable');
    const elu = performance.eventLoopUtilization(elu0);
    const ru = process.resourceUsage();
    const s1 = native.stats();
    await new Promise((res) => setImmediate(res)); // the observer's entries
    let prof = null;
    if (profiling) prof = (await post(session, 'Profiler.stop')).profile;
    const d = Object.fromEntries(Object.keys(s1).map((k) => [k, s1[k] - s0[k]]));
    rows.push({
      wallMs: +wall.toFixed(1),
      perOpUs: +((wall * 1e3) / (N * w1.W1_OPS)).toFixed(1),
      userMs: (ru.userCPUTime - ru0.userCPUTime) / 1e3,
      systemMs: (ru.systemCPUTime - ru0.systemCPUTime) / 1e3,
      eventLoopUtilization: +elu.utilization.toFixed(3),
      gcMs: +gcMs.toFixed(1),
      gcCount,
      voluntarySwitches: ru.voluntaryContextSwitches - ru0.voluntaryContextSwitches,
      involuntarySwitches: ru.involuntaryContextSwitches - ru0.involuntaryContextSwitches,
      ...d,
      ...(phaseEnds ?? {}),
    });
    if (r === REPS - 1) console.log(timeline());
    await teardown(h, hosts);
    if (prof) {
      const file = join(build, `w1-${form}-${N}.cpuprofile`);
      writeFileSync(file, JSON.stringify(prof));
      const s = summarize(prof);
      console.log(`V8 profile of the last run (${file}): ${s.totalMs.toFixed(0)} ms sampled\nself time by function:\n${s.fns.join('\n')}\nby file:\n${s.files.join('\n')}`);
    }
  }
  obs.disconnect();
  console.log(`W1 ${form} N=${N}:`);
  console.table(rows);
  h.close();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});

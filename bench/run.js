#!/usr/bin/env node
// `npm run bench`: netns-link side by side with `ip` (one process per operation), `ip -batch`,
// pyroute2 (idiomatic and fastest form), Go's vishvananda/netlink and two C programs on the same
// rtnetlink requests (bench/ref.c): "C sequential (libmnl)", one request at a time, and "C
// pipelined", the strongest C we could write (many requests per sendmsg, every ACK checked,
// namespaces made by one thread per CPU), the denominator of every ratio. In one run, inside a
// sandbox (`unshare --net --mount`, a private tmpfs on /run/netns): the host is never touched.
//
// Workloads (see README): W1 N hosts on a bridged segment, setup and teardown, at each N of BENCH_N;
// W2 link and address dumps of 1,000 veth pairs, alone and alternating (ten rounds, medians);
// W3 1,000 /32 addresses on lo, added and deleted; W4 the CPU a watcher spends on 10,000
// address events while `ip -batch` adds the addresses (a new reader's first, then its next);
// W5 NAT; W7 CNI. Three repetitions each after warm-up runs, medians reported, each as a ratio
// to the strongest C in the same run (W1 and W3, taken round robin: the median of each round's
// own ratio, with the rounds' range).
// Also: the memory of 1,000 open namespaces.
//
// Environment: BENCH_N (default "100,500,1000,2000"), BENCH_REPS (default 3), BENCH_SHORT_REPS
// (W3's and W1's at N <= 100, default 3×BENCH_REPS; see SHORT_REPS), BENCH_QUICK=1 (N=50, 1
// rep), BENCH_ONLY (a comma list of w1,w2,w3,w4,w5,w7,memory). The tools that pay a process
// or a helper per operation run W1 only up to BENCH_SLOW_N (default 100; ip -batch and
// pyroute2 fast up to 5×BENCH_SLOW_N, C sequential up to 10×), and W5's per-rule tools only with
// BENCH_SLOW=1: they would take most of a full run. Peers missing from Debian are said and their
// rows left out; `npm run bench -- --install` installs them.
// BENCH_PYTHON names the Python that runs pyroute2 (default /usr/bin/python3, Debian's);
// BENCH_W1_WARM the rounds of W1's warm-up (default 8; see W1_WARM).
// A full run writes bench/results.json, then README's table and benchmark.svg (bench/readme.js).
'use strict';
const { execFileSync, spawnSync, execFile } = require('node:child_process');
const { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { promisify } = require('node:util');

const root = join(__dirname, '..');
const build = join(__dirname, 'build');
const REF = join(build, 'ref');
const PY = process.env.BENCH_PYTHON || '/usr/bin/python3';
const PYBENCH = join(__dirname, 'pyroute2_bench.py');
const quick = process.env.BENCH_QUICK === '1';
// Past 1,000 hosts, W1's hosts go on further bridges joined to br0 (a bridge takes at most
// 1,024 ports; bench/w1.js).
const NS = (process.env.BENCH_N || (quick ? '50' : '100,500,1000,2000')).split(',').map(Number).sort((a, b) => a - b);
const SLOW_N = Number(process.env.BENCH_SLOW_N || (quick ? 50 : 100));
const SLOW = process.env.BENCH_SLOW === '1';
const GOBENCH = join(build, 'gobench');
const GOPATH = '/usr/share/gocode';
const C_SEQ = 'C sequential (libmnl)';
const C_PIPE = 'C pipelined';
const C_WAVES = 'C pipelined, hosts in waves';
const GO = 'Go vishvananda/netlink';
const COLD = 'netns-link chained, fresh process';
const REPS = Number(process.env.BENCH_REPS || (quick ? 1 : 3));
// The short workloads' repetitions: W3 (a burst of 1,000 requests, 7-45 ms) and W1 at N <= 100
// (100-200 ms). Their rounds' own ratios swing more than the goals' margins within one run: W3
// one at a time against C sequential 0.90-1.54 in five rounds of one run (BENCH_ONLY=w3), W1 at
// N = 100 chained against phased 0.85-1.14 in ten rounds of one sandbox. Three rounds do not
// give a median that holds from run to run; nine cost W3 about 30 s and W1 at N = 100 a few
// minutes more, every tool alike.
const SHORT_REPS = Number(process.env.BENCH_SHORT_REPS || (quick ? 1 : 3 * REPS));
/** The most hosts a W1 round has for it to take SHORT_REPS repetitions. */
const SHORT_N = 100;
// W1's warm-up rounds (each library form once at N = 50 a round). V8 takes its time: after one
// round the hosts' calls still ran in its first tiers at N = 100, the optimizing compiler busy
// on the other CPU during the timed setups (`--trace-opt`: with four rounds, addAddress, ifindex
// and encodeNewAddress were optimized only after the warm-up; with eight, during it).
const W1_WARM = Number(process.env.BENCH_W1_WARM || (quick ? 1 : 8));
const W2_PAIRS = quick ? 200 : 1000;
const W3_COUNT = quick ? 200 : 1000;
const W4_COUNT = quick ? 2000 : 10000;
const W5_COUNT = quick ? 100 : 1000;
const run = promisify(execFile);

/** What each missing Debian package takes out of the run. */
const PEERS = {
  'python3-pyroute2': 'the pyroute2 rows',
  'libmnl-dev': 'the C references (and so the ratios)',
  gcc: 'the C references (and so the ratios)',
  'golang-go': 'the Go vishvananda/netlink rows',
  'golang-github-vishvananda-netlink-dev': 'the Go vishvananda/netlink rows',
  'iputils-ping': "W1's ping check",
  nftables: 'the nft rows of W5 (and its check)',
  iptables: 'the iptables-nft row of W5',
};

/** The peers' packages that are missing; installed only when asked (`npm run bench -- --install`). */
function prepare() {
  if (process.getuid() !== 0) throw new Error('npm run bench needs root (it builds namespaces inside its own sandbox)');
  const missing = [];
  if (spawnSync(PY, ['-c', 'import pyroute2'], { stdio: 'ignore' }).status !== 0) missing.push('python3-pyroute2');
  if (!existsSync('/usr/include/libmnl/libmnl.h')) missing.push('libmnl-dev');
  if (spawnSync('sh', ['-c', 'command -v gcc'], { stdio: 'ignore' }).status !== 0) missing.push('gcc');
  if (spawnSync('sh', ['-c', 'command -v ping'], { stdio: 'ignore' }).status !== 0) missing.push('iputils-ping');
  if (spawnSync('sh', ['-c', 'command -v nft'], { stdio: 'ignore' }).status !== 0) missing.push('nftables');
  if (spawnSync('sh', ['-c', 'command -v iptables-nft'], { stdio: 'ignore' }).status !== 0) missing.push('iptables');
  if (spawnSync('sh', ['-c', 'command -v go'], { stdio: 'ignore' }).status !== 0) missing.push('golang-go');
  if (!existsSync(join(GOPATH, 'src/github.com/vishvananda/netlink/handle_linux.go'))) missing.push('golang-github-vishvananda-netlink-dev');
  if (missing.length && process.argv.includes('--install')) {
    console.log(`installing from Debian, as asked: ${missing.join(' ')}`);
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    missing.length = 0;
  } else if (missing.length) {
    const dropped = [...new Set(missing.map((p) => PEERS[p]))];
    console.log(`not installed: ${missing.join(' ')} ('npm run bench -- --install' installs them from Debian).`);
    console.log(`running without ${dropped.join(', ')}.`);
  }
  mkdirSync(build, { recursive: true });
  if (!missing.includes('libmnl-dev') && !missing.includes('gcc')) {
    execFileSync('gcc', ['-O2', '-o', REF, join(__dirname, 'ref.c'), '-lmnl', '-lpthread'], { stdio: 'inherit' });
  }
  if (!missing.includes('golang-go') && !missing.includes('golang-github-vishvananda-netlink-dev')) {
    // GOPATH mode on Debian's sources: no module proxy, nothing fetched.
    execFileSync('go', ['build', '-o', GOBENCH, 'main.go'], {
      cwd: join(__dirname, 'go'),
      stdio: 'inherit',
      env: { ...process.env, GO111MODULE: 'off', GOPROXY: 'off', GOFLAGS: '', GOPATH, GOCACHE: join(build, 'go-cache') },
    });
  }
  mkdirSync('/run/netns', { recursive: true });
  return missing;
}

/** Inside the sandbox: whether a tool's row can run with what is installed. */
const MISSING = (process.env.NETNS_LINK_BENCH_MISSING || '').split(',').filter(Boolean);
function available(tool) {
  if (tool.startsWith('pyroute2')) return !MISSING.includes('python3-pyroute2');
  if (tool.startsWith('C ')) return !MISSING.includes('libmnl-dev') && !MISSING.includes('gcc');
  if (tool.startsWith('Go ')) return !MISSING.includes('golang-go') && !MISSING.includes('golang-github-vishvananda-netlink-dev');
  if (tool.startsWith('nft')) return !MISSING.includes('nftables');
  if (tool.startsWith('iptables')) return !MISSING.includes('iptables');
  return true;
}

// ---------------------------------------------------------------------------------------------
// Inside the sandbox

const { Netns, Topology } = require(root);
const { W1_OPS, bridgeOf, bridgesFor, v4, v6, setUpHub, tearDownHub, chained, phased } = require('./w1.js');
const hub = () => Netns.current();
const us = (t0) => Number(process.hrtime.bigint() - t0) / 1e3;
const { median, ratioTo, markdown, render } = require('./readme.js');

async function json(cmd, args) {
  const { stdout } = await run(cmd, args, { maxBuffer: 64 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop());
}

async function wall(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  await run(cmd, args, { maxBuffer: 256 << 20, ...opts });
  return us(t0);
}

/** Waits until the kernel has dismantled every host: no v* port left in the hub. */
async function dismantled(h) {
  for (;;) {
    const left = (await h.links()).filter((l) => /^v\d+$/u.test(l.name)).length;
    if (left === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Busy CPU time of the whole machine so far (user, nice, system, irq, softirq), in ticks. */
function busyTicks() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/u).map(Number);
  return f[1] + f[2] + f[3] + f[6] + f[7];
}

/**
 * Untimed, between runs: the kernel goes on dismantling deleted namespaces in its workers for
 * seconds after their links are gone (measured: ~5 s of both CPUs after 1,000), and a run
 * started then would pay for the one before. Waits until the machine has been mostly idle
 * (under a quarter of its CPUs busy) for 0.5 s, or 6 s at most: another user's load must not
 * stall the benchmark.
 */
async function settled(atMostMs = 6000) {
  const cpus = require('node:os').cpus().length;
  const t0 = Date.now();
  for (;;) {
    const b0 = busyTicks();
    await new Promise((r) => setTimeout(r, 500));
    if ((busyTicks() - b0) / (0.5 * 100 * cpus) < 0.25 || Date.now() - t0 > atMostMs) return;
  }
}

/** Pings that had to be retried in verifyW1, and the tool being verified. */
const pingRetries = [];
/** W1 rows whose verification failed (left out of the results): N, tool, reason. */
const unverified = [];
let currentTool = '';

/** Checks that W1 built what it should: a fast wrong run is caught. */
async function verifyW1(h, n) {
  const ports = (await h.links()).filter((l) => /^v\d+$/u.test(l.name) && l.up);
  if (ports.length !== n) throw new Error(`W1: ${ports.length} veth ports up on the hub, not ${n}`);
  for (const i of [0, n - 1]) {
    const ns = await Netns.open(`h${i}`);
    try {
      const addrs = (await ns.addresses({ ifname: 'eth0' })).map((a) => a.address);
      if (!addrs.includes(v4(i)) || !addrs.includes(v6(i))) throw new Error(`W1: h${i} lacks its addresses: ${addrs.join(' ')}`);
      const routes = await ns.routes({ family: 4 });
      if (!routes.some((r) => r.to === 'default' && r.gateway === '198.18.0.1')) throw new Error(`W1: h${i} lacks its default route`);
      if (i === 0 && !MISSING.includes('iputils-ping')) {
        // The first host reaches the last across the bridge: one reply within 60 s, a request
        // every 0.2 s. After setup, the ports' IPv6 multicast (neighbour discovery, MLD, router
        // solicitations), flooded to every port, drops ARP for seconds: measured at N = 2000
        // after C in waves, h0 had no answer for 9-22 s (the softirq backlog dropping millions
        // of packets), once for three minutes. So past 1,000 hosts the check first waits, untimed,
        // for the machine to go mostly idle (at most a minute). Retried (and said) up to twice.
        if (n > 1000) await settled(60000);
        for (let attempt = 1; ; attempt++) {
          try {
            await ns.exec('ping', ['-c', '1', '-i', '0.2', '-w', '60', v4(n - 1)]);
            break;
          } catch (e) {
            if (attempt === 3) throw e;
            pingRetries.push({ n, tool: currentTool, attempt });
            console.log(`  W1 N=${n} ${currentTool}: WARNING: h0 did not reach h${n - 1} (ping attempt ${attempt}); again in 1 s`);
            await new Promise((r) => setTimeout(r, 1000));
          }
        }
      }
    } finally {
      ns.close();
    }
  }
}

/** A form of W1 written with the library (bench/w1.js), timed; its teardown deletes the hosts' namespaces. */
/** A teardown that times `remove`, the library's namespaces deleted. */
const timedTeardown = (remove) => async () => {
  const t1 = process.hrtime.bigint();
  await remove();
  return us(t1);
};

async function libraryForm(form, n) {
  const h = hub();
  const t0 = process.hrtime.bigint();
  const hosts = await form(h, n);
  const setup = us(t0);
  h.close();
  return {
    setup,
    teardown: timedTeardown(() => Promise.all(hosts.map((ns) => ns.delete()))),
  };
}

/** The C teardown (umount and unlink each, as `ip netns del`), for both C programs. */
const cTeardown = (n) => async () => (await json(REF, ['w1-teardown', String(n)])).teardown_us;

const w1Tools = {
  // The strongest C: one thread per CPU, each making its share of the namespaces, then its
  // veths many to a sendmsg, then each namespace's five requests in one sendmsg (bench/ref.c).
  async [C_PIPE](n) {
    const s = await json(REF, ['w1-setup-pipe', String(n)]);
    return { setup: s.setup_us, teardown: cTeardown(n) };
  },
  async [C_SEQ](n) {
    const s = await json(REF, ['w1-setup', String(n)]);
    return { setup: s.setup_us, teardown: cTeardown(n) };
  },
  // Not a reference to beat, an explanation: the same C, but the hosts' five requests in five
  // waves, as chained code awaiting each step of every host sends them. Its cost over C
  // pipelined is the kernel's, for that order; netns-link chained over it is the library's.
  async [C_WAVES](n) {
    const s = await json(REF, ['w1-setup-waves', String(n)]);
    return { setup: s.setup_us, teardown: cTeardown(n) };
  },
  // Goroutines across hosts, a Handle per namespace (bench/go/main.go).
  async [GO](n) {
    const s = await json(GOBENCH, ['w1-setup', String(n)]);
    return { setup: s.setup_us, teardown: async () => (await json(GOBENCH, ['w1-teardown', String(n)])).teardown_us };
  },
  // The code people write: each host an async function awaiting its steps in order, all hosts
  // started at once. The same requests as the phased form below (bench/w1.js).
  'netns-link chained per host': (n) => libraryForm(chained, n),
  // Three phases, each a Promise.all: the namespaces, the veths, then every host's five requests.
  'netns-link phased': (n) => libraryForm(phased, n),
  // The chained form once in a fresh Node process, after its import (bench/w1-cold.js): what a
  // script that builds its hosts once pays, V8 running the library's code in its first tiers.
  async [COLD](n) {
    const s = await json(process.execPath, [join(__dirname, 'w1-cold.js'), String(n)]);
    return { setup: s.setup_us, teardown: timedTeardown(() => Promise.all(Array.from({ length: n }, (_, i) => Netns.delete(`h${i}`)))) };
  },
  // W1 written as a topology document: the hub (this namespace) attached by pid, its bridge
  // declared as it is, and each host's namespace, veth, addresses and route. Timed: apply from
  // the document's object (parsed and checked) to the kernel matching it, with the reads it plans from.
  async 'netns-link Topology.apply'(n) {
    const hosts = Array.from({ length: n }, (_, i) => `h${i}`);
    const bridges = { br0: { addresses: ['198.18.0.1/15', '2001:db8::1/64'] } };
    for (let k = 1; k < bridgesFor(n); k++) bridges[`br${k}`] = {};
    const doc = {
      name: 'w1',
      namespaces: { hub: { pid: process.pid, bridges }, ...Object.fromEntries(hosts.map((h) => [h, {}])) },
      links: hosts.map((h, i) => ({ a: { netns: 'hub', name: `v${i}`, master: bridgeOf(i) }, b: { netns: h, name: 'eth0', addresses: [`${v4(i)}/15`, `${v6(i)}/64`] } })),
      routes: Object.fromEntries(hosts.map((h) => [h, [{ to: 'default', via: '198.18.0.1' }]])),
    };
    const t0 = process.hrtime.bigint();
    const topo = Topology.from(doc);
    await topo.apply();
    const setup = us(t0);
    // Planning the applied topology: every namespace read and compared, nothing to do. Right
    // after apply, the kernel is still busy for seconds with the new ports' IPv6 traffic
    // (neighbour discovery, MLD, router solicitations), which the bridge floods to every port:
    // N hosts make N^2 deliveries. A reconcile loop plans long after; both are measured, not
    // counted in the setup.
    const plans = async (when) => {
      for (let k = 0; k < (when === 'settled' ? 2 : 1); k++) {
        const t1 = process.hrtime.bigint();
        const plan = await topo.plan();
        planned.push({ n, when, us: us(t1), changes: plan.changes.length, detail: plan.changes.length ? JSON.stringify(plan.changes).slice(0, 600) : '' });
      }
    };
    await plans('right after apply');
    await settled();
    await plans('settled');
    return {
      setup,
      teardown: async () => {
        const t2 = process.hrtime.bigint();
        await topo.destroy();
        return us(t2);
      },
    };
  },
  async 'ip -batch'(n) {
    const hubFile = join(build, 'w1-hub.batch');
    const lines = [];
    for (let i = 0; i < n; i++) lines.push(`netns add h${i}`, `link add v${i} master ${bridgeOf(i)} up type veth peer name eth0 netns h${i}`);
    writeFileSync(hubFile, `${lines.join('\n')}\n`);
    for (let i = 0; i < n; i++) {
      writeFileSync(join(build, `w1-h${i}.batch`), `link set lo up\nlink set eth0 up\naddr add ${v4(i)}/15 dev eth0\naddr add ${v6(i)}/64 dev eth0 nodad\nroute add default via 198.18.0.1\n`);
    }
    const t0 = process.hrtime.bigint();
    await run('ip', ['-batch', hubFile]);
    for (let i = 0; i < n; i++) await run('ip', ['-n', `h${i}`, '-batch', join(build, `w1-h${i}.batch`)]);
    const setup = us(t0);
    const delFile = join(build, 'w1-del.batch');
    writeFileSync(delFile, `${Array.from({ length: n }, (_, i) => `netns del h${i}`).join('\n')}\n`);
    return { setup, teardown: () => wall('ip', ['-batch', delFile]) };
  },
  async 'ip per op'(n) {
    const script = join(build, 'w1.sh');
    const lines = ['set -e'];
    for (let i = 0; i < n; i++) {
      lines.push(
        `ip netns add h${i}`,
        `ip link add v${i} master ${bridgeOf(i)} up type veth peer name eth0 netns h${i}`,
        `ip -n h${i} link set lo up`,
        `ip -n h${i} link set eth0 up`,
        `ip -n h${i} addr add ${v4(i)}/15 dev eth0`,
        `ip -n h${i} addr add ${v6(i)}/64 dev eth0 nodad`,
        `ip -n h${i} route add default via 198.18.0.1`,
      );
    }
    writeFileSync(script, `${lines.join('\n')}\n`);
    const setup = await wall('bash', [script]);
    const del = join(build, 'w1-del.sh');
    writeFileSync(del, `set -e\n${Array.from({ length: n }, (_, i) => `ip netns del h${i}`).join('\n')}\n`);
    return { setup, teardown: () => wall('bash', [del]) };
  },
  async 'pyroute2 fast'(n) {
    const s = await json(PY, [PYBENCH, 'w1-setup', String(n), 'fast']);
    return { setup: s.setup_us, teardown: async () => (await json(PY, [PYBENCH, 'w1-teardown', String(n)])).teardown_us };
  },
  async 'pyroute2 NetNS'(n) {
    const s = await json(PY, [PYBENCH, 'w1-setup', String(n), 'idiomatic']);
    return { setup: s.setup_us, teardown: async () => (await json(PY, [PYBENCH, 'w1-teardown', String(n)])).teardown_us };
  },
};

/**
 * `reps` repetitions (REPS unless given), each measuring every tool of `run` ([tool, measure]
 * pairs) once, in turn, so that the machine's drift, and the work a tool leaves the kernel (a
 * burst's addresses freed, namespaces dismantled), fall on every row alike rather than on the
 * tools measured last.
 * `once(tool, measure)` gives two figures; per tool, the two lists of them.
 */
async function roundRobin(run, once, reps = REPS) {
  const times = new Map(run.map(([tool]) => [tool, [[], []]]));
  for (let r = 0; r < reps; r++) {
    // Every other round in the reverse order: what the kernel is still doing after a tool (a
    // thousand namespaces being freed) falls on the tools before it as often as after it.
    for (const [tool, measure] of r % 2 === 0 ? run : [...run].reverse()) {
      const [a, b] = await once(tool, measure);
      times.get(tool)[0].push(a);
      times.get(tool)[1].push(b);
    }
  }
  return times;
}

/** Plans of an applied W1 topology (nothing to do): their time, per N. */
const planned = [];

async function w1(results) {
  const h = hub();
  await setUpHub(h);
  // Warm-up, not counted, as in W2 and W3: the library's forms run W1_WARM times at a small N
  // first, so that its JIT is warm (the C and Go programs are compiled ahead of time; the row
  // "netns-link chained, fresh process" is the library cold).
  const warm = Object.entries(w1Tools).filter(([tool]) => tool.startsWith('netns-link') && tool !== COLD);
  for (let k = 0; k < W1_WARM; k++) for (const [, make] of warm) {
    const w = Math.min(50, NS[0]);
    const { teardown } = await make(w);
    await verifyW1(h, w);
    await teardown();
    await dismantled(h);
    planned.length = 0;
  }
  await settled();
  // C sequential is an explanation, not the reference: at N = 1000 it takes 5-6 times C pipelined.
  const SLOW_TOOLS = { 'ip per op': SLOW_N, 'pyroute2 NetNS': SLOW_N, 'ip -batch': 5 * SLOW_N, 'pyroute2 fast': 5 * SLOW_N, [C_SEQ]: 10 * SLOW_N };
  for (const n of NS) {
    await setUpHub(h, n);
    const skipped = Object.keys(w1Tools).filter((t) => available(t) && SLOW_TOOLS[t] !== undefined && n > SLOW_TOOLS[t]);
    if (skipped.length) console.log(`  W1 N=${n}: ${skipped.join(', ')} left out (at this N they would take most of the run; BENCH_SLOW_N=${SLOW_N})`);
    const run = Object.entries(w1Tools).filter(([tool]) => available(tool) && !skipped.includes(tool));
    const times = await roundRobin(run, async (tool, make) => {
      if (unverified.some((u) => u.n === n && u.tool === tool)) return [NaN, NaN];
      currentTool = tool;
      const { setup, teardown } = await make(n);
      try {
        await verifyW1(h, n);
      } catch (e) {
        // A row that did not build what it should is left out (said, and kept in results.json),
        // not the whole run: its later rounds are skipped.
        unverified.push({ n, tool, reason: String(e.message ?? e).split('\n')[0] });
        console.log(`  W1 N=${n} ${tool}: LEFT OUT, not verified: ${unverified.at(-1).reason}`);
      }
      const t0 = process.hrtime.bigint();
      await teardown();
      await dismantled(h);
      const down = us(t0);
      await settled();
      return [setup, down];
    }, n <= SHORT_N ? SHORT_REPS : REPS);
    for (const [tool, [setups, teardowns]] of times) {
      if (unverified.some((u) => u.n === n && u.tool === tool)) continue;
      results.push({ workload: `W1 setup, N=${n}`, tool, n, us: median(setups), perOp: median(setups) / (n * W1_OPS), unit: 'µs per operation', reps: setups });
      results.push({ workload: `W1 teardown, N=${n}`, tool, n, us: median(teardowns), perOp: median(teardowns) / n, unit: 'µs per host', reps: teardowns });
      console.log(`  W1 N=${n} ${tool}: setup ${(median(setups) / 1e3).toFixed(1)} ms, teardown ${(median(teardowns) / 1e3).toFixed(1)} ms`);
    }
    for (const when of ['settled', 'right after apply']) {
      const plans = planned.filter((p) => p.n === n && p.when === when);
      if (!plans.length) continue;
      // A plan that finds something to do after apply is a finding, not a reason to stop the
      // run: it is said, with what it found, and the row says in how many repetitions.
      const found = plans.filter((p) => p.changes !== 0);
      for (const p of found) console.log(`  W6 N=${n}: WARNING: the plan ${when} found ${p.changes} changes: ${p.detail}`);
      const t = median(plans.map((p) => p.us));
      const note = found.length ? `; in ${found.length} of ${plans.length} plans it found changes` : '';
      const what = when === 'settled' ? 'once the kernel settled' : 'right after apply, the kernel still busy';
      results.push({ workload: `W6 plan of an applied W1 topology, ${what}, N=${n} (nothing to do${note})`, tool: 'netns-link Topology.plan', us: t, perOp: t / n, unit: 'µs per host', plans: plans.length, planChanges: plans.map((p) => p.changes), planDetail: found.map((p) => p.detail) });
      console.log(`  W6 N=${n} plan of the applied topology, ${what}: ${(t / 1e3).toFixed(1)} ms (median of ${plans.length})`);
    }
  }
  await tearDownHub(h);
  h.close();
}

const W2_ROUNDS = 10;

async function w2(results) {
  const ns = await Netns.create('w2');
  await Promise.all(Array.from({ length: W2_PAIRS }, (_, i) => ns.createVeth(`a${i}`, { peer: `b${i}` })));
  await Promise.all(Array.from({ length: W2_PAIRS }, (_, i) => ns.addAddress(`a${i}`, `198.18.${i >> 8}.${i & 255}/32`)));
  const check = (links, addrs, tool) => {
    if (links !== 2 * W2_PAIRS + 1 || addrs < W2_PAIRS) throw new Error(`W2 ${tool}: ${links} links, ${addrs} addresses`);
  };
  const ext = (tool, r) => (check(r.links, r.addresses, tool), [r.link_dump_us, r.addr_dump_us]);
  /** netns-link: a link dump, then an address dump, into its typed objects. */
  const nl = async () => {
    let t0 = process.hrtime.bigint();
    const links = await ns.links();
    const l = us(t0);
    t0 = process.hrtime.bigint();
    const addrs = await ns.addresses();
    check(links.length, addrs.length, 'netns-link');
    return [l, us(t0)];
  };
  const ipJson = async () => [await wall('ip', ['-n', 'w2', '-j', 'link', 'show']), await wall('ip', ['-n', 'w2', '-j', 'addr', 'show'])];
  // Alone: one link dump and one address dump per repetition (a fresh process each for the
  // others, after a warm-up). Alternating: ten rounds of both on one socket, the median of each.
  const alone = {
    'C (libmnl)': async () => ext('C', await json(REF, ['w2', '/run/netns/w2'])),
    [GO]: async () => ext('Go', await json(GOBENCH, ['w2', 'w2'])),
    'netns-link': nl,
    'ip (JSON)': ipJson,
    'pyroute2 fast': async () => ext('pyroute2', await json(PY, [PYBENCH, 'w2', 'w2'])),
  };
  /** W2_ROUNDS of a [link dump, address dump] pair: the median of each. */
  const rounds = async (pair) => {
    const ls = [];
    const as = [];
    for (let i = 0; i < W2_ROUNDS; i++) {
      const [l, a] = await pair();
      ls.push(l);
      as.push(a);
    }
    return [median(ls), median(as)];
  };
  const loop = {
    'C (libmnl)': async () => ext('C', await json(REF, ['w2-loop', '/run/netns/w2', String(W2_ROUNDS)])),
    [GO]: async () => ext('Go', await json(GOBENCH, ['w2-loop', 'w2', String(W2_ROUNDS)])),
    'netns-link': () => rounds(nl),
    'ip (JSON)': () => rounds(ipJson),
    'pyroute2 fast': async () => ext('pyroute2', await json(PY, [PYBENCH, 'w2-loop', 'w2', String(W2_ROUNDS)])),
  };
  for (const [form, tools] of [['alone', alone], [`alternating, median of ${W2_ROUNDS} rounds`, loop]]) {
    for (const [tool, measure] of Object.entries(tools).filter(([tool]) => available(tool))) {
      const ls = [];
      const as = [];
      // Warm-up, not counted: every tool is measured in its steady state. The C, Go and Python
      // tools are fresh processes each run; the library runs in this one, whose JIT needs a few.
      for (let w = 0; w < (tool === 'netns-link' && form === 'alone' ? 5 : 1); w++) await measure();
      for (let r = 0; r < REPS; r++) {
        const [l, a] = await measure();
        ls.push(l);
        as.push(a);
      }
      results.push({ workload: `W2 link dump, ${2 * W2_PAIRS + 1} links, ${form}`, tool, us: median(ls), perOp: median(ls) / (2 * W2_PAIRS + 1), unit: 'µs per link', ref: 'C (libmnl)' });
      results.push({ workload: `W2 address dump, ${W2_PAIRS}+ addresses, ${form}`, tool, us: median(as), perOp: median(as) / W2_PAIRS, unit: 'µs per address', ref: 'C (libmnl)' });
      console.log(`  W2 ${form} ${tool}: links ${(median(ls) / 1e3).toFixed(2)} ms, addresses ${(median(as) / 1e3).toFixed(2)} ms`);
    }
  }
  await ns.delete();
}

async function w3(results) {
  const ns = await Netns.create('w3');
  await ns.setUp('lo');
  const addrs = Array.from({ length: W3_COUNT }, (_, i) => `198.19.${i >> 8}.${i & 255}/32`);
  const addFile = join(build, 'w3-add.batch');
  const delFile = join(build, 'w3-del.batch');
  writeFileSync(addFile, `${addrs.map((a) => `addr add ${a} dev lo`).join('\n')}\n`);
  writeFileSync(delFile, `${addrs.map((a) => `addr del ${a} dev lo`).join('\n')}\n`);
  writeFileSync(join(build, 'w3-add.sh'), `set -e\n${addrs.map((a) => `ip -n w3 addr add ${a} dev lo`).join('\n')}\n`);
  writeFileSync(join(build, 'w3-del.sh'), `set -e\n${addrs.map((a) => `ip -n w3 addr del ${a} dev lo`).join('\n')}\n`);
  // Each row's like-for-like C: one request at a time against C sequential, all at once against C pipelined.
  const pair = { 'netns-link one at a time': C_SEQ, [GO]: C_SEQ, 'pyroute2 fast': C_SEQ, 'ip per op': C_SEQ, 'netns-link Promise.all': C_PIPE, 'ip -batch': C_PIPE };
  const tools = {
    // All requests in one sendmsg, every ACK read and checked (bench/ref.c).
    [C_PIPE]: async () => {
      const r = await json(REF, ['w3-pipe', '/run/netns/w3', String(W3_COUNT)]);
      return [r.add_us, r.del_us];
    },
    // Send, wait for the ACK, next.
    [C_SEQ]: async () => {
      const r = await json(REF, ['w3', '/run/netns/w3', String(W3_COUNT)]);
      return [r.add_us, r.del_us];
    },
    [GO]: async () => {
      const r = await json(GOBENCH, ['w3', 'w3', String(W3_COUNT)]);
      return [r.add_us, r.del_us];
    },
    'netns-link Promise.all': async () => {
      let t0 = process.hrtime.bigint();
      await Promise.all(addrs.map((a) => ns.addAddress('lo', a)));
      const add = us(t0);
      t0 = process.hrtime.bigint();
      await Promise.all(addrs.map((a) => ns.deleteAddress('lo', a)));
      return [add, us(t0)];
    },
    'netns-link one at a time': async () => {
      let t0 = process.hrtime.bigint();
      for (const a of addrs) await ns.addAddress('lo', a);
      const add = us(t0);
      t0 = process.hrtime.bigint();
      for (const a of addrs) await ns.deleteAddress('lo', a);
      return [add, us(t0)];
    },
    'ip -batch': async () => [await wall('ip', ['-n', 'w3', '-batch', addFile]), await wall('ip', ['-n', 'w3', '-batch', delFile])],
    'ip per op': async () => [await wall('bash', [join(build, 'w3-add.sh')]), await wall('bash', [join(build, 'w3-del.sh')])],
    'pyroute2 fast': async () => {
      const r = await json(PY, [PYBENCH, 'w3', 'w3', String(W3_COUNT)]);
      return [r.add_us, r.del_us];
    },
  };
  const run = Object.entries(tools).filter(([tool]) => available(tool));
  // Warm-up, as in W2 (ip per op has nothing to warm).
  for (const [tool, measure] of run) for (let w = 0; w < (tool.startsWith('netns-link') ? 3 : tool === 'ip per op' ? 0 : 1); w++) await measure();
  const times = await roundRobin(run, async (tool, measure) => {
    const [a, d] = await measure();
    const left = (await ns.addresses({ ifname: 'lo', family: 4 })).length;
    if (left !== 1) throw new Error(`W3 ${tool}: ${left} IPv4 addresses left on lo, not 1`);
    return [a, d];
  }, SHORT_REPS);
  for (const [tool, [adds, dels]] of times) {
    results.push({ workload: `W3 add ${W3_COUNT} /32 on lo`, tool, us: median(adds), perOp: median(adds) / W3_COUNT, unit: 'µs per operation', pair: pair[tool], reps: adds });
    results.push({ workload: `W3 delete ${W3_COUNT} /32 on lo`, tool, us: median(dels), perOp: median(dels) / W3_COUNT, unit: 'µs per operation', pair: pair[tool], reps: dels });
    console.log(`  W3 ${tool}: add ${(median(adds) / W3_COUNT).toFixed(1)} µs/op, delete ${(median(dels) / W3_COUNT).toFixed(1)} µs/op`);
  }
  await ns.delete();
}

/** A process's CPU time so far (user and system), from /proc: for readers that cannot say it. */
function procCpuUs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  return (ticks * 1e6) / 100; // USER_HZ
}

/** Starts a reader and resolves once it is subscribed (its "ready" line, or a pause for ip). */
function startReader(cmd, args, ready) {
  const child = require('node:child_process').spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const lines = [];
  const waiters = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    out += d;
    let nl;
    while ((nl = out.indexOf('\n')) >= 0) {
      lines.push(out.slice(0, nl));
      out = out.slice(nl + 1);
    }
    for (const w of waiters.splice(0)) w();
  });
  const until = (test) =>
    new Promise((resolve, reject) => {
      const check = () => (test(lines) ? resolve(lines) : child.exitCode !== null ? reject(new Error(`${cmd} exited early`)) : waiters.push(check));
      check();
    });
  const subscribed = ready ? until((l) => l.includes('ready')) : new Promise((r) => setTimeout(r, 300));
  return { child, until, subscribed };
}

// W4: a reader watching a namespace's IPv4 addresses while `ip -batch` adds them, in two
// windows of W4_COUNT events: the first of a new reader (a JIT still compiling pays for its
// start), then the next (a reader running for a while), from a second batch of other addresses
// on the other end of the veth (on the same interface, each add costs the kernel more as the
// list grows: the events come slower and every reader wakes more often).
// Each reader reports the CPU time each window cost it (ip monitor: read from /proc).
async function w4(results) {
  const ns = await Netns.create('w4');
  await ns.createVeth('e0', { peer: 'e1' });
  const batches = [0, 1].map((w) => {
    const file = join(build, `w4-add-${w}.batch`);
    const at = w * W4_COUNT;
    writeFileSync(file, `${Array.from({ length: W4_COUNT }, (_, i) => `addr add 198.18.${(at + i) >> 8}.${(at + i) & 255}/32 dev e${w}`).join('\n')}\n`);
    return file;
  });
  const reports = (l) => l.filter((x) => x.startsWith('{')).map((x) => JSON.parse(x));
  const inet = (l) => l.filter((x) => x.includes(' inet ')).length;
  const tools = {
    'C (libmnl)': { cmd: REF, args: ['w4', '/run/netns/w4', String(W4_COUNT)], ready: true },
    'netns-link': { cmd: process.execPath, args: [join(__dirname, 'watch-reader.js'), 'w4', String(W4_COUNT)], ready: true },
    'ip monitor': { cmd: 'ip', args: ['-n', 'w4', 'monitor', 'address'], ready: false },
    'pyroute2': { cmd: PY, args: [PYBENCH, 'w4', 'w4', String(W4_COUNT)], ready: true },
  };
  const windows = ['first', 'next'];
  for (const [tool, t] of Object.entries(tools).filter(([tool]) => available(tool))) {
    const cpus = [[], []];
    for (let r = 0; r < REPS; r++) {
      const reader = startReader(t.cmd, t.args, t.ready);
      await reader.subscribed;
      let before = t.ready ? 0 : procCpuUs(reader.child.pid);
      for (const w of [0, 1]) {
        await run('ip', ['-n', 'w4', '-batch', batches[w]]);
        if (t.ready) {
          const lines = await reader.until((l) => reports(l).length > w);
          const report = reports(lines)[w];
          cpus[w].push((report.cpu_us / report.events) * W4_COUNT);
        } else {
          await reader.until((l) => inet(l) >= (w + 1) * W4_COUNT);
          const now = procCpuUs(reader.child.pid);
          cpus[w].push(now - before);
          before = now;
        }
      }
      reader.child.kill();
      await new Promise((res) => (reader.child.exitCode !== null ? res() : reader.child.once('exit', res)));
      for (const dev of ['e0', 'e1']) await run('ip', ['-n', 'w4', 'addr', 'flush', 'dev', dev]);
    }
    for (const w of [0, 1]) {
      const cpu = median(cpus[w]);
      results.push({ workload: `W4 watch ${W4_COUNT} address events (CPU), the ${windows[w]} ${W4_COUNT} of a reader`, tool, us: cpu, perOp: cpu / W4_COUNT, unit: 'µs CPU per event' });
      console.log(`  W4 ${tool}, ${windows[w]} ${W4_COUNT}: ${(cpu / W4_COUNT).toFixed(2)} µs CPU per event, ${Math.round(W4_COUNT / (cpu / 1e6))} events per CPU second`);
    }
  }
  await ns.delete();
}

function rssKiB() {
  return Number(/VmRSS:\s+(\d+)/u.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
}

// W5: 1,000 port forwards (each a DNAT in prerouting and in output, to the namespace's own
// addresses), added at once, then deleted; in the sandbox's own namespace. Every tool makes the
// same 2,000 rules, and each round is checked by counting the DNAT rules nft lists.
async function w5(results) {
  const ns = Netns.current();
  const specs = Array.from({ length: W5_COUNT }, (_, i) => ({ protocol: 'tcp', port: 10000 + i, to: `198.18.${i >> 8}.${i & 255}`, toPort: 80 }));
  const T = 'inet netns_link';
  const rule = (chain, s) => `add rule ${T} ${chain} meta nfproto ipv4 fib daddr type local meta l4proto tcp tcp dport ${s.port} dnat ip to ${s.to}:${s.toPort}`;
  const chains = [
    `add table ${T}`,
    `add chain ${T} prerouting { type nat hook prerouting priority dstnat; policy accept; }`,
    `add chain ${T} output { type nat hook output priority -100; policy accept; }`,
  ];
  const nft = (args, input) => run('nft', args, input === undefined ? {} : { input });
  const nftScript = (lines) =>
    new Promise((resolve, reject) => {
      const child = require('node:child_process').execFile('nft', ['-f', '-'], (e) => (e ? reject(e) : resolve()));
      child.stdin.end(`${lines.join('\n')}\n`);
    });
  /** The handles of our DNAT rules, from one listing (what deleting by handle needs). */
  const handles = async () => {
    const { stdout } = await run('nft', ['-j', '-a', 'list', 'table', 'inet', 'netns_link']);
    return JSON.parse(stdout).nftables.filter((o) => o.rule).map((o) => `delete rule ${T} ${o.rule.chain} handle ${o.rule.handle}`);
  };
  const count = async () => {
    const { stdout } = await run('nft', ['-j', 'list', 'ruleset']);
    // iptables-nft's rules carry its DNAT as an xtables target.
    return JSON.parse(stdout).nftables.filter((o) => o.rule && o.rule.expr.some((e) => e.dnat || e.xt?.name === 'DNAT')).length;
  };
  const ipt = (op, chain, s) => ['-t', 'nat', op, chain, '-p', 'tcp', '--dport', String(s.port), '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'DNAT', '--to-destination', `${s.to}:${s.toPort}`];
  const each = async (cmds) => {
    for (const [cmd, args] of cmds) await run(cmd, args);
  };
  const tools = {
    'netns-link Promise.all': async () => {
      let t0 = process.hrtime.bigint();
      await Promise.all(specs.map((s) => ns.forwardPort(s)));
      const add = us(t0);
      const made = await count();
      t0 = process.hrtime.bigint();
      await Promise.all(specs.map((s) => ns.deleteForward(s)));
      return [add, us(t0), made];
    },
    'nft -f (one script)': async () => {
      let t0 = process.hrtime.bigint();
      await nftScript([...chains, ...specs.flatMap((s) => [rule('prerouting', s), rule('output', s)])]);
      const add = us(t0);
      const made = await count();
      t0 = process.hrtime.bigint();
      await nftScript(await handles());
      return [add, us(t0), made];
    },
    'nft per rule': async () => {
      let t0 = process.hrtime.bigint();
      await nftScript(chains);
      for (const s of specs) for (const chain of ['prerouting', 'output']) await nft(rule(chain, s).split(' '));
      const add = us(t0);
      const made = await count();
      t0 = process.hrtime.bigint();
      for (const d of await handles()) await nft(d.split(' '));
      return [add, us(t0), made];
    },
    'iptables-nft per rule': async () => {
      let t0 = process.hrtime.bigint();
      await each(specs.flatMap((s) => [['iptables-nft', ipt('-A', 'PREROUTING', s)], ['iptables-nft', ipt('-A', 'OUTPUT', s)]]));
      const add = us(t0);
      const made = await count();
      t0 = process.hrtime.bigint();
      await each(specs.flatMap((s) => [['iptables-nft', ipt('-D', 'PREROUTING', s)], ['iptables-nft', ipt('-D', 'OUTPUT', s)]]));
      return [add, us(t0), made];
    },
  };
  if (MISSING.includes('nftables')) {
    console.log('  W5 skipped: nft is its check (apt-get install nftables)');
    return;
  }
  const perRule = ['nft per rule', 'iptables-nft per rule'];
  if (!SLOW) console.log(`  W5: ${perRule.join(', ')} left out (about 2 minutes each per repetition; BENCH_SLOW=1 runs them)`);
  for (const [tool, measure] of Object.entries(tools).filter(([tool]) => available(tool) && (SLOW || !perRule.includes(tool)))) {
    const adds = [];
    const dels = [];
    for (let w = 0; w < (tool.startsWith('netns-link') ? 2 : 0); w++) await measure();
    for (let r = 0; r < REPS; r++) {
      const [a, d, made] = await measure();
      if (made !== 2 * W5_COUNT) throw new Error(`W5 ${tool}: ${made} DNAT rules made, not ${2 * W5_COUNT}`);
      const left = await count();
      if (left !== 0) throw new Error(`W5 ${tool}: ${left} DNAT rules left after the delete`);
      adds.push(a);
      dels.push(d);
    }
    const ref = 'nft -f (one script)';
    results.push({ workload: `W5 add ${W5_COUNT} port forwards`, tool, us: median(adds), perOp: median(adds) / W5_COUNT, unit: 'µs per forward', ref });
    results.push({ workload: `W5 delete ${W5_COUNT} port forwards`, tool, us: median(dels), perOp: median(dels) / W5_COUNT, unit: 'µs per forward', ref });
    console.log(`  W5 ${tool}: add ${(median(adds) / W5_COUNT).toFixed(1)} µs/forward, delete ${(median(dels) / W5_COUNT).toFixed(1)} µs/forward`);
  }
  await run('nft', ['flush', 'ruleset']);
}

// W7: a CNI ADD then DEL, one container at a time, as a runtime calls them: netns-link-bridge
// in agent mode (the exec'd native client hands the call to `netns-link cni serve`) and in plain
// mode (the client execs node), against the reference bridge plugin, all with host-local and
// ipMasq, on the same configuration, in this sandbox as the runtime's namespace. The agent's log
// must show that it answered every call of its row.
async function w7(results) {
  const REFCNI = '/usr/lib/cni';
  if (!existsSync(join(REFCNI, 'bridge')) || !existsSync(join(REFCNI, 'host-local'))) {
    console.log('  W7 skipped: no reference plugins (apt-get install containernetworking-plugins)');
    return;
  }
  const count = quick ? 5 : 20;
  const bin = join(build, 'cni-bin');
  const socket = join(build, 'cni-agent.sock');
  execFileSync(process.execPath, [join(root, 'dist', 'cli.js'), 'cni', 'install', '--dir', bin, '--socket', socket]);
  const ours = join(bin, 'netns-link-bridge');
  const tools = { 'netns-link-bridge (agent)': ours, 'netns-link-bridge (plain)': ours, 'reference bridge': join(REFCNI, 'bridge') };
  const callPlugin = (exe, command, conf, env) =>
    new Promise((resolve, reject) => {
      const child = require('node:child_process').execFile(exe, [], { env: { CNI_COMMAND: command, CNI_PATH: `${bin}:${REFCNI}`, PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...env } }, (e, stdout) =>
        e ? reject(new Error(`${exe} ${command}: ${stdout}`)) : resolve(stdout),
      );
      child.stdin.end(JSON.stringify(conf));
    });
  for (const [tool, exe] of Object.entries(tools)) {
    let agent = null;
    let answered = 0;
    if (tool.endsWith('(agent)')) {
      agent = require('node:child_process').spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'cni', 'serve', '--socket', socket], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((resolve, reject) => {
        let log = '';
        agent.stdout.on('data', (d) => {
          log += d;
          answered = (log.match(/^(ADD|DEL) netns-link-bridge /gmu) ?? []).length;
          if (log.startsWith('serving on ')) resolve();
        });
        agent.once('exit', (code) => reject(new Error(`W7: the agent exited (${code})`)));
      });
    } else if (existsSync(socket)) {
      throw new Error(`W7 ${tool}: ${socket} is still there: plain mode would not be measured`);
    }
    const conf = { cniVersion: '1.0.0', name: 'w7', type: 'bridge', bridge: 'w7br', isGateway: true, ipMasq: true, dataDir: join(build, 'cni-state'), ipam: { type: 'host-local', subnet: '198.18.200.0/24', dataDir: join(build, 'cni-ipam') } };
    const adds = [];
    const dels = [];
    for (let i = 0; i < count + 1; i++) {
      const c = require('node:child_process').spawn('unshare', ['-n', 'sleep', '600'], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 50));
      const env = { CNI_CONTAINERID: `w7-${i}`, CNI_NETNS: `/proc/${c.pid}/ns/net`, CNI_IFNAME: 'eth0' };
      try {
        let t0 = process.hrtime.bigint();
        const out = JSON.parse(await callPlugin(exe, 'ADD', conf, env));
        const add = us(t0);
        if (!out.ips?.[0]?.address) throw new Error(`W7 ${tool}: ADD gave no address`);
        t0 = process.hrtime.bigint();
        await callPlugin(exe, 'DEL', conf, env);
        // The first call of each warms the page cache.
        if (i > 0) {
          adds.push(add);
          dels.push(us(t0));
        }
      } finally {
        c.kill('SIGKILL');
      }
    }
    if (agent) {
      await new Promise((r) => setTimeout(r, 50));
      agent.kill('SIGTERM');
      await new Promise((r) => agent.once('exit', r));
      if (answered !== 2 * (count + 1)) throw new Error(`W7 ${tool}: the agent answered ${answered} of ${2 * (count + 1)} calls`);
    }
    const left = (await Netns.current().links()).filter((l) => l.kind === 'veth').length;
    if (left) throw new Error(`W7 ${tool}: ${left} veths left after DEL`);
    results.push({ workload: 'W7 CNI ADD (bridge, host-local, ipMasq)', tool, us: median(adds), perOp: median(adds), unit: 'µs per call', ref: 'reference bridge' });
    results.push({ workload: 'W7 CNI DEL', tool, us: median(dels), perOp: median(dels), unit: 'µs per call', ref: 'reference bridge' });
    console.log(`  W7 ${tool}: ADD ${(median(adds) / 1e3).toFixed(1)} ms, DEL ${(median(dels) / 1e3).toFixed(1)} ms`);
  }
}

async function memory() {
  const count = quick ? 200 : 1000;
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      if (global.gc) global.gc();
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const fds0 = readdirSync('/proc/self/fd').length;
  const heapKiB = () => {
    const heap = process.memoryUsage();
    return Math.round((heap.heapUsed + heap.external) / 1024);
  };
  const availableKiB = () => Number(/MemAvailable:\s+(\d+)/u.exec(readFileSync('/proc/meminfo', 'utf8'))[1]);
  const cycle = async () => {
    await settle();
    const before = { rss: rssKiB(), heap: heapKiB(), avail: availableKiB() };
    const spaces = [];
    for (let i = 0; i < count; i += 100) spaces.push(...(await Promise.all(Array.from({ length: 100 }, () => Netns.create()))));
    await Promise.all(spaces.map((ns) => ns.links()));
    if (global.gc) global.gc();
    const open = { fds: readdirSync('/proc/self/fd').length, rss: rssKiB(), heap: heapKiB(), avail: availableKiB(), before };
    for (const ns of spaces) ns.close();
    spaces.length = 0;
    await settle();
    const heap = process.memoryUsage();
    return { open, closed: { fds: readdirSync('/proc/self/fd').length, rss: rssKiB(), heap: Math.round((heap.heapUsed + heap.external) / 1024) } };
  };
  // The first cycles raise the allocators to their high-water mark (measured: RSS flat from the
  // third cycle on); a leak shows as growth after that.
  const first = await cycle();
  await cycle();
  const settled = await cycle();
  await cycle();
  await cycle();
  const last = await cycle();
  const m = {
    namespaces: count,
    fdsPerNamespace: (first.open.fds - fds0) / count,
    fdsAfterClose: last.closed.fds - fds0,
    // Per open namespace, in the settled cycle: this process's RSS and V8 heap (with external
    // memory) once they are open and their links read; and the system's MemAvailable, which
    // counts the kernel's side (the namespace, its lo, sysctl tables; noisy: other processes).
    rssPerNamespaceKiB: (settled.open.rss - settled.open.before.rss) / count,
    heapPerNamespaceKiB: (settled.open.heap - settled.open.before.heap) / count,
    systemPerNamespaceKiB: (settled.open.before.avail - settled.open.avail) / count,
    rssSettledKiB: settled.closed.rss,
    rssGrowthOverThreeMoreCyclesKiB: last.closed.rss - settled.closed.rss,
    // Objects the library still holds show here: the V8 heap and its external memory.
    heapGrowthOverThreeMoreCyclesKiB: last.closed.heap - settled.closed.heap,
  };
  console.log(`  memory: ${count} open namespaces: ${m.rssPerNamespaceKiB.toFixed(1)} KiB RSS each (V8 heap and external ${m.heapPerNamespaceKiB.toFixed(1)} KiB), system memory ${m.systemPerNamespaceKiB.toFixed(0)} KiB each; ${m.fdsPerNamespace} fds each; after close: ${m.fdsAfterClose} fds more than before; RSS growth over three more open/close cycles once settled: ${m.rssGrowthOverThreeMoreCyclesKiB} KiB, of the V8 heap and external memory: ${m.heapGrowthOverThreeMoreCyclesKiB} KiB`);
  return m;
}

function table(results) {
  const rows = [];
  const workloads = [...new Set(results.map((r) => r.workload))];
  for (const w of workloads) {
    const rs = results.filter((r) => r.workload === w);
    // The strongest C of the same run: C pipelined where the workload has one, else the C the
    // rows name (W2, W4: one C program), else the strongest peer (W5: one nft script).
    const refTool = rs.some((r) => r.tool === C_PIPE) ? C_PIPE : (rs[0]?.ref ?? 'C (libmnl)');
    const ref = rs.find((r) => r.tool === refTool);
    for (const r of rs) {
      // Shown where it differs from the ratio to the strongest C.
      const p = r.pair && r.pair !== refTool && rs.find((x) => x.tool === r.pair);
      const to = ref ? ratioTo(r, ref) : null;
      const toPair = p ? ratioTo(r, p) : null;
      rows.push({ ...r, ref: ref ? refTool : null, ratio: to?.ratio ?? null, ratioRange: to?.range ?? null, ratioOfMedians: ref ? r.us / ref.us : null, pairRatio: toPair?.ratio ?? null, pairRange: toPair?.range ?? null });
    }
  }
  return { rows, markdown: markdown(rows) };
}

async function inside() {
  execFileSync('mount', ['-t', 'tmpfs', 'netns-bench', '/run/netns']);
  const results = [];
  const machine = `${execFileSync('uname', ['-r']).toString().trim()}, ${require('node:os').cpus().length} cores (${require('node:os').cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`;
  console.log(`netns-link benchmark: ${machine}; N=${NS.join(',')}, ${REPS} repetitions (${SHORT_REPS} for W1 at N ≤ ${SHORT_N} and W3), medians`);
  // BENCH_ONLY=w5 (a comma list) runs some workloads only; the README is then left alone.
  const only = (process.env.BENCH_ONLY || '').split(',').filter(Boolean);
  for (const [name, w] of Object.entries({ w1, w2, w3, w4, w5, w7 })) {
    if (only.length !== 0 && !only.includes(name)) continue;
    // Each workload starts on an idle machine: the kernel dismantles the last one's namespaces
    // (W1's 2,000 hosts, W2's 2,000 links) in its workers for seconds after it returned, and a
    // workload measured meanwhile, every tool of it alike, measures that (W3 one at a time, the
    // moment W2 was done: 1.59x and 1.53x C sequential; after this wait, in the next run, 1.39x
    // and 1.36x).
    await settled(20000);
    await w(results);
  }
  const mem = only.length === 0 || only.includes('memory') ? await memory() : null;
  const { rows, markdown: tableText } = table(results);
  const date = new Date().toISOString().slice(0, 10);
  const doc = { date, machine, reps: REPS, shortReps: SHORT_REPS, quick, results: rows, memory: mem, pingRetries, unverified };
  const partial = only.length > 0;
  writeFileSync(join(__dirname, quick || partial ? 'results-quick.json' : 'results.json'), `${JSON.stringify(doc, null, 2)}\n`);
  if (!quick && !partial) render();
  console.log(`\n${tableText}\n`);
  if (mem) console.log(`memory: ${mem.namespaces} open namespaces cost ${mem.fdsPerNamespace} descriptors each; after close, ${mem.fdsAfterClose} more than before; RSS growth over three further open/close cycles once settled: ${mem.rssGrowthOverThreeMoreCyclesKiB} KiB (V8 heap and external memory: ${mem.heapGrowthOverThreeMoreCyclesKiB} KiB)`);
}

if (process.env.NETNS_LINK_BENCH_INSIDE === '1') {
  inside().catch((e) => {
    console.error(`bench failed: ${e.stack || e.message}`);
    process.exitCode = 1;
  });
} else {
  const missing = prepare();
  const r = spawnSync('unshare', ['--net', '--mount', '--propagation', 'private', '--', process.execPath, '--expose-gc', __filename], {
    stdio: 'inherit',
    // Topology records of the bench stay in its build directory, not the host's /run.
    env: { ...process.env, NETNS_LINK_BENCH_INSIDE: '1', NETNS_LINK_BENCH_MISSING: missing.join(','), NETNS_LINK_TOPOLOGY_DIR: join(build, 'topologies') },
  });
  process.exitCode = r.status ?? 1;
}

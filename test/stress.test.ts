// Load: many operations across many namespaces, a bounded number in flight, a tenth failing on
// purpose. Every success lands in the right namespace (checked with ip -j), every failure is the
// right NetlinkError, and afterwards descriptors, threads and memory are as they were.
// `npm test` runs a short version; `npm run stress` the full one (10,000 operations, 50 namespaces).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import t from 'tap';
import { NetlinkError, Netns } from '../dist/index.js';
import { ipJson, namedNetns, threadNamespaces } from './helpers';

const OPS = Number(process.env.STRESS_OPS ?? 2000);
const SPACES = Number(process.env.STRESS_NS ?? 10);
const IN_FLIGHT = 200;

const rss = (): number => Number(/VmRSS:\s+(\d+)/u.exec(readFileSync('/proc/self/status', 'utf8'))![1]);

interface Op {
  ns: number;
  run: (ns: Netns) => Promise<unknown>;
  /** The errno code a deliberate failure must give, or null for a success. */
  fails: string | null;
  /** What a success leaves: [kind, value] to find with ip -j. */
  leaves?: ['addr' | 'route' | 'link', string];
}

function plan(round: number): Op[] {
  const ops: Op[] = [];
  for (let i = 0; i < OPS; i++) {
    // Blocks of ten consecutive operations (every kind, one failure) go to each namespace in turn.
    const ns = Math.floor(i / 10) % SPACES;
    const n = i;
    const addr = `198.18.${(n >> 8) & 255}.${n & 255}`;
    switch (i % 10) {
      case 0: // the deliberate failures, one kind in turn
        if (n % 4 === 0) ops.push({ ns, fails: 'EEXIST', run: (s) => s.addAddress('eth0', '192.0.2.10/24') });
        else if (n % 4 === 1) ops.push({ ns, fails: 'EADDRNOTAVAIL', run: (s) => s.deleteAddress('eth0', '203.0.113.250/32') });
        else if (n % 4 === 2) ops.push({ ns, fails: 'ENODEV', run: (s) => s.setUp('nosuch0') });
        else ops.push({ ns, fails: 'ESRCH', run: (s) => s.deleteRoute({ to: '203.0.113.0/24', dev: 'eth0' }) });
        break;
      case 1:
      case 2:
      case 3:
      case 4:
        ops.push({ ns, fails: null, run: (s) => s.addAddress('eth0', `${addr}/32`), leaves: ['addr', addr] });
        break;
      case 5:
      case 6:
        ops.push({ ns, fails: null, run: (s) => s.addRoute({ to: `10.${round}.${(n >> 8) & 255}.${n & 255}/32`, via: '192.0.2.1' }), leaves: ['route', `10.${round}.${(n >> 8) & 255}.${n & 255}`] });
        break;
      case 7:
        ops.push({ ns, fails: null, run: (s) => s.createBridge(`b${round}-${n}`), leaves: ['link', `b${round}-${n}`] });
        break;
      default:
        ops.push({ ns, fails: null, run: (s) => s.link('eth0') });
        break;
    }
  }
  return ops;
}

async function runAll(spaces: Netns[], ops: Op[]): Promise<(unknown | Error)[]> {
  const results: (unknown | Error)[] = new Array(ops.length);
  let next = 0;
  let inflight = 0;
  let peak = 0;
  await new Promise<void>((done) => {
    const pump = (): void => {
      while (inflight < IN_FLIGHT && next < ops.length) {
        const i = next++;
        inflight++;
        peak = Math.max(peak, inflight);
        ops[i]!.run(spaces[ops[i]!.ns]!).then(
          (r) => (results[i] = r ?? true),
          (e: Error) => (results[i] = e),
        ).finally(() => {
          inflight--;
          if (next === ops.length && inflight === 0) done();
          else pump();
        });
      }
    };
    pump();
  });
  if (peak !== Math.min(IN_FLIGHT, ops.length)) throw new Error(`peak in flight ${peak}`);
  return results;
}

t.test(`${OPS} operations across ${SPACES} namespaces, ${IN_FLIGHT} in flight, a tenth failing`, async (t) => {
  const start = readlinkSync('/proc/self/ns/net');
  const fds0 = readdirSync('/proc/self/fd').length;
  const rssByRound: number[] = [];
  for (let round = 0; round < 2; round++) {
    const spaces = (await namedNetns(t, `stress${round}`, SPACES)) as Netns[];
    await Promise.all(spaces.map(async (s) => {
      await s.createVeth('eth0', { peer: 'eth1', up: true });
      await s.setUp('eth1');
      await s.addAddress('eth0', '192.0.2.10/24');
    }));
    const ops = plan(round);
    const results = await runAll(spaces, ops);
    let wrong = 0;
    ops.forEach((op, i) => {
      const r = results[i];
      if (op.fails === null ? r instanceof Error : !(r instanceof NetlinkError && r.code === op.fails)) {
        if (wrong++ < 5) t.fail(`op ${i}: expected ${op.fails ?? 'success'}, got ${r instanceof Error ? r.message : 'success'}`);
      }
    });
    t.equal(wrong, 0, `round ${round}: every result as expected`);
    for (const [idx, s] of spaces.entries()) {
      const addrs = new Set(ipJson(s.name!, '-4', 'addr', 'show', 'dev', 'eth0')[0].addr_info.map((a: any) => a.local));
      const routes = new Set(ipJson(s.name!, '-4', 'route', 'show').map((r: any) => r.dst));
      const links = new Set(ipJson(s.name!, 'link').map((l: any) => l.ifname));
      const mine = ops.filter((op) => op.ns === idx && op.leaves);
      const missing = mine.filter((op) => {
        const [kind, v] = op.leaves!;
        return !(kind === 'addr' ? addrs : kind === 'route' ? routes : links).has(v);
      });
      t.equal(missing.length, 0, `round ${round}: ${s.name} has all ${mine.length} of its results`);
      t.equal(addrs.size, 1 + mine.filter((op) => op.leaves![0] === 'addr').length, `round ${round}: ${s.name} has nothing of another namespace`);
    }
    for (const s of spaces) await s.delete();
    global.gc?.();
    await new Promise((r) => setTimeout(r, 200));
    rssByRound.push(rss());
  }
  t.equal(readdirSync('/proc/self/fd').length, fds0, 'as many descriptors as before');
  for (const [tid, ns] of threadNamespaces()) t.equal(ns, start, `thread ${tid} in the namespace the process started in`);
  const growth = rssByRound[1]! - rssByRound[0]!;
  t.ok(growth < 32 * 1024, `RSS settled: a second round added ${growth} KiB (after the first: ${rssByRound[0]} KiB)`);
});

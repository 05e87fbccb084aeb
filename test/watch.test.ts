// Watching: changes made by `ip` (an independent actor) arrive as the typed objects the listings
// return, in order; the first listing and an overflowing socket lose and double nothing; many
// watchers cost a descriptor each and no thread; waiting helpers; `netns-link monitor`.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import type { ChangeEvent, Netns, WatchEvent, Watcher } from '../dist/index.js';
import { native } from '../dist/native.js';
import { eventually, ipJson, namedNetns, openFds } from './helpers';

const ip = (ns: Netns, ...args: string[]): void => {
  execFileSync('ip', ['-n', ns.name!, ...args]);
};

/** Collects a watcher's events until `until` says enough (or `ms` pass). */
async function collect(w: Watcher, until: (seen: WatchEvent[]) => boolean, ms = 5000): Promise<WatchEvent[]> {
  const seen: WatchEvent[] = [];
  const deadline = setTimeout(() => w.close(), ms);
  try {
    for await (const e of w) {
      seen.push(e);
      if (until(seen)) break;
    }
  } finally {
    clearTimeout(deadline);
  }
  return seen;
}

/** A consumer that applies a watcher's address events to a set, counting the markers. */
function follow(w: Watcher): { state: Set<string>; counts: { overflows: number; synced: number }; done: Promise<void> } {
  const state = new Set<string>();
  const counts = { overflows: 0, synced: 0 };
  const done = (async () => {
    for await (const e of w) {
      if (e.kind === 'overflow') counts.overflows++;
      else if (e.kind === 'synced') counts.synced++;
      else if (e.kind === 'address') {
        if (e.action === 'new') state.add(e.object.cidr);
        else state.delete(e.object.cidr);
      }
    }
  })();
  return { state, counts, done };
}

const changes = (seen: WatchEvent[]): ChangeEvent[] => seen.filter((e): e is ChangeEvent => e.kind !== 'overflow' && e.kind !== 'synced');

t.test('changes made by ip arrive as typed events, in order', async (t) => {
  const [ns] = (await namedNetns(t, 'watch')) as [Netns];
  await ns.sysctl('net.ipv6.conf.default.accept_dad', 0);
  const w = await ns.watch();
  t.teardown(() => w.close());
  ip(ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ip(ns, 'link', 'add', 'br0', 'type', 'bridge');
  ip(ns, 'link', 'set', 'v1', 'up');
  ip(ns, 'link', 'set', 'v0', 'name', 'w0');
  ip(ns, 'link', 'set', 'w0', 'master', 'br0');
  ip(ns, 'link', 'set', 'w0', 'up');
  ip(ns, 'addr', 'add', '192.0.2.1/24', 'dev', 'v1');
  ip(ns, 'addr', 'add', '2001:db8::1/64', 'dev', 'v1', 'nodad');
  ip(ns, 'route', 'add', '198.51.100.0/24', 'via', '192.0.2.254');
  ip(ns, 'route', 'replace', '198.51.100.0/24', 'via', '192.0.2.253');
  ip(ns, 'route', 'del', '198.51.100.0/24');
  ip(ns, 'neigh', 'add', '192.0.2.9', 'lladdr', '02:00:5e:00:53:09', 'dev', 'v1');
  ip(ns, 'rule', 'add', 'from', '192.0.2.0/24', 'lookup', '100', 'pref', '1000');
  ip(ns, 'addr', 'del', '192.0.2.1/24', 'dev', 'v1');
  ip(ns, 'addr', 'del', '2001:db8::1/64', 'dev', 'v1');
  ip(ns, 'link', 'del', 'w0');
  const seen = changes(await collect(w, (s) => s.some((e) => e.kind === 'link' && e.action === 'delete' && e.object.name === 'w0')));
  const index = (pred: (e: ChangeEvent) => boolean, what: string): number => {
    const i = seen.findIndex(pred);
    t.ok(i >= 0, what);
    return i;
  };
  const order = [
    index((e) => e.kind === 'link' && e.action === 'new' && e.object.name === 'v0' && e.object.kind === 'veth', 'link add, typed: a veth'),
    index((e) => e.kind === 'link' && e.object.name === 'v1' && e.object.up, 'link up'),
    index((e) => e.kind === 'link' && e.object.name === 'w0', 'rename'),
    index((e) => e.kind === 'link' && e.object.name === 'w0' && e.object.master !== null, 'master'),
    index((e) => e.kind === 'address' && e.action === 'new' && e.object.cidr === '192.0.2.1/24' && e.object.ifname === 'v1', 'address add, v4, named'),
    index((e) => e.kind === 'address' && e.action === 'new' && e.object.cidr === '2001:db8::1/64', 'address add, v6'),
    index((e) => e.kind === 'route' && e.action === 'new' && e.object.to === '198.51.100.0/24' && e.object.gateway === '192.0.2.254', 'route add'),
    index((e) => e.kind === 'route' && e.action === 'new' && e.object.to === '198.51.100.0/24' && e.object.gateway === '192.0.2.253', 'route replace'),
    index((e) => e.kind === 'route' && e.action === 'delete' && e.object.to === '198.51.100.0/24', 'route delete'),
    index((e) => e.kind === 'neighbor' && e.action === 'new' && e.object.address === '192.0.2.9' && e.object.lladdr === '02:00:5e:00:53:09' && e.object.dev === 'v1', 'neighbour'),
    index((e) => e.kind === 'rule' && e.action === 'new' && e.object.priority === 1000 && e.object.table === 100, 'rule'),
    index((e) => e.kind === 'address' && e.action === 'delete' && e.object.cidr === '192.0.2.1/24', 'address delete, v4'),
    index((e) => e.kind === 'address' && e.action === 'delete' && e.object.cidr === '2001:db8::1/64', 'address delete, v6'),
    index((e) => e.kind === 'link' && e.action === 'delete' && e.object.name === 'w0', 'link delete'),
  ];
  t.same(order, [...order].sort((a, b) => a - b), 'in the order ip made them');
  const lo = await ns.link('lo');
  const last = seen.filter((e) => e.kind === 'link' && e.object.name === 'v1').pop()!;
  t.equal(last.object.constructor, lo.constructor, 'the same Link class as ns.link() returns');
});

t.test('existing: the listing and the live events together hold each address once, while another process keeps adding', async (t) => {
  const [ns] = (await namedNetns(t, 'wexist')) as [Netns];
  await ns.createVeth('e0', { peer: 'e1' });
  await Promise.all(Array.from({ length: 1000 }, (_, i) => ns.addAddress('e0', `198.18.${i >> 8}.${i & 255}/32`)));
  // Another process adds 300 more while the watcher subscribes and lists.
  const batch = Array.from({ length: 300 }, (_, i) => `address add 198.19.${i >> 8}.${i & 255}/32 dev e0`).join('\n');
  const adder = spawn('ip', ['-n', ns.name!, '-batch', '-'], { stdio: ['pipe', 'ignore', 'inherit'] });
  const added = new Promise((r) => adder.once('exit', r));
  adder.stdin.end(batch);
  const w = await ns.watch({ kinds: ['address'], family: 4, existing: true });
  t.teardown(() => w.close());
  const count = new Map<string, number>();
  let synced = false;
  const seen = await collect(w, (s) => {
    const e = s[s.length - 1]!;
    if (e.kind === 'synced') synced = true;
    if (e.kind === 'address') count.set(e.object.cidr, (count.get(e.object.cidr) ?? 0) + 1);
    return synced && count.size >= 1300;
  });
  await added;
  t.ok(seen.some((e) => e.kind === 'synced'), 'a synced marker after the listing');
  t.equal(count.size, 1300, 'nothing missing: 1,000 listed and 300 added meanwhile');
  t.same([...count.values()].filter((n) => n > 1), [], 'nothing twice');
  t.ok(seen.every((e) => e.kind !== 'address' || e.action === 'new'), 'all new');
});

t.test('overflow: a tiny buffer and a flood; applied to a map, the events end as the kernel\'s state', async (t) => {
  const [ns] = (await namedNetns(t, 'wover')) as [Netns];
  await ns.createVeth('o0', { peer: 'o1' });
  await Promise.all(Array.from({ length: 50 }, (_, i) => ns.addAddress('o0', `198.18.9.${i}/32`)));
  const w = await ns.watch({ kinds: ['address'], family: 4, existing: true, receiveBufferSize: 4096 });
  t.teardown(() => w.close());
  const { state, counts, done } = follow(w);
  // 2,000 adds and 500 deletes in a burst, from this process: far more than 4 KiB holds.
  await Promise.all(Array.from({ length: 2000 }, (_, i) => ns.addAddress('o0', `198.18.${10 + (i >> 8)}.${i & 255}/32`)));
  await Promise.all(Array.from({ length: 500 }, (_, i) => ns.deleteAddress('o0', `198.18.${10 + (i >> 8)}.${i & 255}/32`)));
  // A last change after the flood: once it is in the map and every overflow is repaired, the
  // watcher has caught up.
  await ns.addAddress('o0', '198.18.99.1/32');
  t.ok(await eventually(() => state.has('198.18.99.1/32') && counts.synced === counts.overflows + 1, 10000), 'caught up');
  w.close();
  await done;
  t.ok(counts.overflows > 0, `the kernel dropped events, and the watcher said so (${counts.overflows} overflows)`);
  t.equal(counts.synced, counts.overflows + 1, 'each overflow repaired, then synced');
  const truth = ipJson(ns.name!, '-4', 'addr', 'show', 'dev', 'o0')[0].addr_info.map((a: any) => `${a.local}/${a.prefixlen}`).sort();
  const mine = [...state.keys()].sort();
  t.equal(mine.length, truth.length, `the map holds as many as ip -4 addr shows (${truth.length})`);
  t.same(mine, truth, 'and the same ones');
});

for (const maxQueued of [undefined, 64]) {
  t.test(`overflow while another process keeps changing the addresses${maxQueued ? `, and at most ${maxQueued} messages held back by a re-read` : ''}: the re-reads, interrupted by the changes, are tried until one is whole, and the events end as the kernel's state`, async (t) => {
    const [ns] = (await namedNetns(t, 'wintr')) as [Netns];
    await ns.createVeth('i0', { peer: 'i1' });
    const w = await ns.watch({ kinds: ['address'], family: 4, existing: true, receiveBufferSize: 4096, ...(maxQueued ? { maxQueued } : {}) });
    t.teardown(() => w.close());
    const { state, counts, done } = follow(w);
    // 20,000 adds from ip: the socket overflows at once, and each re-read's dump runs while ip
    // goes on adding, so the kernel marks it interrupted (NLM_F_DUMP_INTR), again and again
    // (four times in a row made the watcher fail with EINTR, before it tried on).
    const batch = Array.from({ length: 20000 }, (_, i) => `address add 198.18.${i >> 8}.${i & 255}/32 dev i0`).join('\n');
    const adder = spawn('ip', ['-n', ns.name!, '-batch', '-'], { stdio: ['pipe', 'ignore', 'inherit'] });
    const added = new Promise((r) => adder.once('exit', r));
    adder.stdin.end(batch);
    t.equal(await added, 0, 'ip added them all');
    await ns.addAddress('i0', '198.18.99.3/32');
    t.ok(await eventually(() => state.has('198.18.99.3/32') && counts.synced === counts.overflows + 1, 30000), 'caught up');
    w.close();
    await done;
    t.ok(counts.overflows > 0, `the kernel dropped events, and the watcher said so (${counts.overflows} overflows)`);
    const truth = ipJson(ns.name!, '-4', 'addr', 'show', 'dev', 'i0')[0].addr_info.map((a: any) => `${a.local}/${a.prefixlen}`).sort();
    t.equal(truth.length, 20001, 'ip -4 addr shows the 20,001');
    t.same([...state.keys()].sort(), truth, 'the map holds the same ones');
  });
}

t.test('close while events are pending, a closed handle, an abort, a break: each ends cleanly and frees its descriptor', async (t) => {
  const [ns] = (await namedNetns(t, 'wclose')) as [Netns];
  await ns.links(); // the request socket exists before counting
  const fds = openFds();
  const w1 = await ns.watch({ kinds: ['link'] });
  t.equal(openFds(), fds + 1, 'a watcher is one descriptor');
  ip(ns, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1');
  await new Promise((r) => setTimeout(r, 50));
  w1.close();
  t.same(await w1.next(), { value: undefined, done: true }, 'closed with events pending: done, nothing more');
  t.equal(openFds(), fds, 'its descriptor closed');

  const ac = new AbortController();
  const w2 = await ns.watch({ kinds: ['link'], signal: ac.signal });
  const ended = collect(w2, () => false);
  ac.abort();
  t.same(await ended, [], 'aborted: the loop ends');
  await t.rejects(ns.watch({ signal: ac.signal }), { code: 'ECANCELED' }, 'an aborted signal refuses at once');

  const w3 = await ns.watch({ kinds: ['link'], existing: true });
  for await (const e of w3) {
    t.equal(e.kind, 'link');
    break;
  }
  t.same(await w3.next(), { value: undefined, done: true }, 'break closes it');

  const other = await ns.watch({ kinds: ['link'] });
  const gone = collect(other, () => false);
  const dup = await (await import('../dist/index.js')).Netns.open(ns.name!);
  const onDup = await dup.watch({ kinds: ['link'] });
  const dupDone = collect(onDup, () => false);
  dup.close();
  t.same(await dupDone, [], 'closing the handle ends its watchers');
  other.close();
  await gone;
  t.equal(openFds(), fds, 'no descriptor left');

  // A namespace deleted through its handle: the name goes, and its watchers end.
  const [doomed] = (await namedNetns(t, 'wdoom')) as [Netns];
  const onDoomed = await doomed.watch();
  const doomedDone = collect(onDoomed, () => false);
  await doomed.delete();
  t.same(await doomedDone, [], 'deleting the namespace ends its watcher cleanly');
  await t.rejects(ns.watch({ kinds: ['nope' as never] }), { name: 'TypeError', message: /kinds\[0\] must be one of link, address/ });
  await t.rejects(ns.watch({ receiveBufferSize: 10 }), { name: 'RangeError', message: /receiveBufferSize 10/ });
});

t.test('200 namespaces watched together: a descriptor each, no thread each', async (t) => {
  const spaces = await namedNetns(t, 'wmany', 200);
  await Promise.all(spaces.map((ns) => ns.links()));
  const fds = openFds();
  const tasks = readdirSync('/proc/self/task').length;
  const threads = native.stats().threads;
  const watchers = await Promise.all(spaces.map((ns) => ns.watch({ kinds: ['link'] })));
  t.equal(openFds(), fds + 200, 'one descriptor per watcher');
  t.equal(native.stats().threads - threads, 200, 'each socket made by a short-lived thread');
  t.ok(readdirSync('/proc/self/task').length <= tasks + 1, 'and none of them stays');
  const firsts = watchers.map((w) => w.next());
  await Promise.all(spaces.map((ns) => ns.createBridge('br0')));
  const events = await Promise.all(firsts);
  t.ok(events.every((r) => !r.done && r.value.kind === 'link' && r.value.object.name === 'br0'), 'each saw its own bridge');
  for (const w of watchers) w.close();
  t.equal(openFds(), fds, 'all closed');
});

t.test('waitForLink waits for a peer brought up later; waitForAddress for IPv6 DAD; timeouts', async (t) => {
  const [a, b] = (await namedNetns(t, 'wwait', 2)) as [Netns, Netns];
  await a.createVeth('eth0', { peer: 'eth0', peerNetns: b, up: true });
  const up = a.waitForLink('eth0');
  let settled = false;
  void up.then(() => (settled = true));
  await new Promise((r) => setTimeout(r, 100));
  t.notOk(settled, 'not up while its peer is down');
  await b.setUp('eth0');
  const link = await up;
  t.equal(link.operstate, 'UP', 'resolves with the Link once up');
  t.equal((await a.waitForLink('eth0')).name, 'eth0', 'already up: at once');
  t.equal((await a.waitForLink('lo', (l) => !l.up)).name, 'lo', 'any predicate');

  await a.sysctl('net.ipv6.conf.eth0.accept_dad', 1);
  await a.sysctl('net.ipv6.conf.eth0.dad_transmits', 1);
  await a.addAddress('eth0', '2001:db8:5::1/64');
  t.ok((await a.addresses({ ifname: 'eth0', family: 6 })).find((x) => x.address === '2001:db8:5::1')?.tentative, 'tentative at first');
  const addr = await a.waitForAddress('eth0', '2001:db8:5::1/64', { timeout: 10000 });
  t.notOk(addr.tentative, 'resolves once DAD is done');
  t.equal(ipJson(a.name!, '-6', 'addr', 'show', 'dev', 'eth0')[0].addr_info.find((x: any) => x.local === '2001:db8:5::1')?.tentative, undefined, 'as ip sees it');

  await t.rejects(a.waitForLink('nosuch0', undefined, { timeout: 200 }), { code: 'ETIMEDOUT', op: 'waitForLink', object: { ifname: 'nosuch0' }, message: /not reached within 200 ms/ });
  await t.rejects(a.waitForAddress('eth0', '192.0.2.77/24', { timeout: 200 }), { code: 'ETIMEDOUT', op: 'waitForAddress' });
  await t.rejects(a.waitForLink('eth0', 'up' as never), TypeError);
  await t.rejects(a.waitForLink('eth0', undefined, { timeout: -1 }), RangeError);
});

t.test('netns-link monitor prints ip monitor lines, or JSON, and exits 0 on SIGINT', async (t) => {
  const [ns] = (await namedNetns(t, 'wcli')) as [Netns];
  const cli = join(__dirname, '..', 'dist', 'cli.js');
  const run = (args: string[], last: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [cli, 'monitor', ns.name!, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      let started = false;
      let stopping = false;
      // The monitor is subscribed once it prints a probe's change (an address on lo, added and
      // removed until it shows): a loaded machine starts a process late. Then the changes come.
      let k = 0;
      const probe = setInterval(() => {
        ip(ns, 'addr', 'add', `198.18.0.${++k}/32`, 'dev', 'lo');
        ip(ns, 'addr', 'del', `198.18.0.${k}/32`, 'dev', 'lo');
      }, 100);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (!started && out.includes('198.18.0.')) {
          started = true;
          clearInterval(probe);
          ip(ns, 'link', 'add', 'm0', 'type', 'veth', 'peer', 'name', 'm1');
          ip(ns, 'addr', 'add', '192.0.2.1/24', 'dev', 'm0');
          ip(ns, 'addr', 'del', '192.0.2.1/24', 'dev', 'm0');
          ip(ns, 'link', 'del', 'm0');
        }
        if (started && !stopping && out.includes(last)) {
          stopping = true;
          child.kill('SIGINT');
        }
      });
      child.on('exit', (code, signal) => {
        clearInterval(probe);
        if (code === 0) resolve(out);
        else reject(new Error(`exit ${code} ${signal}`));
      });
    });
  const text = await run(['--kinds', 'link,address'], '[LINK] Deleted');
  t.match(text, /^\[LINK\] \d+: m0@if\d+ veth <BROADCAST,MULTICAST> mtu 1500 state DOWN/m, 'a link line');
  t.match(text, /^\[ADDR\] 192\.0\.2\.1\/24 dev m0 scope global permanent$/m, "an address line");
  t.match(text, /^\[ADDR\] Deleted 192\.0\.2\.1\/24 dev m0/m, 'a deleted address');
  const json = await run(['--json', '--kinds', 'address'], '"action":"delete"');
  const lines = json
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { kind: string; action: string; object: { address: string } })
    .filter((l) => !l.object.address.startsWith('198.18.0.'));
  t.match(lines[0], { kind: 'address', action: 'new', object: { address: '192.0.2.1', prefixLength: 24, ifname: 'm0' } });
  t.match(lines[1], { kind: 'address', action: 'delete' });
  await t.rejects(promisify(execFile)(process.execPath, [cli, 'monitor', '--kinds', 'bogus']), { code: 2 }, 'a bad kind is a usage error');
});

t.test('a consumer that falls behind still ends with the kernel\'s state: the watcher stops reading past maxQueued, and the drops are repaired', async (t) => {
  const [ns] = (await namedNetns(t, 'wslow')) as [Netns];
  await ns.createVeth('s0', { peer: 's1' });
  const w = await ns.watch({ kinds: ['address'], family: 4, existing: true, maxQueued: 100, receiveBufferSize: 16384 });
  t.teardown(() => w.close());
  // Nobody reads while 2,000 addresses come and 300 go.
  await Promise.all(Array.from({ length: 2000 }, (_, i) => ns.addAddress('s0', `198.18.${20 + (i >> 8)}.${i & 255}/32`)));
  await Promise.all(Array.from({ length: 300 }, (_, i) => ns.deleteAddress('s0', `198.18.${20 + (i >> 8)}.${i & 255}/32`)));
  await ns.addAddress('s0', '198.18.99.2/32');
  const { state, counts, done } = follow(w);
  t.ok(await eventually(() => state.has('198.18.99.2/32') && counts.synced === counts.overflows + 1, 10000), 'caught up');
  w.close();
  await done;
  t.ok(counts.overflows > 0, `the kernel's drops while nobody read came back as overflows (${counts.overflows})`);
  const truth = ipJson(ns.name!, '-4', 'addr', 'show', 'dev', 's0')[0].addr_info.map((a: any) => `${a.local}/${a.prefixlen}`).sort();
  t.same([...state].sort(), truth, 'the map is the kernel\'s state');
});

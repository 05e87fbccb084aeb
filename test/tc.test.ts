// Traffic control, live: qdiscs and htb classes set, changed, listed and deleted in fresh
// namespaces, as `tc -j` (and, for classes, whose JSON tc 6.1 does not print, `tc class show`)
// sees them; the kernel's refusals with their errno and words; bad input refused before any
// request; and a tbf's rate limit seen in real TCP traffic between two namespaces.
import { execFileSync } from 'node:child_process';
import t, { type Test } from 'tap';
import { Netns, NetlinkError, type Qdisc } from '../dist/index.js';
import { native } from '../dist/native.js';
import { namedNetns, ping, type Teardown } from './helpers';

/** `tc -j -n NS ARGS...`, parsed. */
function tcJson(ns: Netns, ...args: string[]): any[] {
  return JSON.parse(execFileSync('tc', ['-j', '-n', ns.name!, ...args], { encoding: 'utf8' }) || '[]');
}

/** `tc -n NS ARGS...`, its lines, each without its trailing space. */
function tcLines(ns: Netns, ...args: string[]): string[] {
  return execFileSync('tc', ['-n', ns.name!, ...args], { encoding: 'utf8' }).split('\n').map((l) => l.trimEnd()).filter(Boolean);
}

async function oneLink(t: Teardown, tag: string): Promise<Netns> {
  const [ns] = (await namedNetns(t, tag)) as [Netns];
  await ns.createVeth('eth0', { peer: 'eth1', up: true });
  await ns.setUp('eth1');
  return ns;
}

/** Ours against one entry of `tc -j qdisc show`: kind, handle, where, refcnt and the options tc prints. */
function sameAsTc(t: Test, q: Qdisc | undefined, j: any, what: string): void {
  t.ok(q, `${what}: listed`);
  if (!q) return;
  t.equal(q.kind, j.kind, `${what}: kind`);
  t.equal(q.handle, j.handle, `${what}: handle`);
  t.equal(q.parent, j.root ? 'root' : j.parent, `${what}: parent`);
  t.equal(q.refcnt, j.refcnt ?? 1, `${what}: refcnt`);
  const o = j.options;
  if (q.options?.kind === 'tbf') {
    t.equal(q.options.rate, o.rate * 8, `${what}: rate (tc -j prints bytes per second)`);
    t.equal(q.options.burst, o.burst, `${what}: burst`);
    t.ok(Math.abs(q.options.latency! * 1000 - o.lat) < 1, `${what}: latency ${q.options.latency} ms, tc ${o.lat} us`);
    if (o.minburst !== undefined) t.equal(q.options.mtu, o.minburst, `${what}: minburst`);
  } else if (q.options?.kind === 'htb') {
    t.same([q.options.r2q, q.options.default, q.options.directPackets, q.options.directQlen], [o.r2q, Number.parseInt(o.default, 16), o.direct_packets_stat, o.direct_qlen], `${what}: r2q, default, direct_packets_stat, direct_qlen`);
  } else {
    t.same(o, {}, `${what}: tc prints no options either`);
  }
}

t.test('tbf: set, changed in place, replaced, listed as tc -j shows it, deleted', async (t) => {
  const ns = await oneLink(t, 'tbf');
  t.match(await ns.qdiscs({ ifname: 'eth0' }), [{ kind: 'noqueue', handle: '0:', parent: 'root', options: null }], 'a veth starts with noqueue');
  await ns.setQdisc('eth0', { kind: 'tbf', rate: '1mbit', burst: '32kb', latency: '50ms' });
  let [q] = await ns.qdiscs({ ifname: 'eth0' });
  sameAsTc(t, q, tcJson(ns, 'qdisc', 'show', 'dev', 'eth0')[0], 'tbf 1mbit');
  t.match(q, { kind: 'tbf', parent: 'root', dev: 'eth0', options: { rate: 1e6, burst: 32768, limit: 39018, latency: 50, peakrate: null } });
  t.equal(q!.toString(), tcLines(ns, 'qdisc', 'show')[1] ?? '', 'toString() is the line of tc qdisc show');
  const handle = q!.handle;

  await ns.setQdisc('eth0', { kind: 'tbf', rate: 10e6, burst: 10240, latency: 70, peakrate: '20mbit', mtu: 1540 });
  [q] = await ns.qdiscs({ ifname: 'eth0' });
  sameAsTc(t, q, tcJson(ns, 'qdisc', 'show', 'dev', 'eth0')[0], 'tbf with peakrate, as numbers');
  t.equal(q!.handle, handle, 'the same kind at the same place: changed in place, its handle kept');
  t.equal(q!.toString(), tcLines(ns, 'qdisc', 'show', 'dev', 'eth0')[0]!.replace(/^(qdisc \S+ \S+)/u, '$1 dev eth0'), 'peakrate and minburst as tc prints them');

  await ns.setQdisc('eth0', { kind: 'tbf', handle: '5:', rate: '40gbit', burst: '1mb', limit: '100kb' });
  [q] = await ns.qdiscs({ ifname: 'eth0' });
  const j = tcJson(ns, 'qdisc', 'show', 'dev', 'eth0')[0];
  t.match(q, { handle: '5:', options: { rate: 40e9, limit: 102400 } }, 'replaced by one with a handle, its rate past 2^32 bytes/s');
  t.equal(q?.options?.kind === 'tbf' && q.options.rate, j.options.rate * 8, 'tc -j reads the same 64-bit rate');
  t.equal(j.options.limit, 102400);

  await ns.deleteQdisc('eth0');
  t.match(await ns.qdiscs({ ifname: 'eth0' }), [{ kind: 'noqueue' }], 'back to the default');
  t.same(tcJson(ns, 'qdisc', 'show', 'dev', 'eth0').map((x) => x.kind), ['noqueue']);
  await t.rejects(ns.deleteQdisc('eth0'), { name: 'NetlinkError', code: 'ENOENT', kernelMessage: /Cannot delete qdisc with handle of zero/, message: /deleteQdisc qdisc root dev eth0 in netns .*ENOENT.*the default one, handle 0:, cannot be deleted/ });
  await t.resolves(ns.deleteQdisc('eth0', { missingOk: true }));
});

t.test('htb with classes and a leaf qdisc, against tc -j qdisc show and tc class show', async (t) => {
  const ns = await oneLink(t, 'htb');
  await ns.setQdisc('eth0', { kind: 'htb', handle: '1:', default: '1:10' });
  await ns.addClass('eth0', { classid: '1:1', rate: '10mbit' });
  await ns.addClass('eth0', { classid: '1:10', parent: '1:1', rate: '1mbit', ceil: '5mbit', burst: '15k', cburst: '15k', prio: 1, quantum: 1500 });
  await ns.addClass('eth0', { classid: '1:20', parent: '1:1', rate: 2e6 });
  await ns.setQdisc('eth0', { kind: 'tbf', parent: '1:10', handle: '10:', rate: '1mbit', burst: '32kb', latency: '50ms' });

  const ours = await ns.qdiscs({ ifname: 'eth0' });
  const theirs = tcJson(ns, 'qdisc', 'show', 'dev', 'eth0');
  t.equal(ours.length, theirs.length, 'as many qdiscs as tc shows');
  for (const j of theirs) sameAsTc(t, ours.find((q) => q.handle === j.handle), j, `${j.kind} ${j.handle}`);
  t.match(ours.find((q) => q.kind === 'htb'), { handle: '1:', parent: 'root', options: { default: 0x10, r2q: 10 } });
  t.match(ours.find((q) => q.kind === 'tbf'), { handle: '10:', parent: '1:10' });
  t.same((await ns.qdiscs()).map(String), tcLines(ns, 'qdisc', 'show'), 'toString() as tc qdisc show prints every line, eth1\'s noqueue too');

  const classes = await ns.classes('eth0');
  const text = tcLines(ns, 'class', 'show', 'dev', 'eth0');
  t.same(classes.map((c) => c.toString().replace(' dev eth0', '')).sort(), [...text].sort(), 'toString() as tc class show dev eth0 prints it (with the dev that tc monitor adds)');
  t.match(classes.find((c) => c.classid === '1:10'), { kind: 'htb', parent: '1:1', leaf: '10:', dev: 'eth0', options: { rate: 1e6, ceil: 5e6, burst: 15360, cburst: 15360, prio: 1, quantum: 1500, level: 0 } });
  t.match(classes.find((c) => c.classid === '1:20'), { options: { rate: 2e6, ceil: 2e6, burst: 1600, quantum: 25000 } }, "the defaults tc gives: ceil = rate, burst 1600 B, quantum rate / r2q");
  // tc -d adds what tc class show leaves out: quantum and level.
  for (const line of tcLines(ns, '-d', 'class', 'show', 'dev', 'eth0')) {
    const m = /^class htb (\S+) .*?(?:quantum (\d+) )?rate .* level (\d+)/u.exec(line);
    if (!m) continue;
    const c = classes.find((x) => x.classid === m[1]);
    t.equal(c?.options?.level, Number(m[3]), `${m[1]}: level as tc -d shows it`);
    if (m[2]) t.equal(c?.options?.quantum, Number(m[2]), `${m[1]}: quantum as tc -d shows it`);
  }
  t.match(classes.find((c) => c.classid === '1:1'), { parent: 'root', options: { level: 7 } }, 'an inner class');
  t.match(classes.find((c) => c.kind === 'tbf'), { classid: '10:1', parent: '10:', options: null }, "the tbf's own class, listed as tc lists it");

  await t.rejects(ns.addClass('eth0', { classid: '1:10', parent: '1:1', rate: '1mbit' }), { code: 'EEXIST', message: /addClass class 1:10 dev eth0 in netns .*: File exists \(EEXIST\) — eth0 already has class 1:10 \(setClass changes it\)/ });
  await ns.setClass('eth0', { classid: '1:10', parent: '1:1', rate: '2mbit' });
  t.match(tcLines(ns, 'class', 'show', 'dev', 'eth0', 'classid', '1:10'), [/^class htb 1:10 parent 1:1 leaf 10: prio 0 rate 2Mbit ceil 2Mbit burst 1600b cburst 1600b$/], 'setClass changed it: what it left out went back to the defaults');
  await ns.setClass('eth0', { classid: '1:30', rate: '3mbit' });
  t.match(tcLines(ns, 'class', 'show', 'dev', 'eth0', 'classid', '1:30'), [/^class htb 1:30 root prio 0 rate 3Mbit/], 'setClass made a class that was not there');

  await t.rejects(ns.deleteClass('eth0', '1:1'), { code: 'EBUSY', kernelMessage: /HTB class in use/, message: /class 1:1 has classes of its own/ });
  await t.rejects(ns.addClass('eth0', { classid: '3:1', rate: '1mbit' }), { code: 'ENOENT', message: /no htb qdisc 3: on eth0/ });
  await ns.deleteClass('eth0', '1:20');
  await t.rejects(ns.deleteClass('eth0', '1:20'), { code: 'ENOENT', message: /no class 1:20 on eth0/ });
  await t.resolves(ns.deleteClass('eth0', '1:20', { missingOk: true }));
  t.notOk(tcLines(ns, 'class', 'show', 'dev', 'eth0').some((l) => l.includes(' 1:20 ')), 'tc sees it gone');

  await ns.deleteQdisc('eth0', { parent: '1:10' });
  t.same(tcJson(ns, 'qdisc', 'show', 'dev', 'eth0').map((x) => x.kind), ['htb'], 'the leaf deleted by its parent');
  await ns.deleteQdisc('eth0', { parent: 'root' });
  t.same(await ns.classes('eth0'), [], 'the classes went with their qdisc');
});

t.test('ingress and clsact, and what the kernel refuses of them', async (t) => {
  const ns = await oneLink(t, 'ingress');
  await ns.setQdisc('eth0', { kind: 'ingress' });
  await ns.setQdisc('eth1', { kind: 'clsact' });
  const ours = await ns.qdiscs();
  for (const dev of ['eth0', 'eth1']) {
    const j = tcJson(ns, 'qdisc', 'show', 'dev', dev).find((x) => x.kind !== 'noqueue');
    sameAsTc(t, ours.find((q) => q.dev === dev && q.handle === 'ffff:'), j, `${dev} ${j?.kind}`);
  }
  t.same(ours.filter((q) => q.handle === 'ffff:').map(String), tcLines(ns, 'qdisc', 'show').filter((l) => l.includes(' ffff: ')), 'toString() as tc prints them');
  await t.resolves(ns.setQdisc('eth0', { kind: 'ingress' }), 'replacing ingress by ingress: nothing to do');
  await t.rejects(ns.setQdisc('eth0', { kind: 'clsact' }), { code: 'EINVAL', kernelMessage: /Invalid qdisc name/ });
  await t.rejects(ns.deleteQdisc('eth0', { parent: 'clsact' }), { code: 'EINVAL', kernelMessage: /Invalid qdisc name/ });
  await ns.deleteQdisc('eth0', { parent: 'ingress' });
  await ns.deleteQdisc('eth1', { parent: 'clsact' });
  t.same(tcJson(ns, 'qdisc', 'show').map((x) => `${x.dev} ${x.kind}`), ['eth1 noqueue', 'eth0 noqueue'], 'eth0 and eth1 back to noqueue');
  t.same((await ns.qdiscs()).map((q) => `${q.dev} ${q.kind}`), ['eth1 noqueue', 'eth0 noqueue'], 'as listed here');
  await t.rejects(ns.deleteQdisc('eth0', { parent: 'ingress' }), { code: 'EINVAL', kernelMessage: /Invalid handle/, message: /no ingress qdisc on eth0: the kernel says "Invalid handle" when the link had one before/ }, 'gone from a link that had one: a mismatch, in the kernel\'s words');
  await t.resolves(ns.deleteQdisc('eth0', { parent: 'ingress', missingOk: true }), 'missingOk looks and finds none');
  await ns.setQdisc('eth0', { kind: 'clsact' });
  await t.rejects(ns.deleteQdisc('eth0', { parent: 'ingress', missingOk: true }), { code: 'EINVAL', kernelMessage: /Invalid qdisc name/ }, 'missingOk does not hide the other kind being there');
  const [fresh] = (await namedNetns(t, 'ingfresh')) as [Netns];
  await fresh.createVeth('eth0', { peer: 'eth1', up: true });
  await t.rejects(fresh.deleteQdisc('eth0', { parent: 'ingress' }), { code: 'ENOENT', kernelMessage: /Cannot find specified qdisc on specified device/ }, 'a link that never had one: ENOENT');
  await t.resolves(fresh.deleteQdisc('eth0', { parent: 'clsact', missingOk: true }));
});

t.test("the kernel's refusals, with its errno and words", async (t) => {
  const ns = await oneLink(t, 'tcrefuse');
  await t.rejects(ns.setQdisc('nope0', { kind: 'ingress' }), { code: 'ENODEV', message: /no interface named nope0/ });
  await t.rejects(ns.setQdisc('eth0', { kind: 'tbf', parent: '7:1', rate: '1mbit', burst: '10kb', latency: '10ms' }), {
    code: 'ENOENT',
    op: 'setQdisc',
    object: { ifname: 'eth0', kind: 'tbf', parent: '7:1' },
    kernelMessage: /Failed to find specified qdisc/,
    message: /setQdisc tbf parent 7:1 dev eth0 in netns .*: No such file or directory \(ENOENT\): Failed to find specified qdisc/,
  });
  await t.rejects(ns.classes('nope0'), { code: 'ENODEV' });
  await t.rejects(ns.qdiscs({ ifname: 'nope0' }), { code: 'ENODEV' });
});

t.test('netem', async (t) => {
  // This kernel has no sch_netem: find out first, and skip with the reason if so.
  const ns = await oneLink(t, 'netem');
  const refused = await ns.setQdisc('eth0', { kind: 'netem', delay: '10ms', jitter: '2ms', loss: '1%', rate: '1mbit' }).then(
    () => null,
    (e: unknown) => e,
  );
  if (refused !== null) {
    t.match(refused, { code: 'ENOENT', kernelMessage: /Specified qdisc kind is unknown/, message: /no netem qdisc in this kernel \(sch_netem\)/ }, "the kernel's refusal, as tc gets it");
  }
  const reason = refused instanceof NetlinkError ? `this kernel has no netem qdisc (${refused.kernelMessage ?? refused.code}); its requests are checked byte for byte against tc's in wire-tc.test.ts` : false;
  t.test('netem set and listed as tc -j shows it', { skip: reason }, async (t) => {
    const [q] = await ns.qdiscs({ ifname: 'eth0' });
    const j = tcJson(ns, 'qdisc', 'show', 'dev', 'eth0')[0];
    t.match(q, { kind: 'netem', options: { limit: j.options.limit, rate: j.options.rate.rate * 8 } });
    t.ok(q?.options?.kind === 'netem' && Math.abs(q.options.delay - j.options.delay * 1000) < 0.001, 'delay');
    t.ok(q?.options?.kind === 'netem' && Math.abs(q.options.jitter - j.options.jitter * 1000) < 0.001, 'jitter');
    t.ok(q?.options?.kind === 'netem' && Math.abs(q.options.loss / 100 - j.options['loss-random'].loss) < 1e-6, 'loss');
    await ns.deleteQdisc('eth0');
  });
});

type Case = [string, () => Promise<unknown>, typeof TypeError | typeof RangeError, RegExp];

t.test('bad input is refused by name, before any request', async (t) => {
  const ns = await oneLink(t, 'tcbad');
  const tbf = { kind: 'tbf', rate: '1mbit', burst: '32kb', latency: '50ms' } as const;
  const cases: Case[] = [
    ['a spec that is not an object', () => ns.setQdisc('eth0', null as never), TypeError, /qdisc must be an object/],
    ['a kind this library does not set', () => ns.setQdisc('eth0', { kind: 'cake' } as never), TypeError, /kind must be one of tbf, htb, netem, ingress, clsact, got "cake"/],
    ['a kind named after a prototype property', () => ns.setQdisc('eth0', { kind: 'constructor' } as never), TypeError, /"constructor"/],
    ['tbf without burst', () => ns.setQdisc('eth0', { kind: 'tbf', rate: '1mbit', latency: '50ms' } as never), TypeError, /burst is required/],
    ['tbf with latency and limit', () => ns.setQdisc('eth0', { ...tbf, limit: '100kb' }), TypeError, /give latency or limit, one of them/],
    ['tbf with neither', () => ns.setQdisc('eth0', { kind: 'tbf', rate: '1mbit', burst: '32kb' }), TypeError, /give latency or limit/],
    ['a rate with a space', () => ns.setQdisc('eth0', { ...tbf, rate: '1 mbit' }), TypeError, /rate "1 mbit" must be a rate such as '1mbit'/],
    ['a rate with an unknown unit', () => ns.setQdisc('eth0', { ...tbf, rate: '1mbits' }), TypeError, /"1mbits"/],
    ['a rate below a byte per second', () => ns.setQdisc('eth0', { ...tbf, rate: 4 }), RangeError, /rate 4 is less than 8 bit\/s/],
    ['a negative rate', () => ns.setQdisc('eth0', { ...tbf, rate: -1e6 }), RangeError, /rate -1000000/],
    ['a rate that is an object', () => ns.setQdisc('eth0', { ...tbf, rate: {} as never }), TypeError, /rate must be a rate such as '1mbit'/],
    ['a size in kib (tc knows no such unit)', () => ns.setQdisc('eth0', { ...tbf, burst: '32kib' }), TypeError, /burst "32kib" must be a size such as '32kb'/],
    ['a burst of 0', () => ns.setQdisc('eth0', { ...tbf, burst: 0 }), RangeError, /burst \(bytes\) 0 is out of range/],
    ['a burst past 2^32', () => ns.setQdisc('eth0', { ...tbf, burst: '5gb' }), RangeError, /burst "5gb" must be 1 to 4294967295 bytes/],
    ['a latency without a unit', () => ns.setQdisc('eth0', { ...tbf, latency: '50' }), TypeError, /latency "50" must be a time with its unit/],
    ['a negative latency', () => ns.setQdisc('eth0', { ...tbf, latency: -5 }), RangeError, /latency -5 must be a number of milliseconds/],
    ['a latency of 0', () => ns.setQdisc('eth0', { ...tbf, latency: 0 }), RangeError, /latency 0 leaves no room/],
    ['a peakrate without mtu', () => ns.setQdisc('eth0', { ...tbf, peakrate: '2mbit' }), TypeError, /peakrate needs mtu/],
    ['a burst that lasts past 2^32 ticks', () => ns.setQdisc('eth0', { ...tbf, rate: 8, burst: '1mb' }), RangeError, /burst 1048576 bytes at 8 bit\/s lasts more than 2\^32 scheduler ticks/],
    ['an unknown tbf option', () => ns.setQdisc('eth0', { ...tbf, ceil: '2mbit' } as never), TypeError, /tbf qdisc: unknown option "ceil"/],
    ['a handle with a minor', () => ns.setQdisc('eth0', { ...tbf, handle: '1:1' }), TypeError, /handle "1:1" must be a qdisc handle such as '1:'/],
    ['a handle number with a minor', () => ns.setQdisc('eth0', { ...tbf, handle: 0x10001 }), RangeError, /handle 65537 \(1:1\) has a minor number/],
    ['a handle of 0', () => ns.setQdisc('eth0', { ...tbf, handle: '0:' }), RangeError, /handle "0:" is 0/],
    ['a parent that is no class id', () => ns.setQdisc('eth0', { ...tbf, parent: 'top' }), TypeError, /parent "top" must be a class id such as '1:10' or 'root'/],
    ['a parent of 5 hex digits', () => ns.setQdisc('eth0', { ...tbf, parent: '10000:1' }), TypeError, /"10000:1"/],
    ['ingress with a handle', () => ns.setQdisc('eth0', { kind: 'ingress', handle: '1:' } as never), TypeError, /ingress qdisc: unknown option "handle"/],
    ['htb default of another qdisc', () => ns.setQdisc('eth0', { kind: 'htb', handle: '1:', default: '2:10' }), RangeError, /default "2:10" is not a class of this qdisc \(1:\)/],
    ['htb r2q 0', () => ns.setQdisc('eth0', { kind: 'htb', r2q: 0 }), RangeError, /r2q 0 is out of range/],
    ['netem loss over 100%', () => ns.setQdisc('eth0', { kind: 'netem', loss: '101%' }), RangeError, /loss "101%" must be 0 to 100 percent/],
    ['netem loss in words', () => ns.setQdisc('eth0', { kind: 'netem', loss: 'lots' }), TypeError, /loss "lots" must be a percentage such as '1%'/],
    ['netem jitter without delay', () => ns.setQdisc('eth0', { kind: 'netem', jitter: '2ms' }), TypeError, /jitter needs delay/],
    ['netem a correlation without jitter', () => ns.setQdisc('eth0', { kind: 'netem', delay: '10ms', delayCorrelation: '25%' }), TypeError, /delayCorrelation needs jitter/],
    ['netem lossCorrelation without loss', () => ns.setQdisc('eth0', { kind: 'netem', lossCorrelation: 25 }), TypeError, /lossCorrelation needs loss/],
    ['netem a delay past its ticks', () => ns.setQdisc('eth0', { kind: 'netem', delay: '300s' }), RangeError, /delay 300000 ms is more than netem's 274877 ms/],
    ['netem limit 0', () => ns.setQdisc('eth0', { kind: 'netem', limit: 0 }), RangeError, /limit \(packets\) 0 is out of range/],
    ['an ifname of 16 bytes', () => ns.setQdisc('0123456789abcdef', tbf), RangeError, /ifname "0123456789abcdef" must be 1 to 15 bytes/],
    ['a class without rate', () => ns.addClass('eth0', { classid: '1:10' } as never), TypeError, /rate is required/],
    ['a class without classid', () => ns.addClass('eth0', { rate: '1mbit' } as never), TypeError, /classid is required/],
    ['a classid without a minor', () => ns.addClass('eth0', { classid: '1:', rate: '1mbit' }), RangeError, /classid "1:" must have a major number .* and a minor number/],
    ['a classid without a colon', () => ns.setClass('eth0', { classid: '10', rate: '1mbit' }), TypeError, /classid "10" must be a class id such as '1:10'/],
    ['a class parent of another qdisc', () => ns.addClass('eth0', { classid: '1:10', parent: '2:1', rate: '1mbit' }), RangeError, /parent "2:1" is not of the same qdisc as classid 1:10/],
    ['a class prio 8', () => ns.addClass('eth0', { classid: '1:10', rate: '1mbit', prio: 8 }), RangeError, /prio 8 is out of range 0\.\.7/],
    ['a class of another kind', () => ns.addClass('eth0', { classid: '1:10', rate: '1mbit', kind: 'hfsc' as never }), TypeError, /class kind must be htb, got "hfsc"/],
    ['a class with an unknown option', () => ns.addClass('eth0', { classid: '1:10', rate: '1mbit', latency: '5ms' } as never), TypeError, /class: unknown option "latency"/],
    ['deleteClass of a qdisc id', () => ns.deleteClass('eth0', '1:'), RangeError, /classid "1:" must have a major and a minor number/],
    ['deleteClass missingOk "yes"', () => ns.deleteClass('eth0', '1:10', { missingOk: 'yes' as never }), TypeError, /missingOk must be true or false, got "yes"/],
    ['deleteQdisc parent none', () => ns.deleteQdisc('eth0', { parent: 'none' }), TypeError, /parent "none" must be a class id/],
    ['deleteQdisc parent 0', () => ns.deleteQdisc('eth0', { parent: 0 }), RangeError, /parent 0 is not a class id/],
    ['qdiscs filtered by dev', () => ns.qdiscs({ dev: 'eth0' } as never), TypeError, /qdiscs filter: unknown option "dev" \(known: ifname\)/],
    ['classes of no ifname', () => ns.classes(undefined as never), TypeError, /ifname must be a string, got undefined/],
  ];
  const before = execFileSync('tc', ['-n', ns.name!, 'qdisc', 'show'], { encoding: 'utf8' });
  for (const [name, run, expect, message] of cases) {
    const s0 = native.stats();
    const e = await run().then(() => null, (x: unknown) => x);
    const s1 = native.stats();
    t.ok(e instanceof expect, `${name}: ${expect.name}, got ${String((e as Error | null)?.constructor?.name)}: ${String((e as Error | null)?.message)}`);
    t.match((e as Error | null)?.message, message, `${name}: names the value`);
    t.same([s1.sendCalls, s1.threads], [s0.sendCalls, s0.threads], `${name}: no request sent, no thread started`);
  }
  t.equal(execFileSync('tc', ['-n', ns.name!, 'qdisc', 'show'], { encoding: 'utf8' }), before, 'nothing changed');
});

/** A TCP transfer of `bytes` from `from` to `host`:`port` in `to`: the receiver's measure, from accept to end. */
async function transfer(t: Teardown, from: Netns, to: Netns, host: string, port: number, bytes: number): Promise<{ n: number; ms: number }> {
  const server = `const srv = require('net').createServer((s) => {
    const t0 = process.hrtime.bigint(); let n = 0;
    s.on('data', (d) => { n += d.length; });
    s.on('end', () => { console.log(JSON.stringify({ n, ms: Number(process.hrtime.bigint() - t0) / 1e6 })); srv.close(); });
  }).listen(${port}, ${JSON.stringify(host)}, () => console.log('ready'));`;
  const rx = to.spawn(process.execPath, ['-e', server], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    rx.kill('SIGKILL');
  });
  let out = '';
  const done = new Promise<string>((resolve, reject) => {
    rx.stdout!.on('data', (d) => (out += d));
    rx.once('exit', (c) => (c === 0 ? resolve(out) : reject(new Error(`receiver exited ${c}: ${out}`))));
  });
  await new Promise<void>((resolve) => {
    const check = (): void => (out.includes('ready') ? resolve() : void rx.stdout!.once('data', check));
    check();
  });
  await from.exec(process.execPath, ['-e', `const s = require('net').connect(${port}, ${JSON.stringify(host)}, () => s.end(Buffer.alloc(${bytes}, 120)));`]);
  const lines = (await done).trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!);
}

t.test('a tbf at 1 Mbit/s, then an htb class at 2 Mbit/s, hold a TCP transfer between two namespaces to their rates', async (t) => {
  const [a, b] = (await namedNetns(t, 'tcrate', 2)) as [Netns, Netns];
  await a.createVeth('eth0', { peer: 'eth0', peerNetns: b, up: true });
  await b.setUp('eth0');
  await Promise.all([a.addAddress('eth0', '192.0.2.1/24'), b.addAddress('eth0', '192.0.2.2/24')]);
  t.ok(await ping(a.name!, '192.0.2.2'), 'the two namespaces reach each other');
  const bytes = 384 * 1024;

  const free = await transfer(t, a, b, '192.0.2.2', 9100, bytes);
  const freeMbit = (free.n * 8) / (free.ms / 1000) / 1e6;
  t.equal(free.n, bytes, 'every byte arrived');

  await a.setQdisc('eth0', { kind: 'tbf', rate: '1mbit', burst: '32kb', latency: '50ms' });
  const held = await transfer(t, a, b, '192.0.2.2', 9101, bytes);
  const heldMbit = (held.n * 8) / (held.ms / 1000) / 1e6;
  t.equal(held.n, bytes, 'every byte arrived through the tbf');
  // The bucket lets 32 KiB through at once, then 125000 B/s of frames, of which TCP/IP and
  // Ethernet headers take ~4.5%: ~2.9 s for 384 KiB, ~1.04 Mbit/s of payload.
  t.ok(heldMbit > 0.75 && heldMbit < 1.2, `through tbf 1mbit: ${heldMbit.toFixed(3)} Mbit/s of payload in ${held.ms.toFixed(0)} ms`);
  t.ok(freeMbit > 20 * heldMbit, `without it: ${freeMbit.toFixed(0)} Mbit/s, ${(freeMbit / heldMbit).toFixed(0)} times as fast`);

  const [q] = await a.qdiscs({ ifname: 'eth0' });
  const j = JSON.parse(execFileSync('tc', ['-s', '-j', '-n', a.name!, 'qdisc', 'show', 'dev', 'eth0'], { encoding: 'utf8' }))[0];
  t.ok(q?.stats && q.stats.bytes > bytes, `the tbf counted ${q?.stats?.bytes} bytes sent`);
  t.ok(q?.stats && q.stats.overlimits > 0, `and ${q?.stats?.overlimits} times over the limit`);
  t.same(q?.stats && [q.stats.bytes, q.stats.packets, q.stats.drops, q.stats.overlimits, q.stats.requeues], [j.bytes, j.packets, j.drops, j.overlimits, j.requeues], 'the counters tc -s -j shows');

  // The same link under htb: unclassified traffic goes to its default class, 1:10, at 2 Mbit/s.
  await a.setQdisc('eth0', { kind: 'htb', handle: '1:', default: ':10' });
  await a.addClass('eth0', { classid: '1:10', rate: '2mbit' });
  const shaped = await transfer(t, a, b, '192.0.2.2', 9102, bytes);
  const shapedMbit = (shaped.n * 8) / (shaped.ms / 1000) / 1e6;
  // htb sends a packet whenever its class has tokens left, and veth's packets are GSO packets
  // of up to 64 KiB: the first goes on credit, so a short transfer measures ~10% over the rate.
  t.ok(shapedMbit > 1.5 && shapedMbit < 2.6, `through htb class 1:10 at 2mbit: ${shapedMbit.toFixed(3)} Mbit/s of payload in ${shaped.ms.toFixed(0)} ms`);
  const [c] = await a.classes('eth0');
  t.ok(c?.classid === '1:10' && c.stats && c.stats.bytes > bytes, `class 1:10 counted ${c?.stats?.bytes} bytes`);
});

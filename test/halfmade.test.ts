// Nothing half-made: every call that makes something in more than one step is failed at each of
// its later steps (a fault armed in the addon at that syscall, see native/fault.h, or a real
// refusal of the kernel), and afterwards nothing it made is left: no name under /run/netns, no
// mount, no link, no descriptor. Every fault site in native/ must appear in the table.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { native } from '../dist/native.js';
import { NetlinkError, Netns } from '../dist/index.js';
import { ipJson, namedNetns, standInContainer, uniqueName } from './helpers';

interface Case {
  call: string;
  /** The fault site armed, or null for a step the kernel itself refuses. */
  site: string | null;
  run: (names: { a: Netns; b: Netns; fresh: string; pid: number }) => Promise<unknown>;
  code: string;
  op: string;
}

const EIO = 5;
const cases: Case[] = [
  { call: 'Netns.create(name)', site: 'enter', run: ({ fresh }) => Netns.create(fresh), code: 'EIO', op: 'create' },
  { call: 'Netns.create(name)', site: 'create.mount', run: ({ fresh }) => Netns.create(fresh), code: 'EIO', op: 'create' },
  { call: 'Netns.create(name)', site: 'create.socket', run: ({ fresh }) => Netns.create(fresh), code: 'EIO', op: 'create' },
  { call: 'Netns.create(name)', site: 'create.identify', run: ({ fresh }) => Netns.create(fresh), code: 'EIO', op: 'create' },
  { call: 'Netns.create()', site: 'create.socket', run: () => Netns.create(), code: 'EIO', op: 'create' },
  { call: 'Netns.attach(name, pid)', site: 'attach.mount', run: ({ fresh, pid }) => Netns.attach(fresh, pid), code: 'EIO', op: 'attach' },
  { call: 'Netns.attach(name, netns)', site: 'attach.mount', run: ({ fresh, b }) => Netns.attach(fresh, b), code: 'EIO', op: 'attach' },
  { call: 'createTap', site: 'enter', run: ({ a }) => a.createTap('tap0'), code: 'EIO', op: 'createTap' },
  { call: 'createTap', site: 'tuntap.owner', run: ({ a }) => a.createTap('tap0', { owner: 0 }), code: 'EIO', op: 'createTap' },
  { call: 'createTap', site: 'tuntap.group', run: ({ a }) => a.createTap('tap0', { group: 0 }), code: 'EIO', op: 'createTap' },
  { call: 'createTun', site: 'tuntap.persist', run: ({ a }) => a.createTun('tun0'), code: 'EIO', op: 'createTun' },
  { call: 'createTap in another netns', site: 'tuntap.persist', run: ({ a, b }) => a.createTap('tap0', { netns: b }), code: 'EIO', op: 'createTap' },
  // The kernel makes a veth pair in one step or not at all: a peer that cannot be placed
  // leaves neither end, and the bridge it was to join has no port.
  { call: 'createVeth (peer cannot be placed)', site: null, run: ({ a, b }) => a.createVeth('v0', { peer: 'taken', peerNetns: b, master: 'br0', up: true }), code: 'EEXIST', op: 'createVeth' },
  // A move with a new name renames first, so the move is refused unmoved; then it renames back.
  { call: 'moveToNetns with a name (move refused)', site: null, run: ({ a, b }) => a.moveToNetns('br0', b, { name: 'br7' }), code: 'EINVAL', op: 'moveToNetns' },
  { call: 'moveToNetns with a name (name taken there)', site: null, run: ({ a, b }) => a.moveToNetns('m0', b, { name: 'taken' }), code: 'EEXIST', op: 'moveToNetns' },
];

/** Every Faulted("site") in native/, so a new site without a case here fails this test. */
function sitesInSource(): string[] {
  const dir = join(__dirname, '..', 'native');
  const sites = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.cc'))) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/Faulted\("([^"]+)"\)/g)) sites.add(m[1]!);
  }
  return [...sites].sort();
}

/** Sites that make nothing to leave half-made, each armed by the test file named. */
const elsewhere: Record<string, string> = { 'dump.part': 'dump-parts.test.ts' };

t.test('every fault site in native/ has a case', async (t) => {
  const covered = new Set(cases.map((c) => c.site).filter((s): s is string => s !== null));
  for (const [site, file] of Object.entries(elsewhere)) {
    if (readFileSync(join(__dirname, file), 'utf8').includes(`injectFault('${site}'`)) covered.add(site);
  }
  const sites = sitesInSource();
  t.ok(sites.length >= 8, `${sites.length} sites: ${sites.join(', ')}`);
  t.same(sites.filter((s) => !covered.has(s)), [], 'no site without a case');
});

t.test(`${cases.length} multi-step calls failed at a later step leave nothing behind`, async (t) => {
  const [a, b] = (await namedNetns(t, 'half', 2)) as [Netns, Netns];
  const box = await standInContainer(t);
  await a.createBridge('br0');
  await a.createVeth('m0', { peer: 'm1' });
  await b.createVeth('taken', { peer: 'taken1' });
  t.teardown(() => native.injectFault('', 0));

  const mine = uniqueName('half-fresh').replace(/-\d+$/, '');
  const state = (): string =>
    JSON.stringify({
      names: readdirSync('/run/netns').filter((n) => n.startsWith(mine)),
      mounts: readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(`/run/netns/${mine}`)),
      fds: readdirSync('/proc/self/fd').length,
      a: ipJson(a.name!, '-d', 'link').map((l: any) => [l.ifname, l.master ?? null, l.flags.includes('UP')]),
      b: ipJson(b.name!, 'link').map((l: any) => l.ifname),
    });
  // Warm up what a first call opens once (the exec helper's lookup, the I/O thread, sockets).
  await Netns.create().then((ns) => ns.close());
  await a.links();
  await b.links();
  const before = state();

  let n = 0;
  for (const c of cases) {
    const fresh = `${mine}-${++n}`;
    const label = `${c.call}${c.site ? `, failing at ${c.site}` : ''}`;
    if (c.site) native.injectFault(c.site, EIO);
    const e = await c.run({ a, b, fresh, pid: box.pid }).then(
      (made: unknown) => {
        if (made instanceof Netns) made.close();
        return null;
      },
      (x: unknown) => x,
    );
    native.injectFault('', 0);
    t.ok(e instanceof NetlinkError, `${label}: a NetlinkError (got ${String(e)})`);
    t.match(e, { code: c.code, op: c.op }, `${label}: ${c.code} from ${c.op}`);
    t.equal(state(), before, `${label}: nothing left behind`);
  }
});

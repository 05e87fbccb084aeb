// Hostile and broken input across the API. Each is answered by a TypeError or RangeError naming
// the value, or a NetlinkError, before anything changes: checked against a snapshot of the
// namespace (links, addresses, routes, rules) and of /run/netns.
import { existsSync, readdirSync } from 'node:fs';
import t from 'tap';
import { NetlinkError, Netns } from '../dist/index.js';
import { ipJson, namedNetns, PREFIX, standInContainer } from './helpers';

type Expect = typeof TypeError | typeof RangeError | string;

t.test('40+ hostile inputs, each refused by name, nothing changed', async (t) => {
  const [ns, other] = (await namedNetns(t, 'hostile', 2)) as [Netns, Netns];
  await ns.createVeth('eth0', { peer: 'eth1', up: true });
  await ns.addAddress('eth0', '192.0.2.10/24');
  const box = await standInContainer(t);
  box.kill('SIGKILL');
  await new Promise((r) => box.once('exit', r));
  const gone = box.pid;
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;

  const cases: [string, () => Promise<unknown>, Expect, RegExp?][] = [
    ['ifname with /', () => ns.createBridge('a/b'), TypeError, /"a\/b"/],
    ['ifname ..', () => ns.createBridge('..'), TypeError, /"\.\."/],
    ['ifname .', () => ns.setUp('.'), TypeError, /"\."/],
    ['ifname with NUL', () => ns.createBridge('br\0x'), TypeError, /NUL/],
    ['ifname of 16 bytes', () => ns.createBridge('0123456789abcdef'), RangeError, /"0123456789abcdef"/],
    ['ifname of 9 characters but 16 bytes', () => ns.createBridge('ééééééébb'), RangeError, /not 16/],
    ['ifname with a space', () => ns.createBridge('br 0'), TypeError, /"br 0"/],
    ['ifname with a tab', () => ns.createBridge('br\t0'), TypeError, /white space/],
    ['ifname with :', () => ns.createBridge('br:0'), TypeError, /"br:0"/],
    ['empty ifname', () => ns.deleteLink(''), RangeError, /""/],
    ['ifname a number', () => ns.setUp(7 as never), TypeError, /7/],
    ['ifname null', () => ns.link(null as never), TypeError, /null/],
    ['netns name with /', () => Netns.create('a/b'), TypeError, /"a\/b"/],
    ['netns name ..', () => Netns.open('..'), TypeError, /"\.\."/],
    ['netns name escaping /run/netns', () => Netns.attach('../../tmp/x', process.pid), TypeError, /"\.\.\/\.\.\/tmp\/x"/],
    ['netns name with NUL', () => Netns.create('x\0y'), TypeError, /NUL/],
    ['netns name of 256 bytes', () => Netns.create('n'.repeat(256)), RangeError, /256/],
    ['empty netns name', () => Netns.delete(''), RangeError, /""/],
    ['netns name an object', () => Netns.open({} as never), TypeError, /\{\}/],
    ['pid 0', () => Netns.fromPid(0), RangeError, /pid 0/],
    ['pid negative', () => Netns.fromPid(-5), RangeError, /pid -5/],
    ['pid NaN', () => Netns.fromPid(Number.NaN), TypeError, /NaN/],
    ['pid a string', () => Netns.fromPid('1' as never), TypeError, /"1"/],
    ['pid a float', () => Netns.fromPid(1.5), TypeError, /1\.5/],
    ['pid too large', () => Netns.fromPid(2 ** 31), RangeError, /2147483648/],
    ['pid gone', () => Netns.fromPid(gone), 'ENOENT', new RegExp(`pid ${gone}`)],
    ['attach a gone pid', () => Netns.attach('hostile-gone', gone), 'ENOENT', new RegExp(`pid ${gone}`)],
    ['path with NUL', () => Netns.fromPath('/proc/self/ns/net\0'), TypeError, /NUL/],
    ['path not a namespace', () => Netns.fromPath('/etc/passwd'), 'EINVAL', /not a network namespace/],
    ['address /33', () => ns.addAddress('eth0', '192.0.2.1/33'), RangeError, /192\.0\.2\.1\/33/],
    ['address /129', () => ns.addAddress('eth0', '2001:db8::1/129'), RangeError, /\/129/],
    ['address octet 256', () => ns.addAddress('eth0', '192.0.2.256/24'), TypeError, /192\.0\.2\.256/],
    ['address with a zone', () => ns.addAddress('eth0', 'fe80::1%eth0/64'), TypeError, /%eth0/],
    ['address negative prefix', () => ns.addAddress('eth0', '192.0.2.1/-1'), TypeError, /-1/],
    ['address an array', () => ns.addAddress('eth0', ['192.0.2.1/24'] as never), TypeError, /192\.0\.2\.1/],
    ['gateway of the other family', () => ns.addRoute({ to: '198.51.100.0/24', via: '2001:db8::1' }), TypeError, /2001:db8::1 is IPv6/],
    ['MTU 70000', () => ns.setLink('eth0', { mtu: 70000 }), RangeError, /mtu 70000/],
    ['MTU 0', () => ns.setLink('eth0', { mtu: 0 }), RangeError, /mtu 0/],
    ['MTU a string', () => ns.setLink('eth0', { mtu: '1500' as never }), TypeError, /"1500"/],
    ['table -1', () => ns.addRoute({ to: '198.51.100.0/24', dev: 'eth0', table: -1 }), RangeError, /table -1/],
    ['table 2^32', () => ns.addRoute({ to: '198.51.100.0/24', dev: 'eth0', table: 2 ** 32 }), RangeError, /4294967296/],
    ['metric -1', () => ns.addRoute({ to: '198.51.100.0/24', dev: 'eth0', metric: -1 }), RangeError, /metric -1/],
    ['metric a float', () => ns.addAddress('eth0', '198.51.100.1/24', { metric: 0.5 }), TypeError, /0\.5/],
    ['MAC with 5 octets', () => ns.setLink('eth0', { address: '02:00:5e:00:53' }), TypeError, /02:00:5e:00:53/],
    ['MAC multicast', () => ns.setLink('eth0', { address: '01:00:5e:00:00:01' }), RangeError, /multicast/],
    ['MAC all zeros', () => ns.setLink('eth0', { address: '00:00:00:00:00:00' }), RangeError, /all zeros/],
    ['options null', () => ns.createBridge('br9', null as never), TypeError, /null/],
    ['options an array', () => ns.setLink('eth0', [] as never), TypeError, /\[\]/],
    ['options with an unknown key', () => ns.addAddress('eth0', '198.51.100.1/24', { nodad: true } as never), TypeError, /"nodad"/],
    ['a cyclic object as options', () => ns.createBridge('br9', cyclic as never), TypeError, /unknown option "self"/],
    ['peerNetns not a Netns', () => ns.createVeth('v9', { peer: 'v8', peerNetns: { fd: 0 } as never }), TypeError, /peerNetns/],
    ['move target not a Netns', () => ns.moveToNetns('eth1', '/proc/1/ns/net' as never), TypeError, /"\/proc\/1\/ns\/net"/],
    ['sysctl outside net', () => ns.sysctl('kernel.core_pattern', '|/bin/sh'), TypeError, /must start with "net\."/],
    ['sysctl climbing out', () => ns.sysctl('net.ipv4.conf.all/../../../kernel/core_pattern'), TypeError, /has an empty, '\.', '\.\.' or NUL component/],
    ['sysctl value with NUL', () => ns.sysctl('net.ipv4.ip_forward', '1\0'), TypeError, /NUL/],
    ['exec with NUL in an argument', () => ns.exec('echo', ['a\0b']), TypeError, /NUL/],
    ['exec command empty', () => ns.exec(''), TypeError, /""/],
    ['container reference with ..', () => Netns.fromContainer('../../etc'), TypeError, /"\.\.\/\.\.\/etc"/],
    ['a kind that is not a kind', () => ns.createLink({ kind: '../../x', name: 'k0' }), TypeError, /"\.\.\/\.\.\/x"/],
    ['using a closed handle', async () => {
      const h = await Netns.fromPath(`/run/netns/${other.name}`);
      h.close();
      return h.createBridge('br9');
    }, 'EBADF', /closed/],
  ];
  const isLinkLocal = (a: string): boolean => /^(fe80|ff00)::/.test(a);
  const snapshot = (): string =>
    JSON.stringify([
      ipJson(ns.name!, 'link').map((l: any) => [l.ifname, l.mtu, l.address, l.flags.includes('UP')]),
      // IPv6 link-local addresses and their routes come from the kernel whenever carrier does:
      // they are not ours to compare.
      ipJson(ns.name!, 'addr').map((l: any) => l.addr_info.filter((a: any) => !isLinkLocal(a.local)).map((a: any) => `${a.local}/${a.prefixlen}`)),
      ipJson(ns.name!, 'route', 'show', 'table', 'all')
        .filter((r: any) => !isLinkLocal(r.dst))
        .map((r: any) => `${r.dst} ${r.table ?? ''} ${r.gateway ?? ''}`),
      ipJson(ns.name!, 'rule').length,
      ipJson(other.name!, 'link').map((l: any) => l.ifname),
      // Other test files make and remove names in parallel: look at this process's names, and
      // at every path a refused call here could have made.
      readdirSync('/run/netns').filter((n) => n.startsWith(`${PREFIX}${process.pid}-`)).sort(),
      ['/run/netns/a', '/run/netns/x', '/run/netns/hostile-gone', '/tmp/x'].filter((p) => existsSync(p)),
    ]);
  const before = snapshot();
  t.ok(cases.length >= 40, `${cases.length} cases`);
  for (const [name, run, expect, message] of cases) {
    const e = await Promise.resolve()
      .then(run)
      .then(() => null, (x: unknown) => x);
    if (typeof expect === 'string') {
      t.ok(e instanceof NetlinkError && e.code === expect, `${name}: NetlinkError ${expect}, got ${String((e as Error | null)?.message)}`);
    } else {
      t.ok(e instanceof expect, `${name}: ${expect.name}, got ${String((e as Error | null)?.constructor?.name)}: ${String((e as Error | null)?.message)}`);
    }
    if (message) t.match((e as Error | null)?.message, message, `${name}: names the value`);
  }
  t.equal(snapshot(), before, 'nothing changed');
});

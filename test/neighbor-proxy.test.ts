// Proxy neighbour entries (`ip neigh add proxy`): added, listed, answered for (real ARP from
// another namespace) and deleted; and a neighbour's state given in the spelling it reads back
// in (`ip -j neigh`'s), the lower-case `nud` names still taken.
import t from 'tap';
import type { Netns } from '../dist/index.js';
import { eventually, ipJson, namedNetns, ping } from './helpers';

t.test('proxy entries: add, list, delete, as ip -j neigh show proxy sees them', async (t) => {
  const [a] = (await namedNetns(t, 'pxy')) as [Netns];
  await a.createVeth('eth0', { peer: 'eth1', up: true });
  await a.addNeighbor({ address: '192.0.2.60', dev: 'eth0', proxy: true });
  await a.addNeighbor({ address: '2001:db8::60', dev: 'eth0', proxy: true, router: true });
  await a.addNeighbor({ address: '192.0.2.61', dev: 'eth1', proxy: true });
  const ip = ipJson(a.name!, 'neigh', 'show', 'proxy');
  const ours = await a.neighbors({ proxy: true });
  t.same(ours.map((n) => n.address).sort(), ip.map((n: any) => n.dst).sort(), 'the same proxy entries as ip');
  for (const n of ip) {
    t.match(ours.find((x) => x.address === n.dst), { dev: n.dev, proxy: true, router: 'router' in n, lladdr: null, state: [] }, n.dst);
  }
  t.equal(String(ours.find((n) => n.address === '2001:db8::60')), '2001:db8::60 dev eth0 router proxy', 'as ip neigh show proxy prints it');
  t.same((await a.neighbors({ proxy: true, dev: 'eth1' })).map((n) => n.address), ['192.0.2.61'], 'of one link');
  t.same((await a.neighbors({ proxy: true, family: 6 })).map((n) => n.address), ['2001:db8::60'], 'of one family');
  t.notOk((await a.neighbors()).some((n) => n.proxy), 'the neighbour entries are apart from them, as with ip neigh show');
  await t.resolves(a.addNeighbor({ address: '192.0.2.60', dev: 'eth0', proxy: true }), 'adding one again replaces it: the kernel says no EEXIST for proxies');

  await a.deleteNeighbor({ address: '192.0.2.60', dev: 'eth0', proxy: true });
  t.notOk(ipJson(a.name!, 'neigh', 'show', 'proxy').some((n: any) => n.dst === '192.0.2.60'), 'deleted');
  await t.rejects(a.deleteNeighbor({ address: '192.0.2.60', dev: 'eth0', proxy: true }), { code: 'ENOENT', op: 'deleteNeighbor', message: /proxy 192\.0\.2\.60 dev eth0 in netns .*no proxy entry for 192\.0\.2\.60 on eth0/ });
  await t.resolves(a.deleteNeighbor({ address: '192.0.2.60', dev: 'eth0', proxy: true }, { missingOk: true }));
  await t.rejects(a.deleteNeighbor({ address: '192.0.2.61', dev: 'eth1' }), { code: 'ENOENT' }, 'a proxy entry is no neighbour entry');
  await t.rejects(a.addNeighbor({ address: '192.0.2.62', dev: 'nosuch', proxy: true }), { code: 'ENODEV', message: /no interface named nosuch/ });
});

t.test('a proxy entry answers ARP for its address, as a forwarding router does', async (t) => {
  const [a, b] = (await namedNetns(t, 'pxyarp', 2)) as [Netns, Netns];
  await a.createVeth('eth0', { peer: 'eth0', peerNetns: b, up: true });
  await a.createVeth('eth2', { peer: 'eth3', up: true });
  await Promise.all([b.setUp('eth0'), a.setUp('eth3')]);
  await a.addAddress('eth0', '192.0.2.1/24');
  await b.addAddress('eth0', '192.0.2.20/24');
  // The kernel answers for a proxied address reached through another device, when forwarding.
  await a.addRoute({ to: '192.0.2.99/32', dev: 'eth2' });
  await a.sysctl('net.ipv4.conf.eth0.forwarding', 1);
  await a.sysctl('net.ipv4.neigh.eth0.proxy_delay', 0);
  const mac = (await a.link('eth0')).address;
  const resolved = (): boolean => ipJson(b.name!, 'neigh', 'show', '192.0.2.99', 'dev', 'eth0').some((n: any) => n.lladdr === mac);

  await ping(b.name!, '192.0.2.99', 1);
  t.notOk(resolved(), 'without a proxy entry, nobody answers');
  await b.deleteNeighbor({ address: '192.0.2.99', dev: 'eth0' }, { missingOk: true });
  await a.addNeighbor({ address: '192.0.2.99', dev: 'eth0', proxy: true });
  await ping(b.name!, '192.0.2.99', 1);
  t.ok(await eventually(resolved), `with one, ${a.name} answers with its own address ${mac}`);
});

t.test('a state is given as it reads back: one name or a list, as ip -j neigh spells it', async (t) => {
  const [a] = (await namedNetns(t, 'nud')) as [Netns];
  await a.createVeth('eth0', { peer: 'eth1', up: true });
  // Both ends up, so that eth0 has its carrier: the kernel's link watch, a moment later, flushes
  // a device's entries that are not permanent when it finds the carrier down (seen once in the
  // full suite: the STALE entry gone between ip's dump and ours).
  await a.setUp('eth1');
  await a.addNeighbor({ address: '192.0.2.30', lladdr: '02:00:5e:00:53:30', dev: 'eth0', state: 'STALE' });
  await a.addNeighbor({ address: '192.0.2.31', lladdr: '02:00:5e:00:53:31', dev: 'eth0', state: ['PERMANENT'] });
  await a.addNeighbor({ address: '192.0.2.32', lladdr: '02:00:5e:00:53:32', dev: 'eth0', state: 'noarp' });
  await a.addNeighbor({ address: '192.0.2.33', lladdr: '02:00:5e:00:53:33', dev: 'eth0' });
  const ip = ipJson(a.name!, 'neigh', 'show', 'dev', 'eth0', 'nud', 'all');
  const ours = await a.neighbors({ dev: 'eth0' });
  const want: Record<string, string[]> = { '192.0.2.30': ['STALE'], '192.0.2.31': ['PERMANENT'], '192.0.2.32': ['NOARP'], '192.0.2.33': ['PERMANENT'] };
  for (const [address, state] of Object.entries(want)) {
    const mine = ours.find((n) => n.address === address)!;
    t.same(mine.state, state, `${address}: ${state}`);
    t.same(mine.state, ip.find((n: any) => n.dst === address).state, `${address}: as ip -j neigh says`);
  }
  // What was read can be given back as it is.
  const stale = ours.find((n) => n.address === '192.0.2.30')!;
  await a.addNeighbor({ address: stale.address, lladdr: '02:00:5e:00:53:99', dev: stale.dev, state: stale.state, replace: true });
  t.match(ipJson(a.name!, 'neigh', 'show', '192.0.2.30', 'dev', 'eth0')[0], { lladdr: '02:00:5e:00:53:99', state: ['STALE'] }, 'round trip');
  await a.addNeighbor({ address: '192.0.2.31', lladdr: '02:00:5e:00:53:31', dev: 'eth0', state: 'reachable', replace: true });
  t.same(ipJson(a.name!, 'neigh', 'show', '192.0.2.31', 'dev', 'eth0')[0].state, ['REACHABLE'], 'the lower-case nud names still work');
});

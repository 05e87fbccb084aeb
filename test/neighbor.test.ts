// Neighbours (ARP and NDP entries): added, replaced, listed and deleted, as `ip -j neigh` sees
// them.
import t from 'tap';
import type { Netns } from '../dist/index.js';
import { ipJson, namedNetns } from './helpers';

t.test('neighbours: add, replace, list and delete, as ip -j neigh sees them', async (t) => {
  const [a] = (await namedNetns(t, 'neigh')) as [Netns];
  await a.createVeth('eth0', { peer: 'eth1', up: true });
  await a.addAddress('eth0', '192.0.2.10/24');
  await a.addNeighbor({ address: '192.0.2.20', lladdr: '02:00:5e:00:53:20', dev: 'eth0' });
  await a.addNeighbor({ address: '2001:db8::20', lladdr: '02:00:5e:00:53:21', dev: 'eth0', router: true });
  const ip = ipJson(a.name!, 'neigh', 'show', 'dev', 'eth0');
  const ours = await a.neighbors({ dev: 'eth0' });
  for (const n of ip) {
    const mine = ours.find((x) => x.address === n.dst);
    t.match(mine, { lladdr: n.lladdr, dev: 'eth0' }, `${n.dst}`);
    t.same(mine?.state, n.state, `${n.dst}: state`);
  }
  t.ok(ours.find((x) => x.address === '2001:db8::20')?.router, 'router flag');
  await t.rejects(a.addNeighbor({ address: '192.0.2.20', lladdr: '02:00:5e:00:53:99', dev: 'eth0' }), { code: 'EEXIST' });
  await a.addNeighbor({ address: '192.0.2.20', lladdr: '02:00:5e:00:53:99', dev: 'eth0', replace: true });
  t.equal(ipJson(a.name!, 'neigh', 'show', '192.0.2.20', 'dev', 'eth0')[0].lladdr, '02:00:5e:00:53:99', 'replaced');
  await a.deleteNeighbor({ address: '192.0.2.20', dev: 'eth0' });
  t.same(ipJson(a.name!, 'neigh', 'show', '192.0.2.20', 'dev', 'eth0'), []);
  await t.rejects(a.deleteNeighbor({ address: '192.0.2.20', dev: 'eth0' }), { code: 'ENOENT' });
  await t.resolves(a.deleteNeighbor({ address: '192.0.2.20', dev: 'eth0' }, { missingOk: true }));
});

t.test('neighbour entries take any six octets, as ip neigh does: multicast and all-zero too', async (t) => {
  const [a] = (await namedNetns(t, 'neighmc')) as [Netns];
  await a.createVeth('eth0', { peer: 'eth1', up: true });
  await a.addNeighbor({ address: '192.0.2.30', lladdr: '01:00:5e:00:00:01', dev: 'eth0' });
  await a.addNeighbor({ address: '192.0.2.31', lladdr: '00:00:00:00:00:00', dev: 'eth0' });
  const ip = ipJson(a.name!, 'neigh', 'show', 'dev', 'eth0');
  t.equal(ip.find((n: any) => n.dst === '192.0.2.30')?.lladdr, '01:00:5e:00:00:01', 'multicast, as ip -j neigh shows it');
  t.equal(ip.find((n: any) => n.dst === '192.0.2.31')?.lladdr, '00:00:00:00:00:00', 'all zero');
  const ours = await a.neighbors({ dev: 'eth0' });
  t.equal(ours.find((n) => n.address === '192.0.2.30')?.lladdr, '01:00:5e:00:00:01');
});

// Policy routing rules: sources, interfaces, marks and actions, as `ip -j rule` shows them,
// and the lookups they steer.
import t from 'tap';
import type { Netns } from '../dist/index.js';
import { ipJson, namedNetns, twoLinks } from './helpers';

t.test('a rule sends a source to table 100', async (t) => {
  const [a] = (await namedNetns(t, 'rule')) as [Netns];
  await twoLinks(a);
  await a.addRoute({ to: 'default', via: '192.0.2.1', table: 100 });
  await a.addRoute({ to: 'default', via: '198.18.0.1' });
  await a.addRule({ from: '192.0.2.10/32', table: 100, priority: 1000 });
  const ip = ipJson(a.name!, '-4', 'rule', 'show');
  const ours = await a.rules({ family: 4 });
  t.same(ours.map((r) => r.priority), ip.map((r: any) => r.priority), 'the same rules as ip -4 rule');
  const mine = ours.find((r) => r.priority === 1000)!;
  t.match(mine, { from: '192.0.2.10/32', to: 'all', table: 100, action: 'table' });
  t.match(ip.find((r: any) => r.priority === 1000), { src: '192.0.2.10', table: '100' });
  t.equal((await a.getRoute('203.0.113.1', { from: '192.0.2.10' })).gateway, '192.0.2.1', 'from the source: table 100');
  t.equal((await a.getRoute('203.0.113.1')).gateway, '198.18.0.1', 'otherwise: main');
  t.same((await a.routes({ table: 100 })).map((r) => [r.to, r.gateway, r.table]), [['default', '192.0.2.1', 100]]);
  t.same(await a.routes({ table: 4242 }), [], 'a table with no routes is empty, not an error');
  await t.rejects(a.addRule({ from: '192.0.2.10/32', table: 100, priority: 1000 }), { code: 'EEXIST' });
  await a.deleteRule({ from: '192.0.2.10/32', table: 100, priority: 1000 });
  t.notOk(ipJson(a.name!, '-4', 'rule', 'show').some((r: any) => r.priority === 1000), 'deleted');
  await t.rejects(a.deleteRule({ priority: 1000 }), { code: 'ENOENT' });
  await t.resolves(a.deleteRule({ priority: 1000 }, { missingOk: true }));
});

t.test('rules on interfaces and firewall marks, as ip -j rule shows them', async (t) => {
  const [a] = (await namedNetns(t, 'rule2')) as [Netns];
  await a.createVeth('eth0', { peer: 'eth1' });
  await a.addRule({ iif: 'eth0', table: 200, priority: 2000 });
  await a.addRule({ oif: 'eth1', fwmark: 0x2a, fwmask: 0xff, table: 201, priority: 2001 });
  await a.addRule({ to: '2001:db8:9::/48', action: 'prohibit', priority: 2002 });
  const ip4 = ipJson(a.name!, '-4', 'rule', 'show');
  const ours4 = await a.rules({ family: 4 });
  t.match(ours4.find((r) => r.priority === 2000), { iif: 'eth0', table: 200, from: 'all' });
  t.match(ip4.find((r: any) => r.priority === 2000), { iif: 'eth0', table: '200' });
  t.match(ours4.find((r) => r.priority === 2001), { oif: 'eth1', fwmark: 0x2a, fwmask: 0xff, table: 201 });
  t.match(ip4.find((r: any) => r.priority === 2001), { oif: 'eth1', fwmark: '0x2a', fwmask: '0xff', table: '201' });
  const six = (await a.rules({ family: 6 })).find((r) => r.priority === 2002);
  t.match(six, { family: 6, to: '2001:db8:9::/48', action: 'prohibit', table: null });
  t.match(ipJson(a.name!, '-6', 'rule', 'show').find((r: any) => r.priority === 2002), { dst: '2001:db8:9::', dstlen: 48, action: 'prohibit' });
  await a.deleteRule({ oif: 'eth1', fwmark: 0x2a, fwmask: 0xff, table: 201 });
  t.notOk(ipJson(a.name!, '-4', 'rule', 'show').some((r: any) => r.priority === 2001), 'deleted by its match');
});

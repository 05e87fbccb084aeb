// IPv6 address labels (`ip addrlabel`): added, listed and deleted as `ip -j addrlabel` sees
// them, the source address the kernel then picks (RFC 6724, rule 6), and the kernel's refusals.
import t from 'tap';
import type { Netns } from '../dist/index.js';
import { ipJson, namedNetns } from './helpers';

t.test('labels: add, list, delete, as ip -j addrlabel sees them', async (t) => {
  const [a] = (await namedNetns(t, 'albl')) as [Netns];
  await a.createVeth('eth0', { peer: 'eth1' });
  const defaults = ipJson(a.name!, 'addrlabel', 'list');
  t.same((await a.addrLabels()).map((l) => [l.address, l.prefixLength, l.label]), defaults.map((l: any) => [l.address, l.prefixlen, l.label]), "the kernel's defaults, as ip lists them");

  await a.addAddrLabel({ prefix: '2001:db8::/32', label: 99 });
  await a.addAddrLabel({ prefix: '2001:db8:1::/48', label: 100, dev: 'eth0' });
  await a.addAddrLabel({ prefix: '2001:db8:2::1', label: 101 });
  const ip = ipJson(a.name!, 'addrlabel', 'list');
  const ours = await a.addrLabels();
  t.same(
    ours.map((l) => [l.address, l.prefixLength, l.dev, l.label]),
    ip.map((l: any) => [l.address, l.prefixlen, l.ifname ?? null, l.label]),
    'the same labels, in the same order, as ip -j addrlabel',
  );
  t.match(ours.find((l) => l.label === 100), { prefix: '2001:db8:1::/48', dev: 'eth0' });
  t.match(ours.find((l) => l.label === 101), { prefix: '2001:db8:2::1/128' }, 'a bare address is a /128');
  t.equal(String(ours.find((l) => l.label === 100)), 'prefix 2001:db8:1::/48 dev eth0 label 100', 'as ip addrlabel list prints it');

  await t.rejects(a.addAddrLabel({ prefix: '2001:db8::/32', label: 98 }), { code: 'EEXIST', op: 'addAddrLabel', message: /prefix 2001:db8::\/32 in netns .*already has a label \(replace: true changes it\)/ });
  await a.addAddrLabel({ prefix: '2001:db8::/32', label: 98, replace: true });
  t.equal(ipJson(a.name!, 'addrlabel', 'list').find((l: any) => l.address === '2001:db8::' && l.prefixlen === 32).label, 98, 'replaced');

  await a.deleteAddrLabel({ prefix: '2001:db8::/32' });
  await a.deleteAddrLabel({ prefix: '2001:db8:1::/48', dev: 'eth0', label: 12345 });
  t.notOk(ipJson(a.name!, 'addrlabel', 'list').some((l: any) => l.address === '2001:db8::' || l.address === '2001:db8:1::'), 'deleted, by prefix and device: the label is not matched');
  await t.rejects(a.deleteAddrLabel({ prefix: '2001:db8::/32' }), { code: 'ESRCH', op: 'deleteAddrLabel', message: /no label for prefix 2001:db8::\/32/ });
  await t.resolves(a.deleteAddrLabel({ prefix: '2001:db8::/32' }, { missingOk: true }));
  await t.rejects(a.deleteAddrLabel({ prefix: '2001:db8:2::1/128', dev: 'eth0' }), { code: 'ESRCH' }, 'a label for every device is not one for eth0');
  await t.rejects(a.addAddrLabel({ prefix: '2001:db8:3::/48', label: 1, dev: 'nosuch' }), { code: 'ENODEV', message: /no interface named nosuch/ });
});

t.test('a label steers source address selection (RFC 6724 rule 6: prefer a matching label)', async (t) => {
  const [a] = (await namedNetns(t, 'alblsrc')) as [Netns];
  await a.createVeth('eth0', { peer: 'eth1', up: true });
  await a.setUp('eth1');
  await a.addAddress('eth0', '2001:db8:9:1::10/64', { noDad: true });
  await a.addAddress('eth0', '2001:db8:2::10/64', { noDad: true });
  await a.addRoute({ to: 'default', dev: 'eth0', family: 6 });
  const src = async (): Promise<[string | null, string]> => [(await a.getRoute('2001:db8:9::1')).prefsrc, ipJson(a.name!, 'route', 'get', '2001:db8:9::1')[0].prefsrc];
  t.same(await src(), ['2001:db8:9:1::10', '2001:db8:9:1::10'], 'by default the longest matching prefix wins (rule 8)');
  await a.addAddrLabel({ prefix: '2001:db8:9::1', label: 60 });
  await a.addAddrLabel({ prefix: '2001:db8:2::/48', label: 60 });
  t.same(await src(), ['2001:db8:2::10', '2001:db8:2::10'], 'with the labels, the address labelled as the destination');
  await a.deleteAddrLabel({ prefix: '2001:db8:2::/48' });
  t.same(await src(), ['2001:db8:9:1::10', '2001:db8:9:1::10'], 'and back once it is deleted');
});

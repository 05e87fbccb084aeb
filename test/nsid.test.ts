// Namespace ids: set (`ip netns set NAME ID|auto`), listed with their names (`ip netns
// list-id`), used by a veth's link-netnsid, and the kernel's refusals. Every id is set inside
// the test's own namespaces, never in the host's.
import t from 'tap';
import { Netns } from '../dist/index.js';
import { ipJson, namedNetns } from './helpers';

t.test('ids set by number or picked by the kernel, listed with their names as ip netns list-id', async (t) => {
  const [a, b, c] = (await namedNetns(t, 'nsid', 3)) as [Netns, Netns, Netns];
  const anon = await Netns.create();
  t.teardown(() => anon.close());
  t.same(await a.nsids(), [], 'none yet');
  t.equal(await a.setNsid(b, 7), 7);
  const picked = await a.setNsid(c, 'auto');
  t.ok(Number.isInteger(picked) && picked >= 0 && picked !== 7, `the kernel picked ${picked}`);
  const forAnon = await a.setNsid(anon, 'auto');
  t.equal(await a.nsidOf(b), 7, 'nsidOf reads it back');
  t.equal(await a.nsidOf(c), picked);

  const ours = await a.nsids();
  const ip = ipJson(a.name!, 'netns', 'list-id');
  t.same(ours.map((n) => [n.nsid, n.netns]), ip.map((n: any) => [n.nsid, n.name ?? null]).sort((x: number[], y: number[]) => x[0]! - y[0]!), 'the ids and names ip -j netns list-id shows');
  t.same(
    ours.map((n) => [n.nsid, n.netns]),
    [[7, b.name], [picked, c.name], [forAnon, null]].sort((x, y) => (x[0] as number) - (y[0] as number)),
    'a namespace without a name has none',
  );
  t.equal(String(ours.find((n) => n.nsid === 7)), `nsid 7 (iproute2 netns name: ${b.name})`, 'as ip netns list-id prints it');
  t.equal(String(ours.find((n) => n.nsid === forAnon)), `nsid ${forAnon}`);
  t.same(await b.nsids(), [], 'ids belong to the namespace that gave them');

  await a.createVeth('v0', { peer: 'v1', peerNetns: b });
  t.equal((await a.link('v0')).linkNetnsId, 7, "a veth's link-netnsid is the id set");
  t.equal(ipJson(a.name!, 'link', 'show', 'v0')[0].link_netnsid, 7);
});

t.test('the kernel\'s refusals: an id stays, and names one namespace only', async (t) => {
  const [a, b, c] = (await namedNetns(t, 'nsidno', 3)) as [Netns, Netns, Netns];
  await a.setNsid(b, 3);
  await t.rejects(a.setNsid(b, 4), { code: 'EEXIST', op: 'setNsid', kernelMessage: 'Peer netns already has a nsid assigned', message: new RegExp(`nsid 4 for netns ${b.name} in netns ${a.name}.*already has an id`) });
  await t.rejects(a.setNsid(b, 'auto'), { code: 'EEXIST' });
  await t.rejects(a.setNsid(c, 3), { code: 'EEXIST', kernelMessage: 'The specified nsid is already used' });
  t.equal(await a.nsidOf(c), null, 'nothing given on a refusal');
  t.same(ipJson(a.name!, 'netns', 'list-id').map((n: any) => n.nsid), [3]);
  await t.rejects(a.setNsid('b' as never, 1), TypeError);
});

// Netns.fromContainer against a stand-in Docker Engine API on a Unix socket, and the
// tutorial's whole flow with a stand-in container (unshare -n sleep).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { NetlinkError, Netns } from '../dist/index.js';
import { fakeEngine, ipJson, namedNetns, standInContainer } from './helpers';

t.test('fromContainer asks the engine for the pid and opens its namespace', async (t) => {
  const box = await standInContainer(t);
  const socket = await fakeEngine(t, {
    web: { Pid: box.pid, Running: true, Status: 'running' },
    stopped: { Pid: 0, Running: false, Status: 'exited' },
  });
  const ns = await Netns.fromContainer('web', { socket });
  t.teardown(() => ns.close());
  t.ok(ns.equals(await Netns.fromPid(box.pid)), 'the container\'s namespace');
  t.equal(ns.label, 'container web');
  await t.rejects(Netns.fromContainer('ghost', { socket }), { code: 'ENOENT', op: 'fromContainer', message: /no such container: ghost/ });
  await t.rejects(Netns.fromContainer('stopped', { socket }), { code: 'ESRCH', message: /not running \(exited\)/ });
  const none = await Netns.fromContainer('web', { socket: join(tmpdir(), 'no-engine-here.sock') }).catch((x: unknown) => x);
  t.ok(none instanceof NetlinkError);
  t.match(none, { code: 'ENOENT', message: /no Docker engine answers at/ });
  await t.rejects(Netns.fromContainer('../etc', { socket }), TypeError, 'a container reference that is no name is refused');
});

t.test('the tutorial, end to end: a container wired to a bridge in a namespace', async (t) => {
  const [sw] = (await namedNetns(t, 'tut')) as [Netns];
  const box = await standInContainer(t);
  const socket = await fakeEngine(t, { app: { Pid: box.pid, Running: true, Status: 'running' } });
  const container = await Netns.fromContainer('app', { socket });
  t.teardown(() => container.close());

  await sw.createBridge('br0', { up: true });
  await sw.addAddress('br0', '203.0.113.1/24');
  await sw.createVeth('veth-app', { peer: 'tmp-app', master: 'br0', up: true });
  await sw.moveToNetns('tmp-app', container, { name: 'eth1' });
  await container.addAddress('eth1', '203.0.113.10/24');
  await container.setUp('eth1');
  await container.setUp('lo');
  await container.addRoute({ to: 'default', via: '203.0.113.1' });

  const inside = JSON.parse((await container.exec('ip', ['-j', 'addr', 'show', 'eth1'])).stdout);
  t.equal(inside[0].addr_info[0].local, '203.0.113.10', 'eth1 addressed inside the container');
  t.same(ipJson(sw.name!, 'link', 'show', 'master', 'br0').map((l: any) => l.ifname), ['veth-app']);
  const fromSwitch = await sw.exec('ping', ['-c', '3', '-i', '0.2', '-W', '1', '203.0.113.10']);
  t.match(fromSwitch.stdout, /[1-3] received/, 'the switch reaches the container');
  const fromContainer = await container.exec('ping', ['-c', '3', '-i', '0.2', '-W', '1', '203.0.113.1']);
  t.match(fromContainer.stdout, /[1-3] received/, 'and the container the switch');
  t.equal((await container.getRoute('198.51.100.1')).gateway, '203.0.113.1', 'its default route');
});

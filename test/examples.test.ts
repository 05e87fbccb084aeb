// examples/: one program per tutorial, each run as a user would, checked by what it prints
// (real traffic between its namespaces) and by what it leaves behind: nothing.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { uniqueName } from './helpers';

async function run(t: { same(found: unknown, wanted: unknown, message: string): unknown }, example: string): Promise<string> {
  const prefix = uniqueName(example.slice(0, 6));
  const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, '..', 'examples', `${example}.js`), prefix], { timeout: 60000 });
  t.same(readdirSync('/run/netns').filter((n) => n.startsWith(`${prefix}-`)), [], 'no namespace left');
  return stdout;
}

t.test('container-on-bridge: a veth from a bridge into a container, renamed eth1, with a default route', async (t) => {
  const out = await run(t, 'container-on-bridge');
  t.match(out, /^container: 203\.0\.113\.10\/24 on eth1, default via 203\.0\.113\.1 dev eth1/m);
  t.match(out, /^container -> bridge: 64 bytes from 203\.0\.113\.1/m);
  t.match(out, /^bridge -> container: 64 bytes from 203\.0\.113\.10/m);
});

t.test('bridge-two-hosts: two hosts behind a bridge reach each other', async (t) => {
  const out = await run(t, 'bridge-two-hosts');
  t.match(out, /^bridge ports: p1 p2$/m);
  t.match(out, /^h1 -> h2: 64 bytes from 198\.51\.100\.2/m);
  t.match(out, /^h2 -> h1: 64 bytes from 198\.51\.100\.1/m);
});

t.test('router-lab: four namespaces, two routers, IPv4 and IPv6 across', async (t) => {
  const out = await run(t, 'router-lab');
  t.match(out, /^host1 route to host2: 203\.0\.113\.10\/32 via 192\.0\.2\.1 dev eth0/m);
  t.match(out, /^host1 -> host2, IPv4: 64 bytes from 203\.0\.113\.10: icmp_seq=\d+ ttl=62/m, 'two hops');
  t.match(out, /^host1 -> host2, IPv6: 64 bytes from 2001:db8:3::10/m);
  t.match(out, /^host2 -> host1, IPv4: 64 bytes from 192\.0\.2\.10/m);
});

t.test('macvlan-modes: bridge mode passes, private and vepa do not', async (t) => {
  const out = await run(t, 'macvlan-modes');
  t.match(out, /^bridge +\(read back: bridge\): 64 bytes from 192\.0\.2\.2/m);
  t.match(out, /^private +\(read back: private\): no reply/m);
  t.match(out, /^vepa +\(read back: vepa\): no reply/m);
});

// README's complete examples run as written (with unique namespace names), so the README and
// the library cannot drift apart.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { uniqueName, type Teardown } from './helpers';

const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
/** The complete examples: js blocks that define and call main(). */
const examples = [...readme.matchAll(/```js\n([\s\S]*?)```/gu)].map((m) => m[1]!).filter((b) => b.includes('main();'));

async function runExample(t: Teardown, block: string, names: string[]): Promise<{ stdout: string; renamed: string[] }> {
  let code = block.replaceAll("require('netns-link')", `require(${JSON.stringify(root)})`);
  const renamed = names.map((n) => uniqueName(n));
  names.forEach((n, i) => {
    code = code.replaceAll(`'${n}'`, `'${renamed[i]}'`).replaceAll(`/run/netns/${n}`, `/run/netns/${renamed[i]}`);
  });
  const dir = mkdtempSync(join(tmpdir(), 'netns-link-readme-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'example.js'), code);
  const { stdout } = await promisify(execFile)('node', [join(dir, 'example.js')]);
  return { stdout, renamed };
}

t.test('README has its five complete examples', async (t) => {
  t.equal(examples.length, 5);
});

t.test('the veth example runs and pings', async (t) => {
  const { stdout, renamed } = await runExample(t, examples[0]!, ['stationA', 'stationB']);
  t.match(stdout, /Link <\d+: veth0@if\d+ veth <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500/, "as README shows it, flags in ip's order");
  t.match(stdout, /Address <192\.0\.2\.2\/24 dev veth1 scope global/);
  t.match(stdout, /64 bytes from 192\.0\.2\.2/);
  t.notOk(renamed.some((n) => existsSync(`/run/netns/${n}`)), 'its namespaces removed');
});

t.test('the router example forwards IPv4 and IPv6', async (t) => {
  const { stdout, renamed } = await runExample(t, examples[1]!, ['node1', 'router1', 'node2']);
  t.match(stdout, /Route <198\.51\.100\.10\/32 via 192\.0\.2\.1 dev eth0/);
  t.match(stdout, /64 bytes from 198\.51\.100\.10/);
  t.match(stdout, /64 bytes from 2001:db8:2::10/);
  t.notOk(renamed.some((n) => existsSync(`/run/netns/${n}`)), 'its namespaces removed');
});

t.test('the NAT example masquerades the home network and publishes its port', async (t) => {
  const { stdout, renamed } = await runExample(t, examples[2]!, ['home', 'gateway', 'isp']);
  t.match(stdout, /64 bytes from 198\.51\.100\.2/, 'home reaches isp through the masquerade');
  t.match(stdout, /^isp -> gateway:80 -> hello from home$/m, 'isp reaches the server in home on the gateway\'s port 80');
  t.match(stdout, /type: 'masquerade', from: '192\.0\.2\.0\/24', out: 'wan'/);
  t.match(stdout, /type: 'forward',\s+protocol: 'tcp',\s+port: 80,\s+to: '192\.0\.2\.10',\s+toPort: 8080/);
  t.notOk(renamed.some((n) => existsSync(`/run/netns/${n}`)), 'its namespaces removed');
});

t.test('the container example wires a stand-in container to a bridge, and leaves nothing', async (t) => {
  const { stdout, renamed } = await runExample(t, examples[3]!, ['switch']);
  t.match(stdout, /^eth1@if\d+\s+UP\s+203\.0\.113\.10\/24/m, 'eth1 in the container, up, addressed');
  t.match(stdout, /64 bytes from 203\.0\.113\.1/, 'it reaches the bridge');
  t.notOk(renamed.some((n) => existsSync(`/run/netns/${n}`)), 'the switch removed');
});

t.test('the watching example keeps a map of links and waits for carrier', async (t) => {
  const { stdout, renamed } = await runExample(t, examples[4]!, ['watchA', 'watchB']);
  t.match(stdout, /^in sync: lo$/m);
  t.match(stdout, /^carrier: UP$/m);
  t.match(stdout, /^links seen: lo veth0$/m);
  t.notOk(renamed.some((n) => existsSync(`/run/netns/${n}`)), 'its namespaces removed');
});

t.test('the topology example: shown, planned, applied, pinged across, applied again with nothing to do, destroyed', async (t) => {
  const yaml = /```yaml\n([\s\S]*?)```/u.exec(readme)![1]!;
  const { Topology } = await import('../dist/index.js');
  let text = yaml;
  const renamed = ['node1', 'router1', 'node2', 'lab'].map((n) => [n, uniqueName(n)] as const);
  for (const [from, to] of renamed) text = text.replace(new RegExp(`\\b${from}\\b`, 'gu'), to);
  const lab = Topology.parse(text);
  t.teardown(() => lab.destroy());
  const mermaid = /```mermaid\n([\s\S]*?)```/u.exec(readme)![1]!;
  t.equal(Topology.parse(yaml).render('mermaid'), mermaid.trimEnd(), 'the README shows what show --format mermaid draws');
  t.ok((await lab.plan()).changes.length >= 20);
  await lab.apply();
  const ns = (n: string) => renamed.find(([from]) => from === n)![1];
  const ping = await promisify(execFile)('ip', ['netns', 'exec', ns('node1'), 'ping', '-c1', '-W2', '203.0.113.10']);
  t.match(ping.stdout, /1 received/, 'node1 reaches node2 through router1\'s bridge');
  t.equal(String(await lab.apply()), `${ns('lab')}: nothing to do`);
  await lab.destroy();
  t.notOk(renamed.slice(0, 3).some(([, n]) => existsSync(`/run/netns/${n}`)), 'destroyed');
});

// The CNI plugin netns-link-bridge, run as runtimes run it: a child process with CNI_* in a
// minimal environment and the config on stdin, inside a sandbox network namespace (the
// "runtime's", made by the test with unshare --net), never the host's own. Debian's reference
// plugins (/usr/lib/cni: bridge, host-local, tuning) run the same configs beside it, and the
// normalised results and the kernel's state are compared.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { Netns } from '../dist/index.js';
import { hasCommand, SLEEP_MARK, standInContainer, type Teardown } from './helpers';

const REF = '/usr/lib/cni';
const NEED_REF = existsSync(join(REF, 'bridge')) && existsSync(join(REF, 'host-local')) ? false : 'the reference plugins are the oracle: apt-get install containernetworking-plugins';
const NSENTER = execFileSync('sh', ['-c', 'command -v nsenter'], { encoding: 'utf8' }).trim();
const cli = join(__dirname, '..', 'dist', 'cli.js');

/**
 * The runtime's sandbox: a network namespace and a mount namespace in which /var/lib is `varLib`
 * (a directory of the test), so that no plugin, ours or the reference's, can keep state in the
 * host's /var/lib/cni (host-local's and libcni's default places, ours without dataDir).
 */
async function runtime(t: Teardown, varLib: string): Promise<number> {
  mkdirSync(varLib, { recursive: true });
  const child = spawn('unshare', ['-n', '-m', '--propagation', 'private', 'sh', '-c', `mount --bind "$0" /var/lib && exec sleep ${SLEEP_MARK}`, varLib], { stdio: 'ignore' });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  // Ready once sh has bound /var/lib and become the sleep; a new namespace can wait seconds
  // for the rtnl lock while the kernel tears others down.
  const end = Date.now() + 30000;
  while (Date.now() < end) {
    if (child.exitCode !== null) break;
    if (child.pid && readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').startsWith('sleep')) return child.pid;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('the runtime sandbox did not start');
}

/** nsenter's arguments that enter a runtime sandbox: its network and mount namespaces. */
const enter = (pid: number): string[] => [`--net=/proc/${pid}/ns/net`, `--mount=/proc/${pid}/ns/mnt`];

/** Plain: each call is the client running node itself (no agent answers). Agent: `cni serve` answers. */
type Mode = 'plain' | 'agent';
const MODES: Mode[] = ['plain', 'agent'];

interface Lab {
  dir: string;
  mode: Mode;
  /** The runtime's namespace (the plugin's host side). */
  sandbox: number;
  bin: string;
  run(plugin: string, command: string, conf: object | string, env?: Record<string, string>): Promise<{ status: number; out: any; stdout: string }>;
  /** The sandbox, for reading its state. */
  host(): Promise<Netns>;
  /** Calls of our plugins made so far, and those the agent says it answered. */
  calls(): { ours: number; agent: number };
  /** Where the plugins look for the agent. */
  socket: string;
  /** Ends the agent (SIGTERM), if there is one. */
  stopAgent(): Promise<void>;
}

/** Runs a plugin as a runtime does: in the runtime sandbox `pid`, with nothing but `env` (CNI_*) in its environment. */
function runFrom(pid: number, plugin: string, command: string, conf: object | string, env: Record<string, string>): Promise<{ status: number; out: any; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(NSENTER, [...enter(pid), plugin], { env: { CNI_COMMAND: command, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('close', (status) => {
      let out: any = null;
      try {
        out = stdout ? JSON.parse(stdout) : null;
      } catch {
        out = stdout;
      }
      resolve({ status: status ?? -1, out, stdout });
    });
    child.stdin.end(typeof conf === 'string' ? conf : JSON.stringify(conf));
  });
}

async function lab(t: Teardown, mode: Mode): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), 'netns-link-cni-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sandbox = await runtime(t, join(dir, 'var-lib'));
  const bin = join(dir, 'bin');
  const socket = join(dir, 'agent.sock');
  execFileSync(process.execPath, [cli, 'cni', 'install', '--dir', bin, '--socket', socket]);
  let answered = 0;
  let stopAgent = async (): Promise<void> => undefined;
  if (mode === 'agent') {
    // The agent in the runtime's namespace, as a node's daemon runs beside its runtime.
    const agent = spawn(NSENTER, [...enter(sandbox), process.execPath, cli, 'cni', 'serve', '--socket', socket], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => agent.once('exit', r));
    stopAgent = async () => {
      agent.kill('SIGTERM');
      await exited;
    };
    t.teardown(stopAgent);
    let text = '';
    await new Promise<void>((resolve, reject) => {
      agent.stdout.on('data', (d) => {
        text += d;
        answered = (text.match(/^[A-Z]* netns-link-/gmu) ?? []).length;
        if (text.startsWith('serving on ')) resolve();
      });
      agent.once('exit', (code) => reject(new Error(`the agent exited (${code}) before serving: ${text}`)));
    });
  }
  let ours = 0;
  const run: Lab['run'] = (plugin, command, conf, env = {}) => {
    if (plugin.startsWith(bin)) ours++;
    return runFrom(sandbox, plugin, command, conf, { CNI_PATH: `${bin}:${REF}`, ...env });
  };
  return { dir, mode, sandbox, bin, socket, run, host: () => Netns.fromPid(sandbox), calls: () => ({ ours, agent: answered }), stopAgent };
}

/**
 * A test run in both modes: in agent mode every call of our plugins must have been answered by
 * the agent (not by the client's fallback), in plain mode by none.
 */
function both(name: string, options: { skip?: string | false }, body: (t: Test, lab: (t: Teardown) => Promise<Lab>) => Promise<void>): void {
  for (const mode of MODES) {
    t.test(`${name} (${mode} mode)`, options, async (t) => {
      const labs: Lab[] = [];
      await body(t, async (tt) => {
        const l = await lab(tt, mode);
        labs.push(l);
        return l;
      });
      // The agent prints its line after it answers: give the last one a moment.
      await new Promise((r) => setTimeout(r, 20));
      for (const l of labs) {
        t.notOk(existsSync(join(l.dir, 'var-lib', 'cni', 'netns-link')), 'nothing of ours in the sandbox\'s /var/lib/cni: every record in dataDir');
        const { ours, agent } = l.calls();
        t.equal(agent, mode === 'agent' ? ours : 0, `${mode} mode: the agent answered ${agent} of our ${ours} calls`);
      }
    });
  }
}

function bridgeConf(l: Lab, extra: object = {}, subnet = '198.18.5.0/24', version = '1.0.0'): object {
  return { cniVersion: version, name: 'testnet', type: 'bridge', bridge: 'cni9', isGateway: true, ipMasq: true, dataDir: join(l.dir, 'state'), ipam: { type: 'host-local', subnet, dataDir: join(l.dir, 'ipam') }, ...extra };
}

/** What may differ between two runs of the same config: MACs, the host veth's name, the sandbox path. */
function normalise(r: any): any {
  return { ...r, interfaces: r.interfaces?.map((i: any) => ({ ...i, mac: i.mac ? 'MAC' : undefined, name: /^veth/u.test(i.name) ? 'vethX' : i.name, sandbox: i.sandbox ? 'SANDBOX' : undefined })) };
}

/** The state of the runtime's and the container's namespaces that a plugin makes. */
async function state(sandbox: Netns, container: Netns, bridge: string): Promise<unknown> {
  const links = await sandbox.links();
  const br = links.find((l) => l.name === bridge)!;
  const ports = links.filter((l) => l.master === br.index);
  const c = await container.link('eth0');
  return {
    bridge: { up: br.up, mtu: br.mtu, promisc: br.promisc, addresses: (await sandbox.addresses({ ifname: bridge, family: 4 })).map((a) => a.cidr) },
    ports: ports.map((p) => ({ up: p.up, mtu: p.mtu, kind: p.kind, hairpin: p.bridgePort?.hairpin, learning: p.bridgePort?.learning })),
    container: { up: c.up, mtu: c.mtu, addresses: (await container.addresses({ ifname: 'eth0', family: 4 })).map((a) => a.cidr), routes: (await container.routes()).map((r) => `${r.to} ${r.gateway ?? ''} ${r.dev}`).sort() },
    forwarding: (await sandbox.sysctl('net.ipv4.ip_forward')).trim(),
  };
}

both('ADD matches the reference bridge plugin result for result, and the kernel state too; DEL leaves nothing', { skip: NEED_REF }, async (t, lab) => {
  const ours = await lab(t);
  const ref = await lab(t);
  const [c1, c2] = [await standInContainer(t), await standInContainer(t)];
  const env = (c: { pid: number }) => ({ CNI_CONTAINERID: 'c1', CNI_NETNS: `/proc/${c.pid}/ns/net`, CNI_IFNAME: 'eth0' });
  const extra = { hairpinMode: true, mtu: 1450 };
  const a = await ours.run(join(ours.bin, 'netns-link-bridge'), 'ADD', bridgeConf(ours, extra), env(c1));
  // The reference runs iptables for ipMasq: it needs PATH, ours does not.
  const b = await ref.run(join(REF, 'bridge'), 'ADD', bridgeConf(ref, extra), { ...env(c2), PATH: '/usr/sbin:/usr/bin:/sbin:/bin' });
  t.equal(a.status, 0, `ours: ${a.stdout}`);
  t.equal(b.status, 0, `reference: ${b.stdout}`);
  t.same(normalise(a.out), normalise(b.out), 'the same result');
  t.equal(a.out.interfaces[2].sandbox, `/proc/${c1.pid}/ns/net`);
  const [s1, s2, n1, n2] = await Promise.all([ours.host(), ref.host(), Netns.fromPid(c1.pid), Netns.fromPid(c2.pid)]);
  t.teardown(() => [s1, s2, n1, n2].forEach((n) => n.close()));
  const st = await state(s1, n1, 'cni9');
  t.same(st, await state(s2, n2, 'cni9'), 'the same bridge, ports (hairpin on), MTU, container addresses and routes, forwarding');
  t.match(st, { ports: [{ hairpin: true, mtu: 1450 }] });
  t.same(readdirSync(join(ours.dir, 'ipam', 'testnet')).sort(), readdirSync(join(ref.dir, 'ipam', 'testnet')).sort(), 'the same host-local leases');
  t.ok(await pingFrom(c1.pid, '198.18.5.1'), 'the container reaches its gateway');

  const del = await ours.run(join(ours.bin, 'netns-link-bridge'), 'DEL', bridgeConf(ours), env(c1));
  t.equal(del.status, 0, del.stdout);
  t.same((await n1.links()).map((l) => l.name), ['lo'], 'the container end gone');
  t.same((await s1.links()).filter((l) => l.kind === 'veth'), [], 'the host end gone');
  t.same(readdirSync(join(ours.dir, 'ipam', 'testnet')).filter((f) => /^\d/u.test(f)), [], 'the lease released');
  t.same(await s1.natRules(), [], 'the masquerade removed');
  t.equal((await ours.run(join(ours.bin, 'netns-link-bridge'), 'DEL', bridgeConf(ours), env(c1))).status, 0, 'DEL twice: success');
  t.equal((await ours.run(join(ours.bin, 'netns-link-bridge'), 'DEL', bridgeConf(ours), { ...env(c1), CNI_CONTAINERID: 'never' })).status, 0, 'DEL of something never added: success');
  t.equal((await ours.run(join(ours.bin, 'netns-link-bridge'), 'DEL', bridgeConf(ours), { ...env(c1), CNI_NETNS: '' })).status, 0, 'DEL with an empty netns path: success');
});

both('the same as the reference with promiscMode, isDefaultGateway and a dual-stack IPAM: result, bridge, routes, leases', { skip: NEED_REF }, async (t, lab) => {
  const ours = await lab(t);
  const ref = await lab(t);
  const [c1, c2] = [await standInContainer(t), await standInContainer(t)];
  const env = (c: { pid: number }) => ({ CNI_CONTAINERID: 'd1', CNI_NETNS: `/proc/${c.pid}/ns/net`, CNI_IFNAME: 'eth0' });
  const conf = (l: Lab) => ({
    ...bridgeConf(l, { promiscMode: true, isDefaultGateway: true }),
    ipam: { type: 'host-local', ranges: [[{ subnet: '198.18.14.0/24' }], [{ subnet: '2001:db8:14::/64' }]], dataDir: join(l.dir, 'ipam') },
  });
  const a = await ours.run(join(ours.bin, 'netns-link-bridge'), 'ADD', conf(ours), env(c1));
  const b = await ref.run(join(REF, 'bridge'), 'ADD', conf(ref), { ...env(c2), PATH: '/usr/sbin:/usr/bin:/sbin:/bin' });
  t.equal(a.status, 0, `ours: ${a.stdout}`);
  t.equal(b.status, 0, `reference: ${b.stdout}`);
  t.same(normalise(a.out), normalise(b.out), 'the same result: both addresses, gateways, default routes');
  const [s1, s2, n1, n2] = await Promise.all([ours.host(), ref.host(), Netns.fromPid(c1.pid), Netns.fromPid(c2.pid)]);
  t.teardown(() => [s1, s2, n1, n2].forEach((n) => n.close()));
  const st = await state(s1, n1, 'cni9');
  t.same(st, await state(s2, n2, 'cni9'), 'the same bridge (promiscuous), ports, container addresses and routes, forwarding');
  t.match(st, { bridge: { promisc: true } });
  const v6 = async (h: Netns, n: Netns) => ({
    bridge: (await h.addresses({ ifname: 'cni9', family: 6 })).filter((x) => x.scope === 'global').map((x) => x.cidr),
    container: (await n.addresses({ ifname: 'eth0', family: 6 })).filter((x) => x.scope === 'global').map((x) => x.cidr),
    routes: (await n.routes({ family: 6 })).filter((r) => r.to === 'default').map((r) => r.gateway),
    forwarding: (await h.sysctl('net.ipv6.conf.all.forwarding')).trim(),
  });
  t.same(await v6(s1, n1), await v6(s2, n2), 'the same IPv6 gateway, address, default route and forwarding');
  t.same(readdirSync(join(ours.dir, 'ipam', 'testnet')).sort(), readdirSync(join(ref.dir, 'ipam', 'testnet')).sort(), 'the same leases, in both families');
  t.equal((await ours.run(join(ours.bin, 'netns-link-bridge'), 'DEL', conf(ours), env(c1))).status, 0);
  t.same((await s1.natRules()), [], 'both masquerades removed');
});

function pingFrom(pid: number, address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn(NSENTER, [`--net=/proc/${pid}/ns/net`, 'ping', '-c', '2', '-i', '0.2', '-W', '1', '-q', address], { stdio: 'ignore' });
    p.on('close', (code) => resolve(code === 0));
  });
}

both('containers reach each other and, through the masquerade, a namespace with no route back; CHECK sees what was removed by hand', { skip: NEED_REF || (hasCommand('ping') ? false : 'ping') }, async (t, lab) => {
  const l = await lab(t);
  const [c1, c2] = [await standInContainer(t), await standInContainer(t)];
  const plugin = join(l.bin, 'netns-link-bridge');
  const conf = bridgeConf(l, { isDefaultGateway: true });
  const add = (id: string, c: { pid: number }) => l.run(plugin, 'ADD', conf, { CNI_CONTAINERID: id, CNI_NETNS: `/proc/${c.pid}/ns/net`, CNI_IFNAME: 'eth0' });
  const [r1, r2] = await Promise.all([add('c1', c1), add('c2', c2)]);
  t.same([r1.status, r2.status], [0, 0]);
  const ip2 = r2.out.ips[0].address.split('/')[0];
  t.ok(await pingFrom(c1.pid, ip2), 'container to container across the bridge');

  // Upstream: a namespace on the runtime's side that knows nothing of 198.18.5.0/24.
  const host = await l.host();
  t.teardown(() => host.close());
  const up = await Netns.create();
  t.teardown(() => up.close());
  await host.createVeth('wan', { peer: 'eth0', peerNetns: up, up: true });
  await Promise.all([up.setUp('eth0'), host.addAddress('wan', '203.0.113.1/24'), up.addAddress('eth0', '203.0.113.2/24')]);
  t.ok(await pingFrom(c1.pid, '203.0.113.2'), 'the masquerade takes the container out to a namespace with no route back');

  // CHECK: passes, then fails once the container's address is removed by hand.
  const check = (r: any, id: string, c: { pid: number }) => l.run(plugin, 'CHECK', { ...conf, prevResult: r }, { CNI_CONTAINERID: id, CNI_NETNS: `/proc/${c.pid}/ns/net`, CNI_IFNAME: 'eth0' });
  t.equal((await check(r1.out, 'c1', c1)).status, 0, 'CHECK of what ADD made');
  // A route removed by hand (the second container's default route): CHECK names it.
  t.equal((await check(r2.out, 'c2', c2)).status, 0);
  const n2 = await Netns.fromPid(c2.pid);
  t.teardown(() => n2.close());
  await n2.deleteRoute({ to: 'default' });
  t.match((await check(r2.out, 'c2', c2)).out, { code: 999, msg: /route 0\.0\.0\.0\/0 via 198\.18\.5\.1 is missing/u }, 'CHECK names the route removed by hand');
  const n1 = await Netns.fromPid(c1.pid);
  t.teardown(() => n1.close());
  await n1.deleteAddress('eth0', r1.out.ips[0].address);
  const bad = await check(r1.out, 'c1', c1);
  t.equal(bad.status, 1);
  t.match(bad.out, { code: 999, msg: /address .* is not on eth0/u }, 'CHECK names what is missing');
  await n1.deleteLink('eth0');
  t.match((await check(r1.out, 'c1', c1)).out, { msg: /interface eth0 does not exist/u });
});

both('DEL after the container is gone still removes its NAT rule and lease; a failing ADD leaves nothing', { skip: NEED_REF }, async (t, lab) => {
  const l = await lab(t);
  const c = await standInContainer(t);
  const plugin = join(l.bin, 'netns-link-bridge');
  const env = { CNI_CONTAINERID: 'gone', CNI_NETNS: `/proc/${c.pid}/ns/net`, CNI_IFNAME: 'eth0' };
  t.equal((await l.run(plugin, 'ADD', bridgeConf(l), env)).status, 0);
  const host = await l.host();
  t.teardown(() => host.close());
  t.equal((await host.natRules()).length, 1, 'a masquerade for the container');
  c.kill('SIGKILL');
  await new Promise((r) => c.once('exit', r));
  await new Promise((r) => setTimeout(r, 100));
  const del = await l.run(plugin, 'DEL', bridgeConf(l), env);
  t.equal(del.status, 0, del.stdout);
  t.same(await host.natRules(), [], 'its masquerade gone (the reference leaks it here)');
  t.same(readdirSync(join(l.dir, 'ipam', 'testnet')).filter((f) => /^\d/u.test(f)), [], 'its lease released');
  t.same((await host.links()).filter((l) => l.kind === 'veth'), [], 'no veth left');

  // IPAM fails (an unknown plugin): nothing is left behind (the reference leaves its veth pair).
  const c2 = await standInContainer(t);
  const failing = await l.run(plugin, 'ADD', { ...bridgeConf(l), ipam: { type: 'no-such-ipam' } }, { ...env, CNI_CONTAINERID: 'bad', CNI_NETNS: `/proc/${c2.pid}/ns/net` });
  t.equal(failing.status, 1);
  t.match(failing.out, { code: 999, msg: /failed to find plugin "no-such-ipam"/u });
  t.same((await host.links()).filter((x) => x.kind === 'veth'), [], 'no veth on the runtime side');
  const n2 = await Netns.fromPid(c2.pid);
  t.same((await n2.links()).map((x) => x.name), ['lo'], 'none in the container');
  n2.close();
});

both('20 ADDs at once on one network: one bridge, 20 distinct addresses; 20 DELs at once leave nothing', { skip: NEED_REF }, async (t, lab) => {
  const l = await lab(t);
  const plugin = join(l.bin, 'netns-link-bridge');
  const cs = await Promise.all(Array.from({ length: 20 }, () => standInContainer(t)));
  const env = (i: number) => ({ CNI_CONTAINERID: `c${i}`, CNI_NETNS: `/proc/${cs[i]!.pid}/ns/net`, CNI_IFNAME: 'eth0' });
  const adds = await Promise.all(cs.map((_, i) => l.run(plugin, 'ADD', bridgeConf(l), env(i))));
  t.same(adds.map((a) => a.status), new Array(20).fill(0), adds.find((a) => a.status)?.stdout ?? 'all succeeded');
  t.equal(new Set(adds.map((a) => a.out.ips[0].address)).size, 20, '20 distinct addresses');
  const host = await l.host();
  t.teardown(() => host.close());
  t.equal((await host.links()).filter((x) => x.kind === 'bridge').length, 1, 'one bridge');
  t.equal((await host.natRules()).length, 20);
  const dels = await Promise.all(cs.map((_, i) => l.run(plugin, 'DEL', bridgeConf(l), env(i))));
  t.same(dels.map((d) => d.status), new Array(20).fill(0));
  t.same((await host.links()).filter((x) => x.kind === 'veth'), [], 'no veth left');
  t.same(await host.natRules(), []);
  t.same(readdirSync(join(l.dir, 'ipam', 'testnet')).filter((f) => /^\d/u.test(f)), [], 'no lease left');
});

both('results in each version; VERSION; STATUS; GC; errors as the spec defines them', { skip: NEED_REF }, async (t, lab) => {
  const l = await lab(t);
  const plugin = join(l.bin, 'netns-link-bridge');
  for (const version of ['0.3.1', '0.4.0', '1.0.0', '1.1.0']) {
    const c = await standInContainer(t);
    const r = await l.run(plugin, 'ADD', bridgeConf(l, {}, '198.18.6.0/24', version), { CNI_CONTAINERID: `v${version}`, CNI_NETNS: `/proc/${c.pid}/ns/net`, CNI_IFNAME: 'eth0' });
    t.equal(r.status, 0, r.stdout);
    t.equal(r.out.cniVersion, version);
    if (version.startsWith('0.')) t.equal(r.out.ips[0].version, '4', `${version}: ips carry their version`);
    else t.notOk('version' in r.out.ips[0], `${version}: ips carry no version`);
  }
  const v = await l.run(plugin, 'VERSION', {}, {});
  t.same(v.out, { cniVersion: '1.1.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
  const status = await l.run(plugin, 'STATUS', bridgeConf(l, {}, '198.18.6.0/24', '1.1.0'));
  t.equal(status.status, 0, `STATUS: ${status.stdout}`);
  // GC: only v1.1.0 and v1.0.0 are still valid.
  const gc = await l.run(plugin, 'GC', { ...bridgeConf(l, {}, '198.18.6.0/24', '1.1.0'), 'cni.dev/valid-attachments': [{ containerID: 'v1.1.0', ifname: 'eth0' }, { containerID: 'v1.0.0', ifname: 'eth0' }] });
  t.equal(gc.status, 0, gc.stdout);
  const host = await l.host();
  t.teardown(() => host.close());
  t.equal((await host.links()).filter((x) => x.kind === 'veth').length, 2, 'GC removed the two attachments not listed');
  t.equal((await host.natRules()).length, 2, 'and their masquerades');

  const c = await standInContainer(t);
  const env = { CNI_CONTAINERID: 'e', CNI_NETNS: `/proc/${c.pid}/ns/net`, CNI_IFNAME: 'eth0' };
  const errors: [string, Promise<{ status: number; out: any }>, number, RegExp][] = [
    ['bad JSON', l.run(plugin, 'ADD', '{not json', env), 6, /not JSON/],
    ['an incompatible version', l.run(plugin, 'ADD', { ...bridgeConf(l), cniVersion: '9.9.9' }, env), 1, /incompatible CNI versions/],
    ['no CNI_COMMAND', l.run(plugin, '', bridgeConf(l), env), 4, /CNI_COMMAND is not set/],
    ['no CNI_NETNS on ADD', l.run(plugin, 'ADD', bridgeConf(l), { ...env, CNI_NETNS: '' }), 4, /CNI_NETNS is not set/],
    ['hairpinMode with promiscMode, refused as the reference does', l.run(plugin, 'ADD', bridgeConf(l, { hairpinMode: true, promiscMode: true }), env), 999, /cannot set hairpin mode and promiscuous mode at the same time\./],
    ['an unknown key', l.run(plugin, 'ADD', bridgeConf(l, { bridgeName: 'x' }), env), 7, /unknown key "bridgeName"/],
    ['a bad mtu', l.run(plugin, 'ADD', bridgeConf(l, { mtu: 20 }), env), 7, /mtu 20 must be 68 to 65535/],
    ['a key of a newer reference plugin, asked for', l.run(plugin, 'ADD', bridgeConf(l, { macspoofchk: true }), env), 7, /macspoofchk: this build of netns-link-bridge does not do it yet/],
    ['a netns that does not exist', l.run(plugin, 'ADD', bridgeConf(l), { ...env, CNI_NETNS: '/proc/999999999/ns/net' }), 3, /failed to open netns/],
  ];
  for (const [what, p, code, msg] of errors) {
    const r = await p;
    t.equal(r.status, 1, `${what}: exit 1`);
    t.match(r.out, { code, msg }, `${what}: code ${code}`);
  }
  // The network's lock held by another live process (its pid in the lock file), waited for
  // 300 ms: try again later. Alone, so that no call of the errors above holds it meanwhile.
  mkdirSync(join(l.dir, 'state', 'testnet'), { recursive: true });
  writeFileSync(join(l.dir, 'state', 'testnet', 'lock'), `${c.pid}\n`);
  const locked = await l.run(plugin, 'ADD', bridgeConf(l), { ...env, NETNS_LINK_CNI_LOCK_WAIT_MS: '300' });
  rmSync(join(l.dir, 'state', 'testnet', 'lock'));
  t.equal(locked.status, 1);
  t.match(locked.out, { code: 11, msg: `network testnet is locked by pid ${c.pid}` }, 'the lock held by a live process: code 11');
});

both('netns-link-ptp matches the reference ptp plugin: result, addresses, routes on both ends; masquerade out; DEL', { skip: NEED_REF || (existsSync(join(REF, 'ptp')) ? false : 'no ptp plugin') }, async (t, lab) => {
  const ours = await lab(t);
  const ref = await lab(t);
  const [c1, c2] = [await standInContainer(t), await standInContainer(t)];
  const conf = (l: Lab) => ({ cniVersion: '1.0.0', name: 'ptpnet', type: 'ptp', ipMasq: true, mtu: 1400, dataDir: join(l.dir, 'state'), ipam: { type: 'host-local', subnet: '198.18.7.0/24', routes: [{ dst: '0.0.0.0/0' }], dataDir: join(l.dir, 'ipam') } });
  const env = (c: { pid: number }) => ({ CNI_CONTAINERID: 'p1', CNI_NETNS: `/proc/${c.pid}/ns/net`, CNI_IFNAME: 'eth0' });
  const a = await ours.run(join(ours.bin, 'netns-link-ptp'), 'ADD', conf(ours), env(c1));
  const b = await ref.run(join(REF, 'ptp'), 'ADD', conf(ref), { ...env(c2), PATH: '/usr/sbin:/usr/bin:/sbin:/bin' });
  t.equal(a.status, 0, a.stdout);
  t.equal(b.status, 0, b.stdout);
  t.same(normalise(a.out), normalise(b.out), 'the same result');
  const view = async (hostPid: number, c: { pid: number }) => {
    const [h, n] = await Promise.all([Netns.fromPid(hostPid), Netns.fromPid(c.pid)]);
    try {
      const veth = (await h.links()).find((x) => x.kind === 'veth')!;
      return {
        host: { mtu: veth.mtu, up: veth.up, addresses: (await h.addresses({ ifname: veth.name, family: 4 })).map((x) => x.cidr), routes: (await h.routes()).filter((r) => r.dev === veth.name).map((r) => `${r.to} ${r.scope}`) },
        container: { mtu: (await n.link('eth0')).mtu, addresses: (await n.addresses({ ifname: 'eth0', family: 4 })).map((x) => x.cidr), routes: (await n.routes()).map((r) => `${r.to} ${r.gateway ?? ''} ${r.scope}`).sort() },
        forwarding: (await h.sysctl('net.ipv4.ip_forward')).trim(),
      };
    } finally {
      h.close();
      n.close();
    }
  };
  t.same(await view(ours.sandbox, c1), await view(ref.sandbox, c2), 'the same addresses, routes, MTU and forwarding on both ends');
  t.ok(await pingFrom(c1.pid, a.out.ips[0].gateway), 'the container reaches its gateway, the host end');
  const del = await ours.run(join(ours.bin, 'netns-link-ptp'), 'DEL', conf(ours), env(c1));
  t.equal(del.status, 0, del.stdout);
  const h = await ours.host();
  t.same((await h.links()).filter((x) => x.kind === 'veth'), []);
  t.same(await h.natRules(), []);
  h.close();
});

both('chained ahead of the reference tuning plugin: a correct prevResult', { skip: NEED_REF || (existsSync(join(REF, 'tuning')) ? false : 'no tuning plugin') }, async (t, lab) => {
  const l = await lab(t);
  const c = await standInContainer(t);
  const env = { CNI_CONTAINERID: 'chain', CNI_NETNS: `/proc/${c.pid}/ns/net`, CNI_IFNAME: 'eth0' };
  const add = await l.run(join(l.bin, 'netns-link-bridge'), 'ADD', bridgeConf(l), env);
  t.equal(add.status, 0);
  const tuned = await l.run(join(REF, 'tuning'), 'ADD', { cniVersion: '1.0.0', name: 'testnet', type: 'tuning', mtu: 1400, prevResult: add.out }, env);
  t.equal(tuned.status, 0, tuned.stdout);
  t.same(normalise(tuned.out).ips, normalise(add.out).ips, 'tuning passes our result on');
  const n = await Netns.fromPid(c.pid);
  t.equal((await n.link('eth0')).mtu, 1400, 'and tuned the interface our result named');
  n.close();
  t.equal((await l.run(join(l.bin, 'netns-link-bridge'), 'CHECK', { ...bridgeConf(l), prevResult: tuned.out }, env)).status, 0, 'CHECK with the chain\'s result');
  if (existsSync(join(REF, 'portmap'))) {
    // portmap after it, as in the README's conflist (it runs iptables: PATH for it).
    const pm = { cniVersion: '1.0.0', name: 'testnet', type: 'portmap', runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] }, prevResult: tuned.out };
    const mapped = await l.run(join(REF, 'portmap'), 'ADD', pm, { ...env, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' });
    t.equal(mapped.status, 0, `portmap takes our result: ${mapped.stdout}`);
    t.equal((await l.run(join(REF, 'portmap'), 'DEL', pm, { ...env, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' })).status, 0);
  }
});

both('the plugin needs no node on PATH, and the host namespace is never the test\'s own', { skip: NEED_REF }, async (t, lab) => {
  const l = await lab(t);
  const hostBefore = (await Netns.current().links()).map((x) => x.name);
  const c = await standInContainer(t);
  const r = await l.run(join(l.bin, 'netns-link-bridge'), 'ADD', bridgeConf(l), { CNI_CONTAINERID: 'p', CNI_NETNS: `/proc/${c.pid}/ns/net`, CNI_IFNAME: 'eth0' });
  t.equal(r.status, 0, 'runs with CNI_* alone in its environment (no PATH)');
  t.same((await Netns.current().links()).map((x) => x.name), hostBefore, 'this namespace unchanged');
});

t.test('agent mode: a caller in another namespace is served there; the socket is root-only; no agent, or a dead one, is plain mode; a dropped call is "try again"', { skip: NEED_REF }, async (t) => {
  const l = await lab(t, 'agent');
  // A second runtime namespace, whose calls go to the same agent (which runs in l.sandbox).
  const other = await runtime(t, join(l.dir, 'var-lib-other'));
  const c = await standInContainer(t);
  const plugin = join(l.bin, 'netns-link-bridge');
  const env = { CNI_CONTAINERID: 'x1', CNI_NETNS: `/proc/${c.pid}/ns/net`, CNI_IFNAME: 'eth0', CNI_PATH: `${l.bin}:${REF}` };
  const add = await runFrom(other, plugin, 'ADD', bridgeConf(l), env);
  t.equal(add.status, 0, add.stdout);
  await new Promise((r) => setTimeout(r, 20));
  t.equal(l.calls().agent, 1, 'the agent answered it');
  const [mine, theirs] = await Promise.all([l.host(), Netns.fromPid(other)]);
  t.teardown(() => [mine, theirs].forEach((n) => n.close()));
  t.same((await mine.links()).map((x) => x.name), ['lo'], "nothing made in the agent's own namespace");
  t.same((await theirs.links()).filter((x) => x.kind === 'bridge').map((x) => x.name), ['cni9'], "the bridge made in the caller's");
  t.equal((await theirs.links()).filter((x) => x.kind === 'veth').length, 1, 'and the host end of the pair');
  t.equal((await theirs.natRules()).length, 1, 'and the masquerade');
  t.same(await mine.natRules(), [], 'none in the agent\'s');
  t.equal((await runFrom(other, plugin, 'DEL', bridgeConf(l), env)).status, 0);
  t.same((await theirs.links()).filter((x) => x.kind === 'veth'), [], 'DEL removed it there');
  t.same(await theirs.natRules(), []);

  t.equal(statSync(l.socket).mode & 0o777, 0o600, 'the socket is 0600: root only');
  const second = spawnSync(NSENTER, [...enter(l.sandbox), process.execPath, cli, 'cni', 'serve', '--socket', l.socket], { encoding: 'utf8', timeout: 10_000 });
  t.equal(second.status, 1, 'a second agent on the same socket is refused');
  t.match(second.stderr, /an agent already answers on /u);

  // Stopped, with a client connected that never finishes its call: the agent does not wait for
  // it; the socket is gone and the client runs the call itself.
  const idle = createConnection(l.socket);
  await new Promise((r) => idle.once('connect', r));
  idle.write('NLCNI1\0bridge\0');
  const idleEnded = new Promise((r) => idle.once('close', r));
  idle.on('error', () => undefined);
  const stopping = Date.now();
  await l.stopAgent();
  t.ok(Date.now() - stopping < 5000, `SIGTERM ends the agent at once (${Date.now() - stopping} ms), a client still sending or not`);
  await idleEnded;
  t.notOk(existsSync(l.socket), 'a stopped agent removes its socket');
  const plain = await runFrom(other, plugin, 'VERSION', { cniVersion: '1.0.0' }, {});
  t.match(plain.out, { cniVersion: '1.0.0' }, 'no agent: plain mode answers');

  // An agent that died (its socket left, nobody listening): plain mode too; a new agent replaces it.
  const dead = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(l.socket)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((r) => dead.stdout.once('data', r));
  dead.kill('SIGKILL');
  await new Promise((r) => dead.once('exit', r));
  t.ok(existsSync(l.socket), 'a stale socket');
  t.match((await runFrom(other, plugin, 'VERSION', { cniVersion: '1.0.0' }, {})).out, { cniVersion: '1.0.0' }, 'a stale socket: plain mode answers');

  // An agent that takes the call and drops it: the runtime is told to try again (code 11).
  const dropping = createServer((s) => s.destroy());
  await new Promise<void>((r) => {
    rmSync(l.socket, { force: true });
    dropping.listen(l.socket, r);
  });
  const dropped = await runFrom(other, plugin, 'ADD', bridgeConf(l), env);
  await new Promise<void>((r) => dropping.close(() => r()));
  t.equal(dropped.status, 1);
  t.match(dropped.out, { code: 11, msg: /agent/u }, 'code 11: try again later');
  t.same((await theirs.links()).filter((x) => x.kind === 'veth'), [], 'and nothing was made');

  // A request that is not the client's, and one naming a pid in another namespace: refused.
  const ask = (data: Buffer): Promise<string> =>
    new Promise((resolve) => {
      const s = createConnection(l.socket);
      let out = '';
      s.on('data', (d) => (out += d));
      s.on('close', () => resolve(out));
      s.end(data);
    });
  const agent = spawn(NSENTER, [...enter(l.sandbox), process.execPath, cli, 'cni', 'serve', '--socket', l.socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    agent.kill('SIGTERM');
  });
  await new Promise((r) => agent.stdout.once('data', r));
  t.match(await ask(Buffer.from('GET / HTTP/1.0\r\n\r\n')), /^1\n.*"code":999.*the request ends inside its header/su, 'not a client: refused');
  t.match(await ask(Buffer.from('NLCNI0\0bridge\0')), /^1\n.*does not start with NLCNI1/su, 'another protocol version: refused');
  const me = statSync('/proc/self/ns/net', { bigint: true });
  const liar = Buffer.from(`NLCNI1\0bridge\0${c.pid}\0${me.dev}:${me.ino}\0CNI_COMMAND=VERSION\0\0{}`);
  t.match(await ask(liar), /^1\n.*is not in the network namespace the call names/su, 'a pid that is not in the namespace named: refused');
});

both('vlan: the port in its VLAN where the kernel filters by VLAN; where it cannot, refused as the reference is refused, leaving nothing', { skip: NEED_REF }, async (t, lab) => {
  const ours = await lab(t);
  const ref = await lab(t);
  const [c1, c2] = [await standInContainer(t), await standInContainer(t)];
  const env = (c: { pid: number }) => ({ CNI_CONTAINERID: 'vl', CNI_NETNS: `/proc/${c.pid}/ns/net`, CNI_IFNAME: 'eth0' });
  const conf = (l: Lab) => bridgeConf(l, { vlan: 100, isGateway: false, ipMasq: false, preserveDefaultVlan: false }, '198.18.8.0/24');
  const a = await ours.run(join(ours.bin, 'netns-link-bridge'), 'ADD', conf(ours), env(c1));
  const b = await ref.run(join(REF, 'bridge'), 'ADD', conf(ref), { ...env(c2), PATH: '/usr/sbin:/usr/bin:/sbin:/bin' });
  t.equal(a.status, b.status, `the same outcome as the reference: ${a.stdout} / ${b.stdout}`);
  const [host, n1] = await Promise.all([ours.host(), Netns.fromPid(c1.pid)]);
  t.teardown(() => [host, n1].forEach((n) => n.close()));
  if (b.status !== 0) {
    // This kernel: no VLAN filtering in its bridge.
    t.match(a.out, { code: 999, msg: b.out.msg.replace(/operation not supported$/u, '') }, 'the reference\'s message');
    t.same((await host.links()).map((x) => x.name), ['lo'], 'nothing left on the runtime side');
    t.same((await n1.links()).map((x) => x.name), ['lo'], 'nor in the container');
    t.same(readdirSync(join(ours.dir, 'ipam')).filter((f) => f !== 'testnet'), [], 'no lease');
    t.pass('the port in its VLAN', { skip: "this kernel's bridge has no VLAN filtering (the reference is refused too)" });
    return;
  }
  const veth = (await host.links()).find((x) => x.kind === 'veth')!;
  t.same((await host.bridgeVlans({ dev: veth.name })).map((v) => ({ vid: v.vid, pvid: v.pvid, untagged: v.untagged })), [{ vid: 100, pvid: true, untagged: true }], 'VLAN 100, PVID and untagged; VLAN 1 removed');
  t.match((await host.link('cni9')).info, { kind: 'bridge', vlanFiltering: true }, 'the bridge filters by VLAN');
});

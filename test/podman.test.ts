// A real container engine as the client of netns-link-bridge: Debian's podman 4.3 with its CNI
// backend runs `podman run --rootfs` on a busybox-static root file system. podman runs inside a
// sandbox the test makes (`unshare --net --mount`), never in the host's namespaces: the bridge,
// the veths and the NAT rules it has made land in the sandbox's network namespace, and with /run,
// /var/lib and /dev/shm bound to directories of the test's own temporary directory, so are its
// state, the CNI cache (/var/lib/cni) and the plugin's records. Everything else podman would
// write (storage, runroot, tmpdir, network configs, containers.conf, storage.conf) is there too.
//
// Needs (Debian 12): podman busybox-static containernetworking-plugins (and iptables, for the
// reference portmap plugin chained after ours; without it portmap is left out).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { Netns } from '../dist/index.js';
import { eventually, hasCommand, run, SLEEP_MARK, type Teardown } from './helpers';

const REF = '/usr/lib/cni';
const BUSYBOX = '/bin/busybox';
const NET = 'nlt-pm';
const BRIDGE = 'nlt-pm0';
const SUBNET = '198.18.40.0/24';
const GATEWAY = '198.18.40.1';
const cli = join(__dirname, '..', 'dist', 'cli.js');
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function podmanVersion(): string | null {
  try {
    return execFileSync('podman', ['--version'], { encoding: 'utf8', env: { PATH } }).trim();
  } catch {
    return null;
  }
}

/** Why these tests cannot run here, or false. Never a silent pass. */
function skipReason(): string | false {
  if (process.getuid?.() !== 0) return 'podman with a CNI network needs root';
  const version = podmanVersion();
  if (!version) return 'podman is the client: apt-get install podman (Debian 12: podman 4.3, with crun and conmon)';
  const major = Number(/(\d+)\.\d+/u.exec(version)?.[1] ?? 0);
  if (major >= 5) return `${version} has no CNI backend (removed in podman 5); this test needs podman 4.x`;
  if (!existsSync(BUSYBOX)) return 'the container\'s root file system is busybox-static: apt-get install busybox-static';
  if (!existsSync(join(REF, 'host-local'))) return 'host-local is the IPAM: apt-get install containernetworking-plugins';
  if (!hasCommand('nsenter') || !hasCommand('unshare')) return 'nsenter and unshare (util-linux)';
  return false;
}
const SKIP = skipReason();
/** portmap, chained after ours, runs iptables (iptables-nft on Debian): both, or portmap is left out. */
const PORTMAP = existsSync(join(REF, 'portmap')) && hasCommand('iptables');

/**
 * `nofile` and `nproc` at most what this process has. podman's defaults for root (1048576 and
 * more) need CAP_SYS_RESOURCE, which this machine's root lacks: without these, every container
 * fails with "crun: setrlimit `RLIMIT_NOFILE`: Operation not permitted: OCI permission denied".
 */
function ulimits(): string[] {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const soft = (what: string, cap: number): number => {
    const m = new RegExp(`^${what}\\s+(\\d+|unlimited)`, 'mu').exec(limits);
    return !m || m[1] === 'unlimited' ? cap : Math.min(cap, Number(m[1]));
  };
  const nofile = soft('Max open files', 1024);
  const nproc = soft('Max processes', 4096);
  return ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`];
}

interface Sandbox {
  dir: string;
  /** The holder of the sandbox's network and mount namespaces, the runtime's "host". */
  pid: number;
  rootfs: string;
  /** The host-local leases of the network. */
  leases(): string[];
  /** The plugin's records of the network (in the configuration's dataDir). */
  records(): string[];
  /** libcni's cache of results (/var/lib/cni/results, bound into dir). */
  cached(): string[];
  podman(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** More environment for podman (and, through it, for the plugins it runs). */
  env: Record<string, string>;
  /** A container's process, killed in teardown if podman could not remove it (and still in the namespace it had). */
  started(pid: number): void;
  host(): Promise<Netns>;
  /** The calls the agent answered (agent mode), as it logs them. */
  answered(): string[];
}

/** Plain: the client runs each call with node. Agent: `netns-link cni serve` runs in the sandbox and answers them. */
type Mode = 'plain' | 'agent';

/**
 * A test in both modes; in agent mode podman's ADD and DEL (its cleanup process's too) must have
 * been answered by the agent.
 */
function both(name: string, body: (t: Test, sandbox: (t: Teardown, plugins: (dir: string) => object[]) => Promise<Sandbox>) => Promise<void>): void {
  for (const mode of ['plain', 'agent'] as const) {
    t.test(`${name} (${mode} mode)`, { skip: SKIP }, async (t) => {
      let made: Sandbox | undefined;
      await body(t, async (tt, plugins) => (made = await sandbox(tt, mode, plugins)));
      const calls = made?.answered() ?? [];
      if (mode === 'agent') t.ok(calls.some((l) => l.startsWith('ADD ')) && calls.some((l) => l.startsWith('DEL ')), `the agent answered podman's ADD and DEL: ${calls.length} calls`);
      else t.same(calls, [], 'plain mode: no agent');
    });
  }
}

/** Runs a program to its end (killed after `ms`) and captures its status and output, failing or not. */
async function captured(file: string, args: string[], ms = 30000): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { timeout: ms, killSignal: 'SIGKILL', maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number | string; stdout: string; stderr: string; killed?: boolean };
    return { code: typeof x.code === 'number' ? x.code : -1, stdout: x.stdout ?? '', stderr: `${x.stderr ?? ''}${x.killed ? `\n(killed after ${ms} ms)` : ''}` };
  }
}

function nsOf(pid: number | 'self', kind: 'net' | 'mnt'): string {
  return readlinkSync(`/proc/${pid}/ns/${kind}`);
}

async function sandbox(t: Teardown, mode: Mode, plugins: (dir: string) => object[]): Promise<Sandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'netns-link-podman-'));
  const p = (...parts: string[]) => join(dir, ...parts);
  for (const d of ['run', 'var-lib', 'shm', 'home', 'tmp', 'net.d', 'storage', 'runroot', 'ipam', 'rootfs/bin', 'rootfs/proc', 'rootfs/sys', 'rootfs/dev', 'rootfs/etc', 'rootfs/tmp', 'rootfs/www']) {
    mkdirSync(p(d), { recursive: true });
  }
  const started: { pid: number; net: string }[] = [];
  let holder: ChildProcess | undefined;
  const sb: Sandbox = {
    dir,
    pid: 0,
    rootfs: p('rootfs'),
    started: (pid) => {
      try {
        if (Number.isInteger(pid) && pid > 1) started.push({ pid, net: nsOf(pid, 'net') });
      } catch {
        // already gone
      }
    },
    leases: () => (existsSync(p('ipam', NET)) ? readdirSync(p('ipam', NET)).filter((f) => /^\d/u.test(f)) : []),
    records: () => (existsSync(p('state', NET)) ? readdirSync(p('state', NET)) : []),
    env: {},
    cached: () => (existsSync(p('var-lib', 'cni', 'results')) ? readdirSync(p('var-lib', 'cni', 'results')) : []),
    podman: (...args) =>
      captured('nsenter', [
        `--net=/proc/${sb.pid}/ns/net`, `--mount=/proc/${sb.pid}/ns/mnt`, `--wd=${dir}`,
        'env', '-i', `PATH=${PATH}`, `HOME=${p('home')}`, `TMPDIR=${p('tmp')}`,
        `CONTAINERS_CONF=${p('containers.conf')}`, `CONTAINERS_STORAGE_CONF=${p('storage.conf')}`,
        ...Object.entries(sb.env).map(([k, v]) => `${k}=${v}`),
        'podman', '--root', p('storage'), '--runroot', p('runroot'), '--tmpdir', p('tmp'),
        '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file',
        ...args,
      ]),
    host: () => Netns.fromPid(sb.pid),
    answered: () => [],
  };

  // Teardown, pass or fail: podman removes what it still has, then whatever still lives in the
  // sandbox's namespaces (conmon, the containers, the holder: all started here) is killed by pid.
  t.teardown(async () => {
    if (holder && holder.exitCode === null && holder.signalCode === null && sb.pid) {
      await sb.podman('rm', '--all', '--force', '--time', '0');
      try {
        const marks = new Set([nsOf(sb.pid, 'net'), nsOf(sb.pid, 'mnt')]);
        for (const pid of readdirSync('/proc').filter((x) => /^\d+$/u.test(x)).map(Number)) {
          try {
            if (pid > 1 && pid !== sb.pid && pid !== process.pid && (marks.has(nsOf(pid, 'net')) || marks.has(nsOf(pid, 'mnt')))) started.push({ pid, net: nsOf(pid, 'net') });
          } catch {
            // gone meanwhile
          }
        }
      } catch {
        // the holder is gone
      }
    }
    for (const { pid, net } of started) {
      try {
        if (nsOf(pid, 'net') === net) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    holder?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  // The container's root file system: busybox-static and its applets, nothing else.
  execFileSync('cp', [BUSYBOX, p('rootfs', 'bin', 'busybox')]);
  execFileSync('chroot', [p('rootfs'), '/bin/busybox', '--install', '-s', '/bin']);
  writeFileSync(p('rootfs', 'www', 'index.html'), 'served by a podman container\n');
  execFileSync(process.execPath, [cli, 'cni', 'install', '--dir', p('bin'), '--socket', p('agent.sock')]);

  writeFileSync(p('net.d', `${NET}.conflist`), JSON.stringify({ cniVersion: '1.0.0', name: NET, plugins: plugins(dir) }, null, 2));
  writeFileSync(
    p('containers.conf'),
    `[containers]
cgroups = "disabled"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${p('tmp', 'events.log')}"
tmp_dir = "${p('tmp')}"
lock_type = "file"

[network]
network_backend = "cni"
cni_plugin_dirs = ["${p('bin')}", "${REF}"]
network_config_dir = "${p('net.d')}"
`,
  );
  writeFileSync(p('storage.conf'), `[storage]\ndriver = "vfs"\ngraphroot = "${p('storage')}"\nrunroot = "${p('runroot')}"\n`);

  // The sandbox: its own network namespace and a private mount namespace in which /run, /var/lib
  // and /dev/shm are directories of dir. On a hybrid cgroup host whose cgroup2 hierarchy has
  // controllers (here: hugetlb), crun refuses every container ("cgroups in hybrid mode not
  // supported, drop all controllers from cgroupv2") even with --cgroups=disabled; the sandbox
  // unmounts /sys/fs/cgroup/unified (in its own mount namespace only), so crun sees cgroup v1.
  const script = `set -e
mount --bind '${p('run')}' /run
mount --bind '${p('var-lib')}' /var/lib
mount --bind '${p('shm')}' /dev/shm
if [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ] && [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then umount /sys/fs/cgroup/unified; fi
echo ready
exec sleep ${SLEEP_MARK}`;
  holder = spawn('unshare', ['--net', '--mount', '--propagation', 'private', 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH } });
  const h = holder;
  let err = '';
  h.stderr!.on('data', (d) => (err += d));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    h.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('ready\n')) resolve();
    });
    h.on('exit', (code) => reject(new Error(`the sandbox did not start (exit ${code}): ${err}`)));
    setTimeout(() => reject(new Error(`the sandbox did not start in 10 s: ${err}`)), 10000).unref();
  });
  sb.pid = h.pid!;
  if (nsOf(sb.pid, 'net') === nsOf('self', 'net') || nsOf(sb.pid, 'mnt') === nsOf('self', 'mnt')) throw new Error('the sandbox shares a namespace with the test');
  if (mode === 'agent') {
    // The agent beside the runtime, in its network and mount namespaces (killed with the sandbox).
    const agent = spawn('nsenter', [`--net=/proc/${sb.pid}/ns/net`, `--mount=/proc/${sb.pid}/ns/mnt`, process.execPath, cli, 'cni', 'serve', '--socket', p('agent.sock')], { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH } });
    let log = '';
    await new Promise<void>((resolve, reject) => {
      agent.stdout!.on('data', (d) => {
        log += d;
        if (log.startsWith('serving on ')) resolve();
      });
      agent.once('exit', (code) => reject(new Error(`the agent exited (${code}): ${log}`)));
    });
    sb.answered = () => log.split('\n').filter((l) => /^[A-Z]+ netns-link-bridge /u.test(l));
  }
  return sb;
}

function bridgePlugin(dir: string): object {
  return { type: 'netns-link-bridge', bridge: BRIDGE, isGateway: true, ipMasq: true, dataDir: join(dir, 'state'), ipam: { type: 'host-local', subnet: SUBNET, routes: [{ dst: '0.0.0.0/0' }], dataDir: join(dir, 'ipam') } };
}

/** An HTTP GET from inside the sandbox's network namespace (node as the client: Debian 12's busybox-static `wget -T` segfaults). */
function httpGetInSandbox(pid: number, url: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = `require('http').get(process.argv[1], { timeout: 3000 }, (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => { process.stdout.write(b); process.exit(r.statusCode === 200 ? 0 : 1); }); }).on('error', (e) => { console.error(e.message); process.exit(2); });`;
  return captured('nsenter', [`--net=/proc/${pid}/ns/net`, 'env', '-u', 'NODE_OPTIONS', process.execPath, '-e', script, url], 10000);
}

const hostLinks = async (): Promise<string[]> => (await Netns.current().links()).map((l) => l.name).sort();

both('podman run --rm: the container gets an address of the network with its prefix, a default route, and reaches its gateway; its exit undoes everything', async (t, sandbox) => {
  const before = await hostLinks();
  const sb = await sandbox(t, (dir) => [bridgePlugin(dir)]);
  const r = await sb.podman('run', '--rm', '--cgroups=disabled', ...ulimits(), '--network', NET, '--rootfs', sb.rootfs, '/bin/sh', '-c', `ip -4 addr show dev eth0; ip -4 route; ping -c 3 -i 0.2 -W 1 ${GATEWAY} && echo PING-OK`);
  t.equal(r.code, 0, `podman run: ${r.stderr}`);
  const m = /inet (198\.18\.40\.(\d+))\/(\d+) /u.exec(r.stdout);
  t.ok(m, 'an IPv4 address on eth0', { stdout: r.stdout });
  t.equal(m?.[3], '24', 'with the subnet\'s prefix');
  t.ok(Number(m?.[2]) > 1 && Number(m?.[2]) < 255, `in ${SUBNET}, not the gateway`);
  t.match(r.stdout, new RegExp(`default via ${GATEWAY.replace(/\./gu, '\\.')} dev eth0`, 'u'), 'the default route through the gateway (ipam routes)');
  t.match(r.stdout, /PING-OK/u, 'the container pings its gateway (busybox ping)');

  // podman's cleanup (conmon's exit command: `podman container cleanup --rm`) runs CNI DEL.
  const host = await sb.host();
  t.teardown(() => host.close());
  t.ok(await eventually(async () => (await host.links()).every((l) => l.kind !== 'veth'), 5000), 'no veth left in the sandbox');
  t.same(await host.natRules(), [], 'the masquerade removed');
  t.same(sb.leases(), [], 'the lease released');
  t.same(sb.records(), [], 'the plugin\'s record removed');
  t.same(sb.cached(), [], 'libcni\'s cached result removed');
  t.same(await hostLinks(), before, 'the host\'s namespace unchanged');
});

both('podman run -d: the bridge and its veth in the sandbox while it runs, a result podman understood, portmap chained after ours; podman rm -f undoes it', async (t, sandbox) => {
  const before = await hostLinks();
  // portmap after ours, as the README's conflist has it: it takes our result as its prevResult.
  const sb = await sandbox(t, (dir) => [bridgePlugin(dir), ...(PORTMAP ? [{ type: 'portmap', capabilities: { portMappings: true } }] : [])]);

  const run = await sb.podman('run', '-d', '--name', 'web', '--cgroups=disabled', ...ulimits(), '--network', NET, ...(PORTMAP ? ['-p', '8080:80'] : []), '--rootfs', sb.rootfs, '/bin/httpd', '-f', '-p', '80', '-h', '/www');
  t.equal(run.code, 0, `podman run -d: ${run.stderr}`);
  const inspect = await sb.podman('inspect', '--format', '{{.State.Pid}} {{.State.ConmonPid}} {{json .NetworkSettings.Networks}}', 'web');
  t.equal(inspect.code, 0, `podman inspect: ${inspect.stderr}`);
  const [pid, conmon, ...json] = inspect.stdout.trim().split(' ');
  sb.started(Number(pid));
  sb.started(Number(conmon));
  const nets = JSON.parse(json.join(' '));
  t.match(nets[NET], { Gateway: GATEWAY, IPAddress: /^198\.18\.40\.\d+$/u, IPPrefixLen: 24, MacAddress: /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/u }, 'podman read our result: address, prefix, gateway, MAC');
  const ip: string = nets[NET].IPAddress;

  const host = await sb.host();
  t.teardown(() => host.close());
  const links = await host.links();
  const br = links.find((l) => l.name === BRIDGE);
  t.match(br, { kind: 'bridge', up: true }, 'the bridge in the sandbox');
  const veths = links.filter((l) => l.kind === 'veth');
  t.equal(veths.length, 1, 'one veth');
  t.equal(veths[0]?.master, br?.index, 'on the bridge');
  t.match(veths[0]?.name, /^veth[0-9a-f]{8}$/u, 'named as the plugin names host ends');
  t.same((await host.addresses({ ifname: BRIDGE, family: 4 })).map((a) => a.cidr), [`${GATEWAY}/24`], 'the gateway on the bridge (isGateway)');

  const container = await Netns.fromPid(Number(pid));
  t.teardown(() => container.close());
  t.same((await container.addresses({ ifname: 'eth0', family: 4 })).map((a) => a.cidr), [`${ip}/24`], 'eth0 in the container\'s namespace has the address podman reports');
  t.ok((await container.routes()).some((r) => r.to === 'default' && r.gateway === GATEWAY), 'and the default route');

  t.same(await host.natRules(), [{ type: 'masquerade', from: `${ip}/32`, notTo: [SUBNET, '224.0.0.0/4'] }], 'the masquerade (ipMasq) of the container\'s address, in the table inet netns_link');
  t.same(sb.leases(), [ip], 'the host-local lease');
  t.equal(sb.records().length, 1, 'the plugin\'s record');

  const ping = await sb.podman('exec', 'web', 'ping', '-c', '2', '-i', '0.2', '-W', '1', GATEWAY);
  t.equal(ping.code, 0, 'podman exec: the container pings its gateway', { stdout: ping.stdout, stderr: ping.stderr });
  if (PORTMAP) {
    const get = await httpGetInSandbox(sb.pid, `http://${GATEWAY}:8080/`);
    t.equal(get.stdout, 'served by a podman container\n', `-p 8080:80 through portmap, chained after ours (prevResult): ${get.stderr}`);
  } else {
    t.comment('portmap left out: it needs /usr/lib/cni/portmap and iptables');
  }

  const rm = await sb.podman('rm', '--force', '--time', '0', 'web');
  t.equal(rm.code, 0, `podman rm -f: ${rm.stderr}`);
  t.same((await host.links()).filter((l) => l.kind === 'veth'), [], 'the veth gone');
  t.ok((await host.links()).some((l) => l.name === BRIDGE), 'the bridge stays, as the reference\'s does');
  t.same(await host.natRules(), [], 'the masquerade gone');
  t.same(sb.leases(), [], 'the lease released');
  t.same(sb.records(), [], 'the plugin\'s record removed');
  t.same(sb.cached(), [], 'libcni\'s cached result removed');
  if (PORTMAP) {
    const nat = await captured('nsenter', [`--net=/proc/${sb.pid}/ns/net`, 'iptables', '-t', 'nat', '-S']);
    t.equal(nat.code, 0, `iptables -t nat -S in the sandbox: ${nat.stderr}`);
    t.notMatch(nat.stdout, /-j DNAT|--to-destination|CNI-DN-/u, 'portmap\'s DNAT gone (DEL ran down the chain)', { rules: nat.stdout });
  }
  const ps = await sb.podman('ps', '--all', '--quiet');
  t.equal(ps.stdout.trim(), '', 'no container left');
  t.same(await hostLinks(), before, 'the host\'s namespace unchanged');
});

both('restart, stop and start, network disconnect and connect: DEL then ADD for the same container, one attachment at a time', async (t, sandbox) => {
  const sb = await sandbox(t, (dir) => [bridgePlugin(dir)]);
  const run = await sb.podman('run', '-d', '--name', 'c', '--cgroups=disabled', ...ulimits(), '--network', NET, '--rootfs', sb.rootfs, '/bin/sleep', '600');
  t.equal(run.code, 0, `podman run -d: ${run.stderr}`);
  const host = await sb.host();
  t.teardown(() => host.close());
  /** What the sandbox holds for the container: its veths, masquerades, leases and records. */
  const held = async () => ({
    veths: (await host.links()).filter((l) => l.kind === 'veth').length,
    nat: (await host.natRules()).map((r) => (r.type === 'masquerade' ? r.from : '')),
    leases: sb.leases(),
    records: sb.records().length,
  });
  const attached = async (what: string) => {
    const ip = (await sb.podman('inspect', '--format', `{{(index .NetworkSettings.Networks "${NET}").IPAddress}}`, 'c')).stdout.trim();
    t.match(ip, /^198\.18\.40\.\d+$/u, `${what}: podman has an address`);
    t.same(await held(), { veths: 1, nat: [`${ip}/32`], leases: [ip], records: 1 }, `${what}: one veth, the masquerade and lease of that address, one record`);
    const ping = await sb.podman('exec', 'c', 'ping', '-c', '1', '-W', '2', GATEWAY);
    t.equal(ping.code, 0, `${what}: the gateway answers`, { stdout: ping.stdout, stderr: ping.stderr });
  };
  const detached = async (what: string) => t.same(await held(), { veths: 0, nat: [], leases: [], records: 0 }, `${what}: nothing left`);

  await attached('run');
  t.equal((await sb.podman('restart', '--time', '0', 'c')).code, 0, 'podman restart');
  await attached('restart');
  t.equal((await sb.podman('stop', '--time', '0', 'c')).code, 0, 'podman stop');
  t.ok(await eventually(async () => (await held()).veths === 0, 5000), 'the veth gone once stopped');
  await detached('stop');
  t.equal((await sb.podman('start', 'c')).code, 0, 'podman start');
  await attached('start');
  t.equal((await sb.podman('network', 'disconnect', NET, 'c')).code, 0, 'podman network disconnect');
  await detached('disconnect');
  t.equal((await sb.podman('network', 'connect', NET, 'c')).code, 0, 'podman network connect');
  await attached('connect');
  t.equal((await sb.podman('rm', '--force', '--time', '0', 'c')).code, 0, 'podman rm -f');
  await detached('rm');
});

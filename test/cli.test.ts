// The netns-link command, run as a user would: exit status, stdout, one-line errors.
import { execFile } from 'node:child_process';
import { existsSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { fakeEngine, namedNetns, runAsNobody, standInContainer, uniqueName } from './helpers';

const bin = join(__dirname, '..', 'dist', 'cli.js');
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [bin, ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

t.test('help for every verb', async (t) => {
  const top = await cli('--help');
  t.equal(top.code, 0);
  for (const verb of ['list', 'attach', 'detach', 'exec']) {
    t.match(top.stdout, new RegExp(`^  ${verb}`, 'mu'));
    const one = await cli(verb, '--help');
    t.equal(one.code, 0, `${verb} --help`);
    t.match(one.stdout, new RegExp(`^usage: netns-link ${verb}`, 'u'));
  }
  const none = await cli();
  t.equal(none.code, 2, 'no verb is a usage error');
  const bad = await cli('frobnicate');
  t.equal(bad.code, 2);
  t.match(bad.stderr, /^netns-link: unknown command "frobnicate"/u);
});

t.test('attach, list, exec and detach a running process\'s namespace', async (t) => {
  const box = await standInContainer(t);
  const name = uniqueName('cli');
  t.teardown(() => cli('detach', name));
  const attached = await cli('attach', name, String(box.pid));
  t.equal(attached.code, 0, attached.stderr);
  t.equal(statSync(`/run/netns/${name}`).ino, statSync(`/proc/${box.pid}/ns/net`).ino, 'a bind mount of its namespace');

  const listed = await cli('list', '--json');
  t.equal(listed.code, 0);
  const row = (JSON.parse(listed.stdout) as { name: string; inode: number; pids: number[]; id: number | null }[]).find((r) => r.name === name);
  t.ok(row, 'listed');
  t.equal(`net:[${row!.inode}]`, readlinkSync(`/proc/${box.pid}/ns/net`));
  t.ok(row!.pids.includes(box.pid), 'with the pid inside');
  const plain = await cli('list');
  t.match(plain.stdout, new RegExp(`^${name}\\tid .+\\tinode ${row!.inode}\\tpids .*${box.pid}`, 'mu'));

  const inside = await cli('exec', name, '--', 'readlink', '/proc/self/ns/net');
  t.equal(inside.code, 0);
  t.equal(inside.stdout.trim(), readlinkSync(`/proc/${box.pid}/ns/net`));
  const status = await cli('exec', name, '--', 'sh', '-c', 'exit 9');
  t.equal(status.code, 9, 'exec exits with the command\'s status');

  const detached = await cli('detach', name);
  t.equal(detached.code, 0);
  t.notOk(existsSync(`/run/netns/${name}`));
  t.ok(existsSync(`/proc/${box.pid}/ns/net`), 'the namespace itself is untouched');
});

t.test('attach --container asks the engine for the pid', async (t) => {
  const box = await standInContainer(t);
  const socket = await fakeEngine(t, { web: { Pid: box.pid, Running: true, Status: 'running' } });
  const name = uniqueName('clictr');
  t.teardown(() => cli('detach', name));
  const r = await cli('attach', name, '--container', 'web', '--socket', socket);
  t.equal(r.code, 0, r.stderr);
  t.equal(statSync(`/run/netns/${name}`).ino, statSync(`/proc/${box.pid}/ns/net`).ino, 'named the container\'s namespace');
  const ghost = await cli('attach', uniqueName('x'), '--container', 'ghost', '--socket', socket);
  t.equal(ghost.code, 1);
  t.match(ghost.stderr, /no such container: ghost/);
});

t.test('failures: one line on stderr, non-zero status', async (t) => {
  const [ns] = await namedNetns(t, 'clifail');
  const cases: [string[], number, RegExp][] = [
    [['detach', uniqueName('none')], 1, /^netns-link: delete netns .*: No such file or directory \(ENOENT\)/u],
    [['attach', ns!.name!, String(process.pid)], 1, /EEXIST/],
    [['attach', uniqueName('x'), 'abc'], 2, /give a PID/],
    [['attach', uniqueName('x'), '999999999'], 1, /pid 999999999 is out of range/],
    [['exec', uniqueName('none'), '--', 'true'], 1, /no namespace named/],
    [['exec', ns!.name!, 'true'], 2, /exec: NAME -- COMMAND/],
    [['list', '--bogus'], 2, /unexpected --bogus/],
  ];
  for (const [args, code, message] of cases) {
    const r = await cli(...args);
    t.equal(r.code, code, `${args.join(' ')}: status ${code}`);
    t.match(r.stderr, message, `${args.join(' ')}: says why`);
    t.ok(r.stderr.trim().split('\n').length <= 2, 'briefly');
  }
});

t.test('exec exits 255 when the command cannot be started inside, as ip netns exec', async (t) => {
  const [ns] = await namedNetns(t, 'cli255');
  // As nobody with no capability: the namespace opens, setns() is refused.
  const r = await runAsNobody(bin, 'exec', ns!.name!, '--', 'true');
  t.equal(r.code, 255, 'status 255');
  t.match(r.stderr, new RegExp(`^netns-link: spawn true in netns ${ns!.name}: Operation not permitted \\(EPERM\\) — entering the namespace \\(setns\\)`, 'u'), 'says where and why');
  t.equal(r.stderr.trim().split('\n').length, 1, 'in one line');
  const own = await cli('exec', ns!.name!, '--', 'sh', '-c', 'exit 255');
  t.equal(own.code, 255, 'a command\'s own 255 passes through');
  t.equal(own.stderr, '', 'with nothing added');
});

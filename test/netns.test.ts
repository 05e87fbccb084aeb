// Namespaces: create, open, list, attach, delete, by pid and path, identity, and iproute2 interop.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { inspect } from 'node:util';
import t from 'tap';
import { NetlinkError, Netns, NETNS_RUN_DIR } from '../dist/index.js';
import { native } from '../dist/native.js';
import { ipJson, namedNetns, nsFdPath, standInContainer, uniqueName } from './helpers';

t.test('a named namespace is what `ip netns add` makes', async (t) => {
  const [ns] = await namedNetns(t, 'named');
  const name = ns!.name!;
  t.ok(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').some((l) => l.split(' ')[0] === name), 'ip netns list shows it');
  t.ok((await Netns.list()).includes(name), 'Netns.list() shows it');
  t.same(ipJson(name, 'link').map((l: any) => l.ifname), ['lo'], 'ip -n NAME works in it: only lo');
  // The name is a bind mount of the namespace: same inode as the one lsns prints.
  t.equal(statSync(`${NETNS_RUN_DIR}/${name}`).ino, ns!.inode, 'inode of the bind mount');
  const mounts = execFileSync('findmnt', ['-n', '-o', 'PROPAGATION', NETNS_RUN_DIR], { encoding: 'utf8' });
  t.match(mounts, /shared/, '/run/netns is a shared mount');
  t.equal(inspect(ns), `Netns <${name} inode ${ns!.inode}>`, 'prints at a glance');
});

t.test('what `ip netns add` made opens; opening never creates', async (t) => {
  const name = uniqueName('ipmade');
  execFileSync('ip', ['netns', 'add', name]);
  t.teardown(() => execFileSync('ip', ['netns', 'del', name]));
  const ns = await Netns.open(name);
  t.teardown(() => ns.close());
  t.equal(ns.inode, statSync(`${NETNS_RUN_DIR}/${name}`).ino);
  t.same((await ns.links()).map((l) => l.name), ['lo']);

  const missing = uniqueName('typo');
  const e = await Netns.open(missing).catch((x: unknown) => x);
  t.ok(e instanceof NetlinkError);
  t.match(e, { code: 'ENOENT', errno: 2, op: 'open', object: { netns: missing } });
  t.match((e as Error).message, new RegExp(`no namespace named ${missing}`));
  t.notOk(existsSync(`${NETNS_RUN_DIR}/${missing}`), 'nothing created');
});

t.test('anonymous namespaces live while held; equals and inode', async (t) => {
  const a = await Netns.create();
  const b = await Netns.fromPath(nsFdPath(a));
  t.teardown(() => {
    a.close();
    b.close();
  });
  t.equal(a.name, null);
  t.ok(a.equals(b), 'the same namespace through another path');
  t.notOk(a.equals(Netns.current()));
  t.equal(inspect(a), `Netns <inode ${a.inode}>`);
  const host = Netns.current();
  t.equal(host.inode, statSync('/proc/self/ns/net').ino);
  t.equal(readlinkSync('/proc/self/ns/net'), `net:[${host.inode}]`);
  host.close();
  t.equal(inspect(host), 'Netns <current closed>');
  const closed = await host.links().catch((x: unknown) => x);
  t.match(closed, { code: 'EBADF' }, 'a closed handle refuses work');
});

t.test('fromPid opens a running process\'s namespace; an exited pid is ENOENT', async (t) => {
  const box = await standInContainer(t);
  const ns = await Netns.fromPid(box.pid);
  t.teardown(() => ns.close());
  t.equal(`net:[${ns.inode}]`, readlinkSync(`/proc/${box.pid}/ns/net`));
  t.equal(ns.pid, box.pid);
  t.equal(inspect(ns), `Netns <pid ${box.pid} inode ${ns.inode}>`);
  t.same((await ns.links()).map((l) => l.name), ['lo']);

  box.kill('SIGKILL');
  await new Promise((r) => box.once('exit', r));
  const e = await Netns.fromPid(box.pid).catch((x: unknown) => x);
  t.match(e, { code: 'ENOENT', op: 'fromPid', object: { pid: box.pid } });
  t.match((e as Error).message, `no process with pid ${box.pid}`);
});

t.test('attach names a running process\'s namespace with a bind mount', async (t) => {
  const box = await standInContainer(t);
  const name = uniqueName('attach');
  const ns = await Netns.attach(name, box.pid);
  t.teardown(async () => {
    await Netns.delete(name).catch(() => undefined);
    ns.close();
  });
  t.equal(`net:[${ns.inode}]`, readlinkSync(`/proc/${box.pid}/ns/net`));
  t.equal(statSync(`${NETNS_RUN_DIR}/${name}`).ino, ns.inode, 'a bind mount: the file is the namespace');
  t.same(ipJson(name, 'link').map((l: any) => l.ifname), ['lo'], 'ip -n NAME sees it');
  const again = await Netns.attach(name, box.pid).catch((x: unknown) => x);
  t.match(again, { code: 'EEXIST', op: 'attach' });

  // The name outlives the process: the namespace lives while the mount holds it.
  box.kill('SIGKILL');
  await new Promise((r) => box.once('exit', r));
  const reopened = await Netns.open(name);
  t.ok(reopened.equals(ns));
  await reopened.delete();
  t.notOk(existsSync(`${NETNS_RUN_DIR}/${name}`), 'delete removes the name');
  t.notOk((await Netns.list()).includes(name));
});

t.test('attach never follows a symlink planted under /run/netns', async (t) => {
  const [ns] = await namedNetns(t, 'victim');
  const name = uniqueName('planted');
  const target = `/tmp/${name}`;
  writeFileSync(target, 'do not mount over me');
  symlinkSync(target, `${NETNS_RUN_DIR}/${name}`);
  t.teardown(() => {
    for (const p of [`${NETNS_RUN_DIR}/${name}`, target]) {
      try {
        unlinkSync(p);
      } catch {
        // already gone
      }
    }
  });
  const e = await Netns.attach(name, ns!).catch((x: unknown) => x);
  t.match(e, { code: 'EEXIST' });
  t.equal(statSync(target).size, 'do not mount over me'.length, 'the link target is untouched');
  const mountPoints = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]);
  t.notOk(mountPoints.includes(target), 'nothing was mounted on it');
});

t.test('a tutorial-style symlink under /run/netns opens, and deleting it removes only the link', async (t) => {
  const box = await standInContainer(t);
  const name = uniqueName('symlink');
  symlinkSync(`/proc/${box.pid}/ns/net`, `${NETNS_RUN_DIR}/${name}`);
  t.teardown(() => {
    try { unlinkSync(`${NETNS_RUN_DIR}/${name}`); } catch { /* deleted by the test */ }
  });
  const ns = await Netns.open(name);
  t.equal(`net:[${ns.inode}]`, readlinkSync(`/proc/${box.pid}/ns/net`));
  await ns.delete();
  t.notOk(existsSync(`${NETNS_RUN_DIR}/${name}`));
  t.ok(existsSync(`/proc/${box.pid}/ns/net`), 'the process is untouched');
});

t.test('names are checked before anything is made', async (t) => {
  for (const bad of ['', '.', '..', 'a/b', '../etc', 'x\0y', 'n'.repeat(256)]) {
    await t.rejects(Netns.create(bad), bad.length > 255 || bad === '' ? RangeError : TypeError, `create(${JSON.stringify(bad)})`);
    await t.rejects(Netns.open(bad), Error);
  }
  await t.rejects(Netns.fromPid(0), RangeError);
  await t.rejects(Netns.fromPid(-1), RangeError);
  await t.rejects(Netns.fromPid(1.5), TypeError);
  await t.rejects(Netns.fromPid('1' as unknown as number), TypeError);
  await t.rejects(Netns.fromPath('/etc/hostname'), { code: 'EINVAL', message: /not a network namespace/ });
  await t.rejects(Netns.fromPath('/proc/self/ns/mnt'), { code: 'EINVAL' });
});

t.test('create refuses a name that exists', async (t) => {
  const [ns] = await namedNetns(t, 'dup');
  await t.rejects(Netns.create(ns!.name!), { code: 'EEXIST', op: 'create', message: /already exists/ });
  t.ok(existsSync(`${NETNS_RUN_DIR}/${ns!.name}`), 'the existing one is untouched');
  t.same((await ns!.links()).map((l) => l.name), ['lo']);
});

t.test('namespaces made together: one thread per CPU makes its share; one that fails fails alone', async (t) => {
  const [taken] = await namedNetns(t, 'takenmany');
  const names = Array.from({ length: 12 }, (_, i) => (i === 7 ? taken!.name! : uniqueName(`many${i}`)));
  const made: Netns[] = [];
  t.teardown(async () => {
    for (const ns of made) await ns.delete().catch(() => undefined);
  });
  const before = native.stats().threads;
  const results = await Promise.allSettled(names.map((n) => Netns.create(n)));
  const threads = native.stats().threads - before;
  for (const r of results) if (r.status === 'fulfilled') made.push(r.value);
  t.match(results[7], { status: 'rejected', reason: { code: 'EEXIST', op: 'create' } }, 'the name that exists: EEXIST');
  t.equal(made.length, 11, 'the eleven others made');
  t.ok(threads <= 1 + cpus().length, `${threads} threads for twelve: the first alone, then one per CPU`);
  const inodes = new Set(made.map((ns) => ns.inode));
  t.equal(inodes.size, 11, 'each its own namespace');
  for (const ns of made) {
    t.equal(statSync(`${NETNS_RUN_DIR}/${ns.name}`).ino, ns.inode, `${ns.name}: named by a bind mount of it`);
    t.same(ipJson(ns.name!, 'link').map((l: any) => l.ifname), ['lo'], `${ns.name}: only lo`);
  }
  await Promise.all(made.map((ns) => ns.createBridge('br0')));
  t.ok(made.every((ns) => ipJson(ns.name!, 'link').some((l: any) => l.ifname === 'br0')), 'each handle\'s socket is in its own namespace');
  t.same((await taken!.links()).map((l) => l.name), ['lo'], 'the existing one untouched');
});

t.test('a stale handle never deletes a name made again since: ESTALE, the new one left alone', async (t) => {
  const name = uniqueName('web');
  const old = await Netns.create(name);
  await Netns.delete(name);
  const fresh = await Netns.create(name);
  t.teardown(() => fresh.delete().catch(() => undefined));
  await t.rejects(old.delete(), { code: 'ESTALE', op: 'delete', message: /now names another namespace/ });
  t.ok(old.closed, 'the stale handle is closed all the same');
  t.ok(existsSync(`${NETNS_RUN_DIR}/${name}`), 'the name is still there');
  const again = await Netns.open(name);
  t.ok(again.equals(fresh), 'and still names the new namespace');
  again.close();
  await fresh.delete();
  t.notOk(existsSync(`${NETNS_RUN_DIR}/${name}`), 'its own handle deletes it');
});

// Names under /run/netns are reached through descriptors only: only nsfs files open as
// namespaces (a FIFO never blocks), a create cannot be redirected by a file swapped for a
// symlink nor stack two mounts on one name, a delete removes a name only while it names the
// namespace meant and unmounts nothing but an nsfs, and a /run/netns that is not a real
// directory is refused before anything is made. Strange /run/netns layouts are built in a child
// process with a private mount namespace and a tmpfs on /run, so nothing reaches the host's.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, promises as fsp, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { native } from '../dist/native.js';
import { Netns, NETNS_RUN_DIR } from '../dist/index.js';
import { openFds, uniqueName } from './helpers';

const { errno } = osConstants;
const { ESTALE, ENOENT } = errno;

/** A native rejection: an Error with the errno. */
function isNativeError(e: unknown): e is Error & { errno: number } {
  return e instanceof Error && typeof (e as { errno?: unknown }).errno === 'number';
}

const TIMEOUT = Symbol('timeout');
/** p's outcome, or TIMEOUT if it takes longer than ms. */
async function within<T>(ms: number, p: Promise<T>): Promise<T | typeof TIMEOUT> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof TIMEOUT>((r) => {
    timer = setTimeout(() => r(TIMEOUT), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** What p rejects with, or 'resolved'. */
function outcome(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => 'resolved', (e: unknown) => e);
}

/** Mounts whose mount point is path (or path's unlinked file), with their fs type. */
function mountsAt(path: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const f = l.split(' ');
      return { at: f[4]!, type: f[f.indexOf('-') + 1]! };
    })
    .filter((m) => m.at === path || m.at === `${path}//deleted`)
    .map((m) => m.type);
}

/** Removes name whatever is left there (stacked mounts included), for teardowns. */
async function scrub(name: string): Promise<void> {
  const path = `${NETNS_RUN_DIR}/${name}`;
  for (let i = 0; i < 8; i++) {
    let there = mountsAt(path).length > 0;
    try {
      statSync(path, { throwIfNoEntry: true });
      there = true;
    } catch {
      // no file
    }
    if (!there) return;
    await Netns.delete(name).catch(() => execFileSync('umount', ['-l', path], { stdio: 'ignore' }));
  }
}

/**
 * Runs body (JavaScript, in an async function with Netns, native, fs, out in scope) in a child
 * `node` with a mount namespace of its own and a tmpfs on /run; resolves with `out`. Whatever
 * the child mounts or names dies with it.
 */
async function inPrivateRun(t: { teardown(fn: () => unknown): void }, body: string, ms = 60_000): Promise<any> {
  const dir = mkdtempSync(join(tmpdir(), 'netns-link-names-'));
  const script = join(dir, 'child.js');
  const dist = join(__dirname, '..', 'dist');
  writeFileSync(
    script,
    `'use strict';
const fs = require('node:fs');
const { Netns } = require(${JSON.stringify(join(dist, 'index.js'))});
const { native } = require(${JSON.stringify(join(dist, 'native.js'))});
const code = (p) => p.then((v) => (v && typeof v.close === 'function' && v.close(), 'resolved'), (e) => e.code ?? e.errno ?? String(e));
const mountsAt = (path) => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\\n').filter(Boolean)
  .map((l) => l.split(' ')).filter((f) => f[4] === path || f[4] === path + '//deleted').map((f) => f[f.indexOf('-') + 1]);
const out = {};
(async () => {
${body}
})().then(
  () => process.stdout.write(JSON.stringify(out)),
  (e) => { process.stdout.write(JSON.stringify({ ...out, crashed: String(e && e.stack) })); process.exitCode = 1; },
);
`,
  );
  const child = spawn(
    'unshare',
    ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount -t tmpfs tmpfs /run && exec "$0" "$@"', process.execPath, script],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.teardown(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const rc = await within(ms, exited);
  if (rc === TIMEOUT) throw new Error(`the child did not finish in ${ms} ms; stderr: ${stderr}`);
  if (!stdout) throw new Error(`the child exited ${rc} without a result; stderr: ${stderr}`);
  return JSON.parse(stdout);
}

t.test('a FIFO is not a namespace: refused at once, and six at once never hold up the pool', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'netns-link-fifo-'));
  const fifos = Array.from({ length: 6 }, (_, i) => join(dir, `fifo${i}`));
  for (const f of fifos) execFileSync('mkfifo', [f]);
  const pending: Promise<unknown>[] = [];
  t.teardown(async () => {
    // A reader stuck in open(2) goes on once a writer is there: nothing stays blocked.
    const writers = fifos.map((f) => openSync(f, constants.O_RDWR | constants.O_NONBLOCK));
    await Promise.allSettled(pending);
    writers.forEach((fd) => closeSync(fd));
    rmSync(dir, { recursive: true, force: true });
  });
  const fds = openFds();

  const one = outcome(Netns.fromPath(fifos[0]!));
  pending.push(one);
  const e = await within(2000, one);
  t.not(e, TIMEOUT, 'fromPath(fifo) settles at once');
  t.match(e, { code: 'EINVAL', message: /not a network namespace/ });

  const all = Promise.all(fifos.map((f) => outcome(Netns.fromPath(f))));
  pending.push(all);
  const unrelated = outcome(fsp.stat(dir));
  pending.push(unrelated);
  const results = await within(3000, all);
  t.not(results, TIMEOUT, 'six at once all settle');
  if (results !== TIMEOUT) for (const r of results) t.match(r, { code: 'EINVAL' });
  t.equal(await within(3000, unrelated), 'resolved', 'an unrelated fs.promises call completes meanwhile');
  t.equal(openFds(), fds, 'no descriptor left');
});

t.test('nsDelete(path, dev, ino) removes the name only while it names that namespace', async (t) => {
  const name = uniqueName('stale');
  const path = `${NETNS_RUN_DIR}/${name}`;
  const held: number[] = [];
  t.teardown(async () => {
    await scrub(name);
    try {
      unlinkSync(path);
    } catch {
      // gone
    }
    for (const fd of held) native.close(fd);
  });
  const fds = openFds();
  const make = async () => {
    const h = await native.nsCreate(NETNS_RUN_DIR, path);
    held.push(h.fd, h.sock!);
    return h;
  };
  const a = await make();
  const stale = await outcome(native.nsDelete(path, a.dev, a.ino + 1));
  t.ok(isNativeError(stale) && stale.errno === ESTALE, `another inode: ESTALE (got ${String(stale)})`);
  t.same(mountsAt(path), ['nsfs'], 'and nothing unmounted');
  t.equal(statSync(path).ino, a.ino);
  t.equal(await outcome(native.nsDelete(path, a.dev, a.ino)), 'resolved', 'its own (dev, ino): removed');
  t.same(mountsAt(path), []);
  t.throws(() => statSync(path), { code: 'ENOENT' });

  const b = await make();
  const old = await outcome(native.nsDelete(path, a.dev, a.ino));
  t.ok(isNativeError(old) && old.errno === ESTALE, 'the name now names another namespace: ESTALE');
  t.equal(statSync(path).ino, b.ino, 'which is left alone');
  await native.nsDelete(path, b.dev, b.ino);

  // A symlink made by hand names what it leads to; deleting removes the link only.
  symlinkSync(`/proc/${process.pid}/fd/${b.fd}`, path);
  const wrong = await outcome(native.nsDelete(path, a.dev, a.ino));
  t.ok(isNativeError(wrong) && wrong.errno === ESTALE, 'a link to another namespace: ESTALE');
  t.equal(await outcome(native.nsDelete(path, b.dev, b.ino)), 'resolved', 'a link to it: removed');
  t.throws(() => statSync(path), { code: 'ENOENT' });

  writeFileSync(path, '');
  const plain = await outcome(native.nsDelete(path, b.dev, b.ino));
  t.ok(isNativeError(plain) && plain.errno === ESTALE, 'a plain file names no namespace: ESTALE, left there');
  t.equal(await outcome(native.nsDelete(path)), 'resolved', 'without (dev, ino) a plain file is just unlinked');
  const gone = await outcome(native.nsDelete(path, b.dev, b.ino));
  t.ok(isNativeError(gone) && gone.errno === ENOENT, 'no name: ENOENT');
  t.throws(() => native.nsDelete(path, b.dev), TypeError, 'dev without ino');

  for (const fd of held.splice(0)) native.close(fd);
  t.equal(openFds(), fds, 'no descriptor left');
});

t.test('create, delete, create of one name at once: never two mounts, and the one left is a resolved create', async (t) => {
  const name = uniqueName('race');
  const path = `${NETNS_RUN_DIR}/${name}`;
  const open: Netns[] = [];
  t.teardown(async () => {
    for (const ns of open) ns.close();
    await scrub(name);
  });
  const fds = openFds();
  let bad = 0;
  const resolvedPerRound = [0, 0, 0];
  for (let round = 0; round < 16; round++) {
    const [c1, , c2] = await Promise.allSettled([Netns.create(name), Netns.delete(name), Netns.create(name)]);
    const made = [c1, c2].flatMap((r) => (r!.status === 'fulfilled' ? [r.value as Netns] : []));
    open.push(...made);
    resolvedPerRound[made.length]!++;
    const mounts = mountsAt(path);
    const nsfs = mounts.filter((m) => m === 'nsfs').length;
    let ok = nsfs <= 1 && mounts.length === nsfs;
    if (ok && nsfs === 1) ok = made.some((ns) => ns.inode === statSync(path).ino);
    if (!ok) {
      bad++;
      t.fail(`round ${round}: mounts ${JSON.stringify(mounts)}, ${made.length} creates resolved`);
    }
    for (const ns of open.splice(0)) ns.close();
    await scrub(name);
  }
  t.comment(`rounds with 0, 1, 2 creates resolved: ${resolvedPerRound.join(', ')}`);
  t.equal(bad, 0, 'every round: at most one nsfs mount on the name, made by a create that resolved');
  t.same(mountsAt(path), []);
  t.equal(openFds(), fds, 'no descriptor left');
});

t.test('the same race at the native level, where nothing serializes it: never two mounts on one name', async (t) => {
  const name = uniqueName('nrace');
  const path = `${NETNS_RUN_DIR}/${name}`;
  const held: number[] = [];
  t.teardown(async () => {
    for (const fd of held.splice(0)) native.close(fd);
    await scrub(name);
  });
  const fds = openFds();
  let bad = 0;
  const resolvedPerRound = [0, 0, 0];
  for (let round = 0; round < 16; round++) {
    const [c1, , c2] = await Promise.allSettled([native.nsCreate(NETNS_RUN_DIR, path), native.nsDelete(path), native.nsCreate(NETNS_RUN_DIR, path)]);
    const made = [c1, c2].flatMap((r) => (r!.status === 'fulfilled' ? [r.value] : []));
    for (const h of made) held.push(h.fd, h.sock!);
    resolvedPerRound[made.length]!++;
    const mounts = mountsAt(path);
    const nsfs = mounts.filter((m) => m === 'nsfs').length;
    let ok = nsfs <= 1 && mounts.length === nsfs;
    if (ok && nsfs === 1) ok = made.some((h) => h.ino === statSync(path).ino);
    if (!ok) {
      bad++;
      t.fail(`round ${round}: mounts ${JSON.stringify(mounts)}, ${made.length} creates resolved`);
    }
    for (const fd of held.splice(0)) native.close(fd);
    await scrub(name);
  }
  t.comment(`rounds with 0, 1, 2 creates resolved: ${resolvedPerRound.join(', ')}`);
  t.equal(bad, 0, 'every round: at most one nsfs mount on the name, made by a create that resolved');
  t.same(mountsAt(path), []);
  t.equal(openFds(), fds, 'no descriptor left');
});

t.test('a create whose file is swapped for a symlink never mounts on the link target', async (t) => {
  const out = await inPrivateRun(
    t,
    `
  const { Worker } = require('node:worker_threads');
  const name = 'swapped';
  const path = '/run/netns/' + name;
  const target = '/run/victim';
  fs.writeFileSync(target, 'do not mount over me');
  (await Netns.create('first')).close();
  await Netns.delete('first');
  const fds = fs.readdirSync('/proc/self/fd').length;
  // [stop, swaps]
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const racer = new Worker(\`
    const fs = require('node:fs');
    const { shared, path, target, dev } = require('node:worker_threads').workerData;
    const link = '/run/netns/.swap';
    while (Atomics.load(shared, 0) === 0) {
      let st;
      try { st = fs.lstatSync(path); } catch { continue; }
      // A plain file just made for a mount, not yet the mount (an nsfs has a dev of its own).
      if (!st.isFile() || st.dev !== dev) continue;
      try { fs.symlinkSync(target, link); } catch {}
      try { fs.renameSync(link, path); Atomics.add(shared, 1, 1); } catch {}
    }
    try { fs.unlinkSync(link); } catch {}
  \`, { eval: true, workerData: { shared, path, target, dev: fs.statSync('/run/netns').dev } });
  const tally = {};
  let mountedOnTarget = 0;
  for (let i = 0; i < 300; i++) {
    const r = await code(Netns.create(name));
    tally[r] = (tally[r] || 0) + 1;
    if (mountsAt(target).length) {
      mountedOnTarget++;
      require('node:child_process').execFileSync('umount', ['-l', target]);
    }
    await Netns.delete(name).catch(() => {});
    try { fs.unlinkSync(path); } catch {}
  }
  Atomics.store(shared, 0, 1);
  await new Promise((r) => racer.once('exit', r));
  // The racer's last swap can land after the loop's last unlink (it saw the file, the loop then
  // removed it, its rename came after): a symlink at the name is the racer's, never the library's.
  let st = null;
  try { st = fs.lstatSync(path); } catch {}
  out.lateSwap = !!st && st.isSymbolicLink() && fs.readlinkSync(path) === target;
  if (out.lateSwap) fs.unlinkSync(path);
  out.tally = tally;
  out.swaps = shared[1];
  out.mountedOnTarget = mountedOnTarget;
  out.target = fs.readFileSync(target, 'utf8');
  out.left = fs.readdirSync('/run/netns');
  // Mounts on the tmpfs's /run/netns, not on the host's it hides.
  const lines = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\\n').map((l) => l.split(' '));
  const runDir = lines.filter((f) => f[4] === '/run/netns' && f[f.indexOf('-') + 1] === 'tmpfs').pop();
  out.mountsInRunDir = lines.filter((f) => f[1] === runDir[0]).map((f) => f.join(' '));
  out.fdsLeft = fs.readdirSync('/proc/self/fd').length - fds;
`,
  );
  t.notOk(out.crashed, out.crashed);
  t.comment(`creates: ${JSON.stringify(out.tally)}, files swapped for a symlink: ${out.swaps}${out.lateSwap ? " (the last after the loop ended, removed)" : ""}`);
  t.ok(out.swaps > 0, 'the racer swapped files');
  t.equal(out.mountedOnTarget, 0, 'the link target never got a mount');
  t.equal(out.target, 'do not mount over me');
  t.same(out.left, [], 'no name left');
  t.same(out.mountsInRunDir, [], 'no mount left in /run/netns');
  t.equal(out.fdsLeft, 0, 'no descriptor left');
});

t.test('/run/netns a symlink: create, attach, delete and open by name refuse it, and reach nothing outside', async (t) => {
  const out = await inPrivateRun(
    t,
    `
  fs.mkdirSync('/run/elsewhere');
  fs.writeFileSync('/run/elsewhere/important', 'keep me');
  fs.symlinkSync('/proc/self/ns/net', '/run/elsewhere/current');
  fs.symlinkSync('/run/elsewhere', '/run/netns');
  const before = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  out.delete = await code(Netns.delete('important'));
  out.important = fs.readFileSync('/run/elsewhere/important', 'utf8');
  out.create = await code(Netns.create('made'));
  out.attach = await code(Netns.attach('attached', Netns.current()));
  out.open = await code(native.nsOpen('/run/netns/current', '/run/netns'));
  out.nsDelete = await code(native.nsDelete('/run/netns/important'));
  out.elsewhere = fs.readdirSync('/run/elsewhere').sort();
  out.mountsChanged = fs.readFileSync('/proc/self/mountinfo', 'utf8') !== before;
  out.stillLink = fs.lstatSync('/run/netns').isSymbolicLink();
`,
  );
  t.notOk(out.crashed, out.crashed);
  t.equal(out.delete, 'ENOTDIR', 'Netns.delete: ENOTDIR');
  t.equal(out.important, 'keep me', 'the file outside is untouched');
  t.equal(out.create, 'ENOTDIR', 'Netns.create: ENOTDIR');
  t.equal(out.attach, 'ENOTDIR', 'Netns.attach: ENOTDIR');
  t.equal(out.open, errno.ENOTDIR, 'nsOpen by name in it: ENOTDIR');
  t.equal(out.nsDelete, errno.ENOTDIR, 'nsDelete: ENOTDIR');
  t.same(out.elsewhere, ['current', 'important'], 'nothing made or removed outside');
  t.notOk(out.mountsChanged, 'no mount made');
  t.ok(out.stillLink);
});

t.test('/run/netns a plain file: create fails ENOTDIR before any mount; a fresh one is made a shared mount', async (t) => {
  const out = await inPrivateRun(
    t,
    `
  fs.writeFileSync('/run/netns', 'a file');
  const before = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  out.create = await code(Netns.create('x'));
  out.mountsChanged = fs.readFileSync('/proc/self/mountinfo', 'utf8') !== before;
  out.file = fs.readFileSync('/run/netns', 'utf8');
  fs.unlinkSync('/run/netns');

  const ns = await Netns.create('fresh');
  out.sameInode = fs.statSync('/run/netns/fresh').ino === ns.inode;
  // Mounts on the tmpfs, not the host's /run/netns it hides.
  out.runDir = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\\n').filter((l) => l.split(' ')[4] === '/run/netns' && / - tmpfs /.test(l))
    .map((l) => /shared:/.test(l) ? 'shared' : 'not shared');
  out.fresh = mountsAt('/run/netns/fresh');
  out.links = (await ns.links()).map((l) => l.name);
  await Netns.delete('fresh');
  ns.close();
  out.after = [fs.readdirSync('/run/netns'), mountsAt('/run/netns/fresh')];
`,
  );
  t.notOk(out.crashed, out.crashed);
  t.equal(out.create, 'ENOTDIR');
  t.notOk(out.mountsChanged, 'no bind mount of the file over itself');
  t.equal(out.file, 'a file');
  t.ok(out.sameInode, 'a name made in a fresh /run/netns is reached by its path');
  t.same(out.runDir, ['shared'], '/run/netns: one mount of its own, shared');
  t.same(out.fresh, ['nsfs']);
  t.same(out.links, ['lo']);
  t.same(out.after, [[], []], 'delete removed it');
});

t.test('a batch of creates shares one preparation of /run/netns: its failure fails only the named ones, its success serves every name', async (t) => {
  const out = await inPrivateRun(
    t,
    `
  fs.writeFileSync('/run/netns', 'a file');
  // The batches the addon is asked to make, by size.
  out.batches = [];
  const many = native.nsCreateMany;
  native.nsCreateMany = (dir, paths) => (out.batches.push(paths.length), many.call(native, dir, paths));
  // One tick: one native batch, two named and an anonymous one between them.
  const mixed = await Promise.allSettled([Netns.create('m1'), Netns.create(), Netns.create('m2')]);
  out.mixed = mixed.map((s) => (s.status === 'fulfilled' ? 'resolved' : s.reason.code));
  out.anonymousLinks = mixed[1].status === 'fulfilled' ? (await mixed[1].value.links()).map((l) => l.name) : null;
  for (const s of mixed) if (s.status === 'fulfilled') s.value.close();
  out.file = fs.readFileSync('/run/netns', 'utf8');
  fs.unlinkSync('/run/netns');

  const batch = await Promise.all(Array.from({ length: 24 }, (_, i) => Netns.create('b' + i)));
  out.byPath = batch.map((ns, i) => fs.statSync('/run/netns/b' + i).ino === ns.inode);
  out.distinct = new Set(batch.map((ns) => ns.inode)).size;
  out.mounts = batch.map((ns, i) => mountsAt('/run/netns/b' + i).join());
  // On the tmpfs, not the host's /run/netns it hides.
  out.runDir = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\\n').filter((l) => l.split(' ')[4] === '/run/netns' && / - tmpfs /.test(l))
    .map((l) => (/ shared:/.test(l) ? 'shared' : 'not shared'));
  await Promise.all(batch.map((ns, i) => Netns.delete('b' + i).then(() => ns.close())));
  out.after = fs.readdirSync('/run/netns');
`,
  );
  t.notOk(out.crashed, out.crashed);
  t.same(out.batches, [3, 24], 'each tick one batch for the addon');
  t.same(out.mixed, ['ENOTDIR', 'resolved', 'ENOTDIR'], 'the named ones fail as the directory did; the anonymous one is made');
  t.same(out.anonymousLinks, ['lo'], 'and works');
  t.equal(out.file, 'a file', 'the file is untouched');
  t.same(out.byPath, Array(24).fill(true), 'every name of the batch reaches its own namespace');
  t.equal(out.distinct, 24);
  t.same(out.mounts, Array(24).fill('nsfs'), 'one nsfs mount on each name');
  t.same(out.runDir, ['shared'], '/run/netns: one mount of its own, shared');
  t.same(out.after, [], 'all deleted');
});

t.test('delete unmounts nothing but a namespace; a plain file, a symlink and a FIFO', async (t) => {
  const out = await inPrivateRun(
    t,
    `
  const { execFileSync } = require('node:child_process');
  (await Netns.create('ns')).close();
  fs.mkdirSync('/run/netns/dir');
  execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', '/run/netns/dir']);
  fs.writeFileSync('/run/netns/dir/inside', 'keep me');
  fs.writeFileSync('/run/netns/bound', '');
  execFileSync('mount', ['--bind', '/etc/hostname', '/run/netns/bound']);
  fs.writeFileSync('/run/netns/plain', '');
  fs.symlinkSync('/nowhere', '/run/netns/link');
  execFileSync('mkfifo', ['/run/netns/fifo']);

  out.dir = await code(Netns.delete('dir'));
  out.dirMount = mountsAt('/run/netns/dir');
  out.inside = fs.readFileSync('/run/netns/dir/inside', 'utf8');
  out.bound = await code(Netns.delete('bound'));
  out.boundMount = mountsAt('/run/netns/bound');
  out.plain = await code(Netns.delete('plain'));
  out.link = await code(Netns.delete('link'));
  const opening = code(Netns.open('fifo'));
  let timer;
  out.openFifo = await Promise.race([opening, new Promise((r) => (timer = setTimeout(() => r('blocked'), 2000)))]);
  clearTimeout(timer);
  if (out.openFifo === 'blocked') fs.closeSync(fs.openSync('/run/netns/fifo', fs.constants.O_RDWR));
  out.openFifoByDir = await code(native.nsOpen('/run/netns/fifo', '/run/netns'));
  out.ns = await code(Netns.delete('ns'));
  out.left = fs.readdirSync('/run/netns').sort();
`,
  );
  t.notOk(out.crashed, out.crashed);
  t.equal(out.dir, 'EINVAL', 'a tmpfs on a directory: EINVAL');
  t.same(out.dirMount, ['tmpfs'], 'still mounted');
  t.equal(out.inside, 'keep me');
  t.equal(out.bound, 'EINVAL', 'a file bind-mounted there: EINVAL');
  t.equal(out.boundMount.length, 1, 'left mounted');
  t.equal(out.plain, 'resolved', 'a plain file is unlinked');
  t.equal(out.link, 'resolved', 'a symlink is unlinked');
  t.equal(out.openFifo, 'EINVAL', 'a FIFO by name: EINVAL at once');
  t.equal(out.openFifoByDir, errno.EINVAL);
  t.equal(out.ns, 'resolved');
  t.same(out.left, ['bound', 'dir', 'fifo'], 'what was refused is left as it was');
});

// Descriptors and sockets: one socket per namespace, nothing outlives its handles, everything
// close-on-exec.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import t from 'tap';
import { Netns } from '../dist/index.js';
import { namedNetns, nsFdPath, openFds } from './helpers';

t.test('no descriptor, socket or namespace outlives its handles', async (t) => {
  // Warm up lazily created things (the host handle's modules, the tap reporter's streams).
  Netns.current().close();
  const fds = openFds();
  const spaces: Netns[] = [];
  for (let i = 0; i < 20; i++) spaces.push(await Netns.create());
  await Promise.all(spaces.map((ns) => ns.createBridge('br0')));
  const reopened = await Promise.all(spaces.map((ns) => Netns.fromPath(nsFdPath(ns))));
  await Promise.all(reopened.map((ns) => ns.links()));
  t.equal(openFds(), fds + 20 * 3, 'per namespace: two handles\' fds and one shared socket');
  for (const ns of [...spaces, ...reopened]) ns.close();
  t.equal(openFds(), fds, 'all closed');
  await t.rejects(spaces[0]!.links(), { code: 'EBADF' });
});

t.test('closing a handle while requests are in flight lets them finish, then frees the socket', async (t) => {
  const fds = openFds();
  const ns = await Netns.create();
  const pending = Promise.all(Array.from({ length: 20 }, (_, i) => ns.createBridge(`c${i}`)));
  const listing = ns.links();
  ns.close();
  await pending;
  t.equal((await listing).length, 21);
  t.equal(openFds(), fds);
});

t.test('every descriptor the library opens is close-on-exec', async (t) => {
  const before = new Set(readdirSync('/proc/self/fd'));
  const named = await namedNetns(t, 'cloexec');
  const anon = await Netns.create();
  const host = Netns.current();
  t.teardown(() => {
    anon.close();
    host.close();
  });
  await Promise.all([named[0]!.links(), anon.links(), host.links()]);
  const ours = readdirSync('/proc/self/fd').filter((fd) => !before.has(fd));
  t.ok(ours.length >= 5, `${ours.length} new descriptors (namespaces and sockets)`);
  for (const fd of ours) {
    let flags: string | undefined;
    try {
      flags = /flags:\s+(\d+)/u.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
    } catch {
      continue; // closed meanwhile (tap's own)
    }
    t.ok(flags !== undefined && (parseInt(flags, 8) & 0o2000000) !== 0, `fd ${fd} (${readlinkSync(`/proc/self/fd/${fd}`)}) has O_CLOEXEC`);
  }
});

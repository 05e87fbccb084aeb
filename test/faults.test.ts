// Faults: a namespace's name removed while requests to it are in flight, a process exiting while
// its namespace is being opened or attached, a link deleted between a lookup and a change. Each
// ends in a clear result or error: no crash, no hang, no leaked descriptor, no stray name.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import t from 'tap';
import { NetlinkError, Netns } from '../dist/index.js';
import { ipJson, namedNetns, openFds, uniqueName } from './helpers';

t.test('a namespace deleted while requests to it are in flight: they complete', async (t) => {
  const fds = openFds();
  const ns = await Netns.create(uniqueName('inflight'));
  const name = ns.name!;
  const work = Promise.allSettled(Array.from({ length: 300 }, (_, i) => ns.createBridge(`b${i}`)));
  await Netns.delete(name); // the name goes; the handle still holds the namespace
  const results = await work;
  t.equal(results.filter((r) => r.status === 'fulfilled').length, 300, 'every request answered');
  t.equal((await ns.links()).length, 301, 'the namespace lived on while held');
  t.notOk(existsSync(`/run/netns/${name}`));
  const closing = ns.links();
  ns.close();
  t.equal((await closing).length, 301, 'a request made before close is answered');
  t.equal(openFds(), fds, 'nothing leaked');
});

t.test('a process exiting while its namespace is opened or attached: a result or ENOENT, nothing left', async (t) => {
  const fds = openFds();
  const names: string[] = [];
  const outcomes = new Map<string, number>();
  for (let round = 0; round < 20; round++) {
    const child = spawn('unshare', ['-n', 'sleep', '30'], { stdio: 'ignore' });
    const pid = child.pid!;
    const name = uniqueName('exiting');
    names.push(name);
    // The kill lands before, among or after the opens, round by round.
    if (round % 3 === 0) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    const attempts = [
      ...Array.from({ length: 5 }, () => Netns.fromPid(pid)),
      Netns.attach(name, pid),
    ];
    if (round % 3 === 1) child.kill('SIGKILL');
    else if (round % 3 === 2) setTimeout(() => child.kill('SIGKILL'), 1);
    for (const r of await Promise.allSettled(attempts)) {
      if (r.status === 'fulfilled') {
        outcomes.set('opened', (outcomes.get('opened') ?? 0) + 1);
        r.value.close();
      } else {
        const e = r.reason as NetlinkError;
        const ok = e instanceof NetlinkError && (e.code === 'ENOENT' || e.code === 'ESRCH');
        t.ok(ok, `a clear error: ${e.message}`);
        outcomes.set(e.code, (outcomes.get(e.code) ?? 0) + 1);
      }
    }
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
    await Netns.delete(name).catch(() => undefined);
  }
  t.comment(`outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  t.ok((outcomes.get('ENOENT') ?? 0) + (outcomes.get('ESRCH') ?? 0) > 0, 'some opens met an exited process');
  t.notOk(readdirSync('/run/netns').some((n) => names.includes(n)), 'no name left behind');
  t.equal(openFds(), fds, 'nothing leaked');
});

t.test('a link deleted between a lookup and a change: ENODEV, nothing made', async (t) => {
  const [ns] = (await namedNetns(t, 'race')) as [Netns];
  for (let i = 0; i < 20; i++) await ns.createVeth(`r${i}`, { peer: `s${i}` });
  // The address's index is looked up at once, when it is called; the delete, queued by then,
  // reaches the kernel first.
  const made: Promise<unknown>[] = [];
  for (let i = 0; i < 20; i++) made.push(ns.deleteLink(`r${i}`));
  await Promise.resolve(); // the deletes' requests are queued (an operation's first await)
  for (let i = 0; i < 20; i++) made.splice(2 * i + 1, 0, ns.addAddress(`r${i}`, `198.18.9.${i}/32`));
  const results = await Promise.allSettled(made);
  for (let i = 0; i < 20; i++) {
    t.equal(results[2 * i]!.status, 'fulfilled', `r${i} deleted`);
    const add = results[2 * i + 1]!;
    t.ok(add.status === 'rejected' && add.reason instanceof NetlinkError && add.reason.code === 'ENODEV', `the change to r${i} failed with ENODEV`);
  }
  t.same(ipJson(ns.name!, 'link').map((l: any) => l.ifname), ['lo'], 'nothing left');
  t.same(ipJson(ns.name!, '-4', 'addr'), [], 'no address anywhere');
});

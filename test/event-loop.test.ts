// The event loop keeps turning: while the kernel waits out a veth delete, and while quick
// requests settle one after another without a turn of their own.
import t from 'tap';
import { Netns } from '../dist/index.js';
import { native } from '../dist/native.js';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ipLink, namedNetns } from './helpers';

/** A timer every `ms`: how often it fired and the longest gap between its runs, once stopped. */
function timerWatch(ms: number): () => { fired: number; longest: number } {
  let fired = 0;
  let longest = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    fired++;
  }, ms);
  return () => {
    clearInterval(timer);
    return { fired, longest };
  };
}

t.test('the event loop keeps turning while the kernel deletes a veth pair', async (t) => {
  const [a, b] = await namedNetns(t, 'loop', 2);
  for (let i = 0; i < 4; i++) await a!.createVeth(`l${i}`, { peer: `m${i}`, peerNetns: b! });
  let ticks = 0;
  let spinning = true;
  const spin = (): void => {
    ticks++;
    if (spinning) setImmediate(spin);
  };
  setImmediate(spin);
  const started = process.hrtime.bigint();
  for (let i = 0; i < 4; i++) await a!.deleteLink(`l${i}`);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  spinning = false;
  t.comment(`4 veth deletes took ${ms.toFixed(1)} ms; the loop turned ${ticks} times meanwhile`);
  t.ok(ms > 10, 'the kernel took its time (RCU grace periods)');
  t.ok(ticks > 50, `the loop turned while waiting (${ticks} turns)`);
  t.same(ipLink(b!.name!).map((l: any) => l.ifname), ['lo']);
});

t.test('a loop of quick requests that settle in place never starves timers', async (t) => {
  const ns = await Netns.create();
  t.teardown(() => ns.close());
  await ns.setUp('lo');
  await ns.addAddress('lo', '198.18.20.1/32');
  // Let the caller wait long for the hot thread, so that nearly every request settles in place
  // (20 ms: a request that takes longer, its thread starved by a loaded machine, settles
  // through the loop; at 50 ms, one such request alone made a 52.8 ms gap).
  const previous = native.quickTimings(20e6);
  t.teardown(() => native.quickTimings(...previous));
  const stop = timerWatch(5);
  const s0 = native.stats();
  const until = performance.now() + 1500;
  let lookups = 0;
  let longestCall = 0;
  while (performance.now() < until) {
    const t0 = performance.now();
    await ns.getRoute('198.18.20.1');
    longestCall = Math.max(longestCall, performance.now() - t0);
    lookups++;
  }
  const { fired, longest } = stop();
  const s1 = native.stats();
  const answered = s1.quickAnswered + s1.quickDirect - s0.quickAnswered - s0.quickDirect;
  t.ok(answered > lookups / 2, `most settled in place: ${answered} of ${lookups}`);
  t.ok(fired >= 100, `a 5 ms timer fired ${fired} times in 1.5 s`);
  // A request the caller makes itself holds the loop for as long as the kernel takes to answer
  // it, which other test files running meanwhile can make long (their work holds the rtnl
  // lock; one run of the suite had a 60.7 ms gap against a 50 ms bound). What the library adds
  // must stay small: the longest gap is at most the longest request and 25 ms more, and under
  // 50 ms when no request was that slow.
  t.ok(longest < Math.max(50, longestCall + 25), `the longest gap between its runs: ${longest.toFixed(1)} ms (the longest request ${longestCall.toFixed(1)} ms)`);
});

t.test('quick requests made by the caller itself keep timers running while the kernel dismantles namespaces (its rtnl lock busy)', async (t) => {
  const ns = await Netns.create();
  t.teardown(() => ns.close());
  await ns.setUp('lo');
  const hosts = await namedNetns(t, 'dism', 120);
  // A veth pair between each two: the kernel deletes them under its rtnl lock as it dismantles.
  await Promise.all(hosts.filter((_, i) => i % 2 === 0).map((h, k) => h.createVeth('a0', { peer: `b${k}`, peerNetns: hosts[2 * k + 1]!, up: true })));
  const stop = timerWatch(2);
  const s0 = native.stats();
  // Deleted and closed: nothing holds them, so the kernel's cleanup runs while the loop below does.
  const deleted = Promise.all(hosts.map(async (h) => {
    await Netns.delete(h.name!);
    h.close();
  }));
  const until = performance.now() + 1500;
  let requests = 0;
  while (performance.now() < until) {
    await ns.addAddress('lo', '198.18.21.1/32');
    await ns.deleteAddress('lo', '198.18.21.1/32');
    requests += 2;
  }
  const { fired, longest } = stop();
  await deleted;
  const s1 = native.stats();
  const direct = s1.quickDirect - s0.quickDirect;
  t.ok(direct > 0, `the caller made exchanges itself meanwhile (${direct} of ${requests})`);
  // The lock was busy: some exchanges went over the limit and left the next ones to the I/O thread.
  const onThread = s1.quickAnswered + s1.quickDeferred - s0.quickAnswered - s0.quickDeferred;
  t.ok(onThread > 0, `and the I/O thread made ${onThread} after a wait for the lock`);
  // An exchange made in place waits out the lock once before the I/O thread takes over: measured
  // 11-43 ms at most here (15-26 with every exchange on the I/O thread); a loop held by every
  // wait would fire the timer a few times, not hundreds.
  t.ok(longest < 100, `the longest gap between a 2 ms timer's runs: ${longest.toFixed(1)} ms`);
  t.ok(fired >= 200, `the timer fired ${fired} times in 1.5 s`);
  t.same(hosts.filter((h) => existsSync(`/run/netns/${h.name}`)), [], 'every namespace deleted');
  t.same((await ns.addresses({ ifname: 'lo', family: 4 })).map((a) => a.address), ['127.0.0.1'], 'the last delete done');
});

// The batcher behind socket opens and namespace creations: the calls of one tick together, the
// calls made while a batch is under way together after it; each answered with its own result or
// failure; a throw never wedges it.
import t from 'tap';
import { whileBusyTogether } from '../dist/batcher.js';
import type { NativeError } from '../dist/native.js';

const later = <T>(v: T): Promise<T> => new Promise((r) => setTimeout(() => r(v), 2));
const failure = (errno: number): NativeError => Object.assign(new Error(`errno ${errno}`), { errno, syscall: 'setns' });

t.test('calls of one tick go together; those made while a batch is under way wait, then go together; each answered on its own', async (t) => {
  const calls: number[][] = [];
  const call = whileBusyTogether<number, { n: number }>(
    (n) => {
      calls.push([n]);
      return later({ n: n * 10 });
    },
    (ns) => {
      calls.push(ns);
      return later(ns.map((n) => (n === 3 ? failure(22) : { n: n * 10 })));
    },
  );
  const answer = (r: PromiseSettledResult<{ n: number }>): number => (r.status === 'fulfilled' ? r.value.n : (r.reason as { errno: number }).errno);
  // One tick: all four in one native call, none of them ahead of the others.
  const results = await Promise.allSettled([1, 2, 3, 4].map((n) => call(n)));
  t.same(calls, [[1, 2, 3, 4]], 'the four calls of one tick together');
  t.same(results.map(answer), [10, 20, 22, 40], 'each its own answer; the failed one its errno');
  // A call alone in its tick goes as itself; the calls made while it is under way go after it, together.
  calls.length = 0;
  const first = call(5);
  await new Promise((r) => process.nextTick(r));
  t.same(calls, [[5]], 'alone in its tick: one(), at the end of the tick');
  const rest = [6, 7, 8].map((n) => call(n));
  t.same(calls, [[5]], 'nothing more goes while it is under way');
  t.same((await Promise.allSettled([first, ...rest])).map(answer), [50, 60, 70, 80]);
  t.same(calls, [[5], [6, 7, 8]], 'those made meanwhile together, once it is done');
  t.same((await call(9)).n, 90, 'idle again: the next goes alone');
  t.same(calls.at(-1), [9]);
});

t.test('a call that throws at once is its rejection, and later calls still go', async (t) => {
  let throwing = true;
  const call = whileBusyTogether<number, { n: number }>(
    (n) => {
      if (throwing) throw new TypeError('bad');
      return later({ n });
    },
    () => {
      throw new TypeError('bad many');
    },
  );
  await t.rejects(call(1), TypeError);
  await t.rejects(Promise.all([call(1), call(2), call(3)]), TypeError, 'the batch of the three made in one tick throws: all rejected');
  throwing = false;
  t.same(await call(7), { n: 7 }, 'not wedged');
});

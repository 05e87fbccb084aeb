// The batcher behind socket opens and namespace creations: the first call alone, the calls made
// meanwhile together; each answered with its own result or failure; a throw never wedges it.
import t from 'tap';
import { whileBusyTogether } from '../dist/batcher.js';
import type { NativeError } from '../dist/native.js';

const later = <T>(v: T): Promise<T> => new Promise((r) => setTimeout(() => r(v), 2));
const failure = (errno: number): NativeError => Object.assign(new Error(`errno ${errno}`), { errno, syscall: 'setns' });

t.test('the first call goes alone, those made meanwhile together, each answered on its own', async (t) => {
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
  const results = await Promise.allSettled([1, 2, 3, 4].map((n) => call(n)));
  t.same(calls, [[1], [2, 3, 4]], 'one alone, then three together');
  t.same(results.map((r) => (r.status === 'fulfilled' ? r.value.n : (r.reason as { errno: number }).errno)), [10, 20, 22, 40], 'each its own answer; the failed one its errno');
  t.same((await call(5)).n, 50, 'idle again: the next goes alone');
  t.same(calls.at(-1), [5]);
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
  await t.rejects(Promise.all([call(1), call(2), call(3)]), TypeError, 'the batch of the two made meanwhile throws: all rejected');
  throwing = false;
  t.same(await call(7), { n: 7 }, 'not wedged');
});

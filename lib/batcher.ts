/**
 * Native calls that are cheaper together: the calls made in one tick while none is under way go
 * at the end of that tick, together (one alone goes as itself); the calls made while a batch is
 * under way wait for it, then all go in one native call. So a lone call pays a tick
 * (microseconds), and a burst (a plan opening every namespace of a topology, a hundred hosts
 * creating their namespaces at once) pays one thread hop. Sending the first at once, alone, put
 * one host's chain ahead of the others and the namespaces of the rest a job later (W1 at
 * N = 100, alternating in one sandbox, three runs of 8–10 repetitions each: the namespaces'
 * phase 57 → 51, 60 → 51 and 51 → 48 ms chained per host; 51 → 46 and 47 → 48 ms phased; the
 * totals within the spread).
 * @internal
 * @packageDocumentation
 */
import { attempt, isNativeError } from './errors.js';
import type { NativeError } from './native.js';

interface Waiting<A, R> {
  arg: A;
  resolve(r: R): void;
  reject(e: unknown): void;
}

/**
 * `one(arg)` for a call alone; `many(args)` for calls that went together, answering each with
 * its result or its failure (a NativeError).
 * @internal
 */
export function whileBusyTogether<A, R extends object>(one: (arg: A) => Promise<R>, many: (args: A[]) => Promise<(R | NativeError)[]>): (arg: A) => Promise<R> {
  let busy = false;
  /** A batch goes at the end of this tick: the calls made until then go with it. */
  let due = false;
  let waiting: Waiting<A, R>[] = [];
  // Runs only with calls waiting and none under way: at the end of the tick that made the first
  // (nothing was under way then, and nothing else starts a batch), or when a batch is done.
  const go = (): void => {
    due = false;
    const batch = waiting;
    waiting = [];
    busy = true;
    const done = (): void => {
      busy = false;
      if (waiting.length) go();
    };
    if (batch.length === 1) {
      const only = batch[0]!;
      attempt(() => one(only.arg)).then(
        (r) => {
          done();
          only.resolve(r);
        },
        (e: unknown) => {
          done();
          only.reject(e);
        },
      );
      return;
    }
    attempt(() => many(batch.map((w) => w.arg))).then(
      (answers) => {
        done();
        batch.forEach((w, i) => {
          const a = answers[i];
          if (a === undefined || isNativeError(a)) w.reject(a);
          else w.resolve(a);
        });
      },
      (e: unknown) => {
        done();
        for (const w of batch) w.reject(e);
      },
    );
  };
  return (arg) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ arg, resolve, reject });
      if (busy || due) return;
      due = true;
      process.nextTick(go);
    });
}

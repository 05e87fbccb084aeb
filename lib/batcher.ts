/**
 * Native calls that are cheaper together: the first call made while none is under way goes at
 * once, alone; the calls made while it is under way wait for it, then all go in one native
 * call. So a lone call pays nothing, and a burst (a plan opening every namespace of a topology,
 * a hundred hosts creating their namespaces at once) pays one thread hop for all but the first.
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
 * `one(arg)` for a call alone; `many(args)` for those that waited, answering each with its
 * result or its failure (a NativeError).
 * @internal
 */
export function whileBusyTogether<A, R extends object>(one: (arg: A) => Promise<R>, many: (args: A[]) => Promise<(R | NativeError)[]>): (arg: A) => Promise<R> {
  let busy = false;
  let waiting: Waiting<A, R>[] = [];
  const go = (): void => {
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
      if (!busy) go();
    });
}

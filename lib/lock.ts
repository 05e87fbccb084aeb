/**
 * A lock file: made with O_EXCL and holding its owner's pid, so that processes (topology
 * applies, CNI calls) exclude each other; a lock whose owner died is taken over.
 *
 * Its file operations are synchronous: a lock file of a few bytes in a local directory (`/run`
 * is a tmpfs) takes microseconds, while each `fs.promises` call is a round trip through the
 * libuv pool (0.3-1 ms each when the pool is busy with namespace work; taking and giving back a
 * lock took five of them). Only the wait for another holder turns the event loop.
 * @internal
 * @packageDocumentation
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock at `path`, polling every `pollMs` while a live process holds it, for at most
 * `timeoutMs`; then rejects with `timedOut(ownerPid)`. Resolves with the function that gives it back.
 * @internal
 */
export async function acquireLock(path: string, timeoutMs: number, timedOut: (owner: number) => Error, pollMs = 10): Promise<() => Promise<void>> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      return () => {
        rmSync(path, { force: true });
        return Promise.resolve();
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      // Given back between our open and this read: try again.
    }
    const owner = Number(text.trim());
    if (owner > 0 && !alive(owner)) {
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw timedOut(owner);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

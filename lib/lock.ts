/**
 * A lock file: made with O_EXCL and holding its owner's pid, so that processes (topology
 * applies, CNI calls) exclude each other; a lock whose owner died is taken over.
 * @internal
 * @packageDocumentation
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
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
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const f = await open(path, 'wx', 0o600);
      await f.write(`${process.pid}\n`);
      await f.close();
      return () => rm(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (owner > 0 && !alive(owner)) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw timedOut(owner);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

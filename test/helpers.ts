// Shared by the live tests: unique namespaces removed in teardown (also when a test fails),
// `ip -j` as the independent oracle, and a stand-in container (`unshare -n sleep`).
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { promisify } from 'node:util';
import { Netns } from '../dist/index.js';

export const run = promisify(execFile);

/** The prefix of every namespace the tests make; scripts/check-clean.js looks for it. */
export const PREFIX = 'nlt-';
/** The marker argument of stand-in containers, so leftovers can be found. */
export const SLEEP_MARK = '86399';

let counter = 0;
export function uniqueName(tag: string): string {
  return `${PREFIX}${process.pid}-${tag}-${++counter}`;
}

export interface Teardown {
  teardown(fn: () => unknown): void;
}

/** Named namespaces that are deleted when the test ends, pass or fail. */
export async function namedNetns(t: Teardown, tag: string, count = 1): Promise<Netns[]> {
  const made: Netns[] = [];
  t.teardown(async () => {
    for (const ns of made) {
      await Netns.delete(ns.name!).catch(() => undefined);
      ns.close();
    }
  });
  for (let i = 0; i < count; i++) made.push(await Netns.create(uniqueName(tag)));
  return made;
}

/** `ip -j [-d] [-s] -n NS ARGS...`, parsed. */
export function ipJson<T = any>(netns: string, ...args: string[]): T {
  const out = execFileSync('ip', ['-j', '-n', netns, ...args], { encoding: 'utf8' });
  return JSON.parse(out || '[]') as T;
}

export function ipLink(netns: string, ifname?: string): any[] {
  return ipJson(netns, '-d', '-s', 'link', 'show', ...(ifname ? ['dev', ifname] : []));
}

/**
 * ping from inside a named namespace; resolves with whether any reply came. A few packets, as
 * the first one on brand-new links can be lost while neighbour discovery settles.
 */
export async function ping(netns: string, address: string, count = 3): Promise<boolean> {
  try {
    await run('ip', ['netns', 'exec', netns, 'ping', '-c', String(count), '-W', '1', '-i', '0.2', '-q', address]);
    return true;
  } catch {
    return false;
  }
}

function nsOf(pid: number | 'self'): string {
  return readlinkSync(`/proc/${pid}/ns/net`);
}

/**
 * A stand-in for a container: `unshare -n sleep`, returned once its namespace differs from
 * ours (before that, /proc/PID/ns/net would still be the host's). Killed in teardown.
 */
export async function standInContainer(t: Teardown): Promise<ChildProcess & { pid: number }> {
  const child = spawn('unshare', ['-n', 'sleep', SLEEP_MARK], { stdio: 'ignore' });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('unshare did not start');
  const host = nsOf('self');
  for (let i = 0; i < 500; i++) {
    try {
      if (nsOf(pid) !== host && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep') {
        return child as ChildProcess & { pid: number };
      }
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('stand-in container never entered its own namespace');
}

/** Polls `check` until it holds (operstate follows carrier with a delay). */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Open file descriptors of this process. */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** The network namespace of each thread of this process. */
export function threadNamespaces(): Map<string, string> {
  const out = new Map<string, string>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      out.set(tid, readlinkSync(`/proc/self/task/${tid}/ns/net`));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

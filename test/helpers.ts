// Shared by the live tests: unique namespaces removed in teardown (also when a test fails),
// `ip -j` as the independent oracle, and a stand-in container (`unshare -n sleep`).
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** `ip -j [-n NS] ARGS...`, parsed; an empty name reads the current namespace (never changes it). */
export function ipJson<T = any>(netns: string, ...args: string[]): T {
  const out = execFileSync('ip', ['-j', ...(netns ? ['-n', netns] : []), ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
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
 * ours (before that, /proc/PID/ns/net would still be the host's). Killed in teardown. A new
 * namespace can wait seconds for the rtnl lock while the kernel tears others down, hence the
 * long deadline; a failing unshare ends the wait at once, with its exit.
 */
export async function standInContainer(t: Teardown, deadlineMs = 30000): Promise<ChildProcess & { pid: number }> {
  const child = spawn('unshare', ['-n', 'sleep', SLEEP_MARK], { stdio: 'ignore' });
  let exited: string | null = null;
  child.once('exit', (code, signal) => (exited = signal ?? `exit code ${code}`));
  child.once('error', (e) => (exited = e.message));
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('unshare did not start');
  const host = nsOf('self');
  const end = Date.now() + deadlineMs;
  while (exited === null && Date.now() < end) {
    try {
      if (nsOf(pid) !== host && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep') {
        return child as ChildProcess & { pid: number };
      }
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(
    exited === null
      ? `stand-in container never entered its own namespace in ${deadlineMs} ms`
      : `unshare -n sleep failed: ${exited}`,
  );
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

/** Whether a command is installed (`command -v`): oracles a test skips without, saying why. */
export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
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

/** Answers GET /containers/{id}/json as the Engine API documents it. */
export async function fakeEngine(t: { teardown(fn: () => unknown): void }, containers: Record<string, { Pid: number; Running: boolean; Status: string }>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'netns-link-docker-'));
  const socket = join(dir, 'docker.sock');
  const server: Server = createServer((req, res) => {
    const m = /^\/containers\/([^/]+)\/json$/u.exec(req.url ?? '');
    const state = m ? containers[decodeURIComponent(m[1]!)] : undefined;
    res.setHeader('Content-Type', 'application/json');
    if (req.method !== 'GET' || !m) {
      res.statusCode = 400;
      res.end(JSON.stringify({ message: 'bad request' }));
    } else if (!state) {
      res.statusCode = 404;
      res.end(JSON.stringify({ message: `No such container: ${m[1]}` }));
    } else {
      res.end(JSON.stringify({ Id: 'f'.repeat(64), Name: `/${m[1]}`, State: state }));
    }
  });
  await new Promise<void>((r) => server.listen(socket, r));
  t.teardown(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });
  return socket;
}

/**
 * A stand-in engine whose every answer `handle` writes itself (dripping, oversized, malformed
 * replies). Open connections are cut and the socket removed in teardown.
 */
export async function scriptedEngine(t: Teardown, handle: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'netns-link-docker-'));
  const socket = join(dir, 'docker.sock');
  const server: Server = createServer(handle);
  await new Promise<void>((r) => server.listen(socket, r));
  t.teardown(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });
  return socket;
}

/** A stand-in engine that answers every inspect with `body` (any JSON value, sent as is). */
export function engineAnswering(t: Teardown, body: unknown): Promise<string> {
  return scriptedEngine(t, (_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(body));
  });
}

/** The pids whose network namespace is `net:[inode]`. */
export function pidsInNamespace(inode: number): number[] {
  const want = `net:[${inode}]`;
  return readdirSync('/proc')
    .filter((p) => /^\d+$/u.test(p))
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/ns/net`) === want;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * `node ARGS...` as uid/gid nobody with every capability dropped (as test/unprivileged.test.ts
 * does), without the NODE_OPTIONS the test runner adds to every child (its imports write files
 * nobody may not write).
 */
export function runAsNobody(...nodeArgs: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCaptured('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--', 'env', '-u', 'NODE_OPTIONS', process.execPath, ...nodeArgs]);
}

/** Runs a program to its end and captures its status and output, failing or not. */
export async function runCaptured(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

/** The path of a descriptor this process holds on `ns` (found by its inode), as /proc/self/fd/N. */
export function nsFdPath(ns: Netns): string {
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === `net:[${ns.inode}]`) return `/proc/self/fd/${fd}`;
    } catch {
      // a descriptor closed meanwhile
    }
  }
  throw new Error(`no descriptor on ${String(ns)}`);
}

/** Two links up in one namespace: eth0 192.0.2.10/24 and eth1 198.18.0.10/24 (a veth pair). */
export async function twoLinks(a: Netns): Promise<void> {
  await a.createVeth('eth0', { peer: 'eth1', up: true });
  await a.setUp('eth1');
  await a.addAddress('eth0', '192.0.2.10/24');
  await a.addAddress('eth1', '198.18.0.10/24');
}

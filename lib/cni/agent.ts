/**
 * The CNI agent, `netns-link cni serve`: a long-running process that answers the plugins' calls
 * on a root-only Unix socket, so a call costs an exec of the small native client
 * (native/cni-client.c) and the work itself, not a Node start and the library's load.
 *
 * The client sends `"NLCNI1\0" TYPE \0 PID \0 DEV:INODE \0 (NAME=VALUE \0)* \0` and then its
 * stdin; the agent answers `STATUS\n` and the plugin's stdout, and closes. The call runs in the
 * caller's network namespace (its pid's, checked against the DEV:INODE it sent), with the
 * caller's environment: a runtime cannot tell which mode answered.
 * @internal
 * @packageDocumentation
 */
import { chmodSync, lstatSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { call, PLUGINS, type PluginType } from './main.js';

/** The largest request taken: a configuration with a big prevResult is a few KiB. */
const MAX_REQUEST = 16 << 20;
const HEADER = 'NLCNI1';

/** One call as the client framed it. */
export interface AgentRequest {
  type: PluginType;
  pid: number;
  /** `DEV:INODE` of the caller's network namespace. */
  netns: string;
  env: Record<string, string>;
  stdin: string;
}

/** Reads a client's request; throws a sentence for a malformed one. */
export function parseRequest(data: Buffer): AgentRequest {
  let at = 0;
  const next = (): string => {
    const end = data.indexOf(0, at);
    if (end < 0) throw new Error('the request ends inside its header');
    const s = data.toString('utf8', at, end);
    at = end + 1;
    return s;
  };
  if (next() !== HEADER) throw new Error('the request does not start with NLCNI1');
  const type = next();
  const pid = Number(next());
  const netns = next();
  if (!(Object.values(PLUGINS) as string[]).includes(type)) throw new Error(`unknown plugin type ${JSON.stringify(type)}`);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error('the request names no caller pid');
  if (!/^\d+:\d+$/u.test(netns)) throw new Error('the request names no caller namespace');
  const env: Record<string, string> = {};
  for (;;) {
    const kv = next();
    if (kv === '') break;
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return { type: type as PluginType, pid, netns, env, stdin: data.toString('utf8', at) };
}

/** `DEV:INODE` of a process's network namespace, or null if it has none to read. */
function namespaceOf(pid: number | 'self'): string | null {
  try {
    const st = statSync(`/proc/${pid}/ns/net`, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

/** What the agent logs of each call. */
export interface CallRecord {
  command: string;
  type: PluginType;
  containerId: string;
  ifname: string;
  status: number;
  ms: number;
}

/** Options of {@link serve}. */
export interface ServeOptions {
  /** Called after each call is answered. */
  onCall?: (record: CallRecord) => void;
}

/** A running agent. */
export interface Agent {
  readonly path: string;
  /** Stops taking calls, waits for those running (not for a client still sending), removes the socket. */
  close(): Promise<void>;
}

/** Whether something answers on `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Listens on `path` (its directory made 0700, the socket 0600: root only). A socket file nobody
 * answers on (an agent that died) is replaced; one an agent answers on is refused, as is a path
 * that is not a socket.
 */
export async function serve(path: string, options: ServeOptions = {}): Promise<Agent> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    const st = lstatSync(path);
    if (!st.isSocket()) throw new Error(`${path} exists and is not a socket`);
    if (await answers(path)) throw new Error(`an agent already answers on ${path}`);
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const self = namespaceOf('self');
  const running = new Set<Promise<void>>();
  const sockets = new Set<Socket>();
  const handle = (sock: Socket): void => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    const chunks: Buffer[] = [];
    let size = 0;
    sock.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_REQUEST) sock.destroy();
      else chunks.push(d);
    });
    sock.on('error', () => undefined);
    sock.on('end', () => {
      const job = answer(Buffer.concat(chunks))
        .catch((e: unknown) => `1\n${JSON.stringify({ cniVersion: '1.1.0', code: 999, msg: `netns-link agent: ${e instanceof Error ? e.message : String(e)}` })}\n`)
        .then((reply) => {
          sock.end(reply);
        });
      running.add(job);
      void job.finally(() => running.delete(job));
    });
  };
  const answer = async (data: Buffer): Promise<string> => {
    const started = process.hrtime.bigint();
    let req: AgentRequest;
    try {
      req = parseRequest(data);
    } catch (e) {
      return `1\n${JSON.stringify({ cniVersion: '1.1.0', code: 999, msg: `netns-link agent: ${(e as Error).message}` })}\n`;
    }
    // The caller waits for the answer, so its pid is its own while the call runs; the namespace
    // it named must be the one its pid has.
    const theirs = namespaceOf(req.pid);
    if (theirs !== req.netns) {
      return `1\n${JSON.stringify({ cniVersion: '1.1.0', code: 999, msg: `netns-link agent: pid ${req.pid} is not in the network namespace the call names` })}\n`;
    }
    const { stdout, status } = await call(req.type, req.env, req.stdin, theirs === self ? null : req.pid);
    options.onCall?.({ command: req.env.CNI_COMMAND ?? '', type: req.type, containerId: req.env.CNI_CONTAINERID ?? '', ifname: req.env.CNI_IFNAME ?? '', status, ms: Number(process.hrtime.bigint() - started) / 1e6 });
    return `${status}\n${stdout ? `${stdout}\n` : ''}`;
  };
  const server: Server = createServer({ allowHalfOpen: true }, handle);
  const mask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(mask);
  }
  chmodSync(path, 0o600);
  return {
    path,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...running]);
      // A client that never finished sending its call is not waited for: it is told to try
      // again (the connection ends without an answer: code 11), and will find no agent.
      for (const sock of sockets) sock.destroy();
      await closed;
      try {
        unlinkSync(path);
      } catch {
        // removed already
      }
    },
  };
}

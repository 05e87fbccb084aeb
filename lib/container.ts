/**
 * Containers: the pid of a running Docker container, asked of the Docker Engine API over its
 * Unix socket (`GET /containers/{id}/json`, `State.Pid`), as `docker inspect -f '{{.State.Pid}}'`.
 * The engine's reply is checked like any input: bounded in time and size, and a pid is taken
 * only from a well-formed reply about a running container.
 * @packageDocumentation
 */
import { stat } from 'node:fs/promises';
import { request } from 'node:http';
import { constants } from 'node:os';
import { contextError, type ErrorContext } from './errors.js';
import { checkBoolean, checkMs, checkOptions, PID_MAX, showValue } from './validate.js';

/** Where the Docker engine listens by default. */
export const DOCKER_SOCKET = '/var/run/docker.sock';

/** Options of {@link Netns.fromContainer}. */
export interface ContainerOptions {
  /** The engine's Unix socket; default `/var/run/docker.sock`. */
  socket?: string;
  /**
   * A deadline, in milliseconds, for the whole exchange with the engine: connecting, the
   * request and the complete reply. A whole number from 1 to 2^31 - 1; default 5000.
   */
  timeout?: number;
  /**
   * Accept a container whose network namespace is this process's own (`docker run --network
   * host`, or a pid the engine sees differently). Refused by default (EPERM), so that changes
   * meant for a container never land in the caller's own namespace. Default false.
   */
  allowOwnNamespace?: boolean;
}

/** The largest reply from the engine that is read: 4 MiB (an inspect is a few KiB). */
const MAX_REPLY = 4 << 20;

const { ENOENT, ESRCH, EIO, ETIMEDOUT, EMSGSIZE, EPROTO, EPERM } = constants.errno;
const CONTAINER = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/u;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function described(v: unknown): string {
  return v === undefined ? 'missing' : showValue(v);
}

function errnoOf(e: unknown): number {
  return (constants.errno as Record<string, number>)[(e as NodeJS.ErrnoException).code ?? ''] ?? EIO;
}

/** GET `path` on the engine, as one exchange bounded by `timeout` ms and {@link MAX_REPLY} bytes. */
function ask(socketPath: string, path: string, timeout: number, ctx: ErrorContext): Promise<{ status: number; body: string }> {
  const failure = (errno: number, hint: string, syscall: string | null = null): Error =>
    contextError({ ...ctx, hints: { [errno]: hint } }, errno, null, syscall);
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (e: Error | null, value?: { status: number; body: string }): void => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      if (e) {
        req.destroy(); // the socket goes at once: nothing more is read
        reject(e);
      } else resolve(value!);
    };
    const tooBig = (): Error =>
      failure(EMSGSIZE, `the engine's reply is larger than ${MAX_REPLY >> 20} MiB (${MAX_REPLY} bytes), the most this client reads`);
    // agent: false: one connection for this exchange, closed after it.
    const req = request({ socketPath, path, method: 'GET', headers: { Host: 'docker' }, agent: false }, (res) => {
      res.on('error', (e) => finish(failure(errnoOf(e), `the engine at ${socketPath} broke off its reply`, 'read')));
      const declared = Number(res.headers['content-length']);
      if (declared > MAX_REPLY) return finish(tooBig());
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_REPLY) return finish(tooBig());
        chunks.push(c);
      });
      res.on('end', () => finish(null, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    const deadline = setTimeout(
      () => finish(failure(ETIMEDOUT, `no complete reply from the engine at ${socketPath} within ${timeout} ms`)),
      timeout,
    );
    req.on('error', (e) => {
      const errno = errnoOf(e);
      finish(failure(errno, `no Docker engine answers at ${socketPath}`, 'connect'));
    });
    req.end();
  });
}

/** The container's main process id. @internal */
export async function containerPid(idOrName: string, options: ContainerOptions | undefined): Promise<number> {
  if (typeof idOrName !== 'string' || !CONTAINER.test(idOrName)) {
    throw new TypeError(`container must be a container id or name, got ${showValue(idOrName)}`);
  }
  const o = checkOptions(options, 'fromContainer options', ['socket', 'timeout', 'allowOwnNamespace']);
  const socketPath = o.socket ?? DOCKER_SOCKET;
  if (typeof socketPath !== 'string' || socketPath.length === 0) throw new TypeError(`socket must be a path, got ${showValue(o.socket)}`);
  const timeout = o.timeout === undefined ? 5000 : checkMs(o.timeout, 'timeout', 1);
  const allowOwn = o.allowOwnNamespace === undefined ? false : checkBoolean(o.allowOwnNamespace, 'allowOwnNamespace');
  const ctx: ErrorContext = {
    op: 'fromContainer',
    object: { container: idOrName, socket: socketPath },
    subject: `container ${idOrName}`,
    hints: {
      [ENOENT]: `no such container: ${idOrName}`,
      [ESRCH]: `container ${idOrName} is not running`,
    },
  };
  const refuse = (errno: number, hint: string, syscall: string | null = null): Error =>
    contextError({ ...ctx, hints: { ...ctx.hints, [errno]: hint } }, errno, null, syscall);
  const malformed = (what: string): Error => refuse(EPROTO, `the engine's reply was malformed: ${what}`);

  const { status, body } = await ask(socketPath, `/containers/${encodeURIComponent(idOrName)}/json`, timeout, ctx);
  if (status === 404) throw contextError(ctx, ENOENT, null);
  let info: unknown;
  try {
    info = JSON.parse(body);
  } catch {
    if (status === 200) throw malformed('the body is not JSON');
    throw contextError(ctx, EIO, `the engine answered ${status} with no JSON`);
  }
  if (status !== 200) {
    const message = isObject(info) && typeof info.message === 'string' ? info.message : body.slice(0, 200);
    throw contextError(ctx, EIO, `the engine answered ${status}: ${message}`);
  }
  if (!isObject(info)) throw malformed(`the body is ${showValue(info)}, not an object`);
  const state = info.State;
  if (!isObject(state)) throw malformed(`State is ${described(state)}${state === undefined ? '' : ', not an object'}`);
  if (typeof state.Running !== 'boolean') throw malformed(`State.Running is ${described(state.Running)}${state.Running === undefined ? '' : ', not true or false'}`);
  if (!state.Running) {
    const how = typeof state.Status === 'string' ? state.Status.slice(0, 64) : 'no status';
    throw refuse(ESRCH, `container ${idOrName} is not running (${how})`);
  }
  const pid = state.Pid;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 1 || pid > PID_MAX) {
    throw malformed(`State.Pid is ${described(pid)}${pid === undefined ? '' : `, not a process id above 1 (2 to ${PID_MAX})`}`);
  }

  // A pid whose namespace is our own would turn changes meant for the container into changes
  // of this process's (the host's) namespace.
  let theirs: { dev: bigint; ino: bigint };
  let ours: { dev: bigint; ino: bigint };
  try {
    [theirs, ours] = await Promise.all([stat(`/proc/${pid}/ns/net`, { bigint: true }), stat('/proc/self/ns/net', { bigint: true })]);
  } catch (e) {
    const errno = errnoOf(e);
    if (errno === ENOENT) throw refuse(ESRCH, `container ${idOrName} is not running (its process ${pid} is gone)`);
    throw refuse(errno, `cannot read the network namespace of the container's process ${pid}`, 'stat');
  }
  if (!allowOwn && theirs.dev === ours.dev && theirs.ino === ours.ino) {
    throw refuse(
      EPERM,
      `container ${idOrName} is in this process's own network namespace (host networking?); pass allowOwnNamespace: true to open it anyway`,
    );
  }
  return pid;
}

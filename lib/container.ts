/**
 * Containers: the pid of a running Docker container, asked of the Docker Engine API over its
 * Unix socket (`GET /containers/{id}/json`, `State.Pid`), as `docker inspect -f '{{.State.Pid}}'`.
 * @packageDocumentation
 */
import { request } from 'node:http';
import { constants } from 'node:os';
import { contextError, type ErrorContext } from './errors.js';
import { checkOptions, showValue } from './validate.js';

/** Where the Docker engine listens by default. */
export const DOCKER_SOCKET = '/var/run/docker.sock';

/** Options of {@link Netns.fromContainer}. */
export interface ContainerOptions {
  /** The engine's Unix socket; default `/var/run/docker.sock`. */
  socket?: string;
  /** Give up after this many milliseconds; default 5000. */
  timeout?: number;
}

const { ENOENT, ESRCH, EIO, ETIMEDOUT } = constants.errno;
const CONTAINER = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/u;

interface Inspect {
  State?: { Pid?: number; Running?: boolean; Status?: string };
  Name?: string;
}

/** The container's main process id. @internal */
export async function containerPid(idOrName: string, options: ContainerOptions | undefined): Promise<number> {
  if (typeof idOrName !== 'string' || !CONTAINER.test(idOrName)) {
    throw new TypeError(`container must be a container id or name, got ${showValue(idOrName)}`);
  }
  const o = checkOptions(options, 'fromContainer options', ['socket', 'timeout']);
  const socketPath = o.socket ?? DOCKER_SOCKET;
  if (typeof socketPath !== 'string' || socketPath.length === 0) throw new TypeError(`socket must be a path, got ${showValue(o.socket)}`);
  const timeout = o.timeout ?? 5000;
  const ctx: ErrorContext = {
    op: 'fromContainer',
    object: { container: idOrName, socket: socketPath },
    subject: `container ${idOrName}`,
    hints: {
      [ENOENT]: `no such container: ${idOrName}`,
      [ESRCH]: `container ${idOrName} is not running`,
    },
  };
  const noEngine = (errno: number): Error =>
    contextError({ ...ctx, hints: { [errno]: `no Docker engine answers at ${socketPath}` } }, errno, null, 'connect');
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ socketPath, path: `/containers/${encodeURIComponent(idOrName)}/json`, method: 'GET', headers: { Host: 'docker' }, timeout }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => {
      const errno = e.code === 'ETIMEDOUT' ? ETIMEDOUT : (constants.errno as Record<string, number>)[e.code ?? ''] ?? EIO;
      reject(noEngine(errno));
    });
    req.end();
  });
  if (status === 404) throw contextError(ctx, ENOENT, null);
  let info: Inspect;
  try {
    info = JSON.parse(body) as Inspect;
  } catch {
    throw contextError(ctx, EIO, `the engine answered ${status} with no JSON`);
  }
  if (status !== 200) throw contextError(ctx, EIO, `the engine answered ${status}: ${(info as { message?: string }).message ?? body}`);
  const pid = info.State?.Pid;
  if (!info.State?.Running || typeof pid !== 'number' || pid <= 0) {
    throw contextError({ ...ctx, hints: { [ESRCH]: `container ${idOrName} is not running (${info.State?.Status ?? 'no state'})` } }, ESRCH, null);
  }
  return pid;
}

/**
 * What a CNI plugin made for each attachment (container id and interface), recorded on disk:
 * DEL and GC then undo all of it even when the container's namespace is already gone (its
 * host-side veth, its NAT rules), where the reference plugins leak. One lock per network keeps
 * concurrent calls apart; a call that cannot take it in time says "try again later" (code 11).
 * @internal
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireLock } from '../lock.js';
import { CODES, CniError } from './spec.js';
import type { MasqueradeSpec } from '../wire/nat.js';

/** One attachment's record. */
export interface Attachment {
  network: string;
  type: string;
  containerId: string;
  ifname: string;
  netns: string;
  /** The host side of its veth pair. */
  hostVeth: string;
  bridge: string | null;
  /** The container's addresses, with their prefix lengths. */
  ips: string[];
  /** The masquerade rules made for it. */
  masquerade: MasqueradeSpec[];
}

const safe = (s: string): string => s.replace(/[^\w.-]/gu, '_');

/** A network's records, under `root` (the call's `CniEnv.stateDir`). */
function dirOf(root: string, network: string): string {
  return join(root, safe(network));
}

function fileOf(root: string, network: string, containerId: string, ifname: string): string {
  return join(dirOf(root, network), `${safe(containerId)}-${safe(ifname)}.json`);
}

/** The host-side veth name of an attachment: the same on ADD, DEL and GC, found even without the container. */
export function hostVethName(network: string, containerId: string, ifname: string): string {
  return `veth${createHash('sha256').update(`${network}\0${containerId}\0${ifname}`).digest('hex').slice(0, 8)}`;
}

export async function readAttachment(root: string, network: string, containerId: string, ifname: string): Promise<Attachment | null> {
  try {
    return JSON.parse(await readFile(fileOf(root, network, containerId, ifname), 'utf8')) as Attachment;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CniError(CODES.IO_FAILURE, `cannot read the record of ${containerId}/${ifname}`, (e as Error).message);
  }
}

export async function writeAttachment(root: string, a: Attachment): Promise<void> {
  await mkdir(dirOf(root, a.network), { recursive: true, mode: 0o700 });
  const file = fileOf(root, a.network, a.containerId, a.ifname);
  await writeFile(`${file}.tmp`, `${JSON.stringify(a)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

export async function removeAttachment(root: string, network: string, containerId: string, ifname: string): Promise<void> {
  await rm(fileOf(root, network, containerId, ifname), { force: true });
}

/** Every record of a network. */
export async function listAttachments(root: string, network: string): Promise<Attachment[]> {
  let names: string[];
  try {
    names = await readdir(dirOf(root, network));
  } catch {
    return [];
  }
  const out: Attachment[] = [];
  for (const n of names.filter((x) => x.endsWith('.json'))) {
    try {
      out.push(JSON.parse(await readFile(join(dirOf(root, network), n), 'utf8')) as Attachment);
    } catch {
      // a record being written by another call
    }
  }
  return out;
}

/** Calls of this process waiting for a network's lock, by lock file: the agent runs many at once. */
const queues = new Map<string, Promise<unknown>>();

/**
 * Takes the network's lock, waiting up to `ms`; code 11 if another call holds it longer. The
 * calls of one process (the agent's) queue in order for it; the lock file keeps other processes
 * (plain-mode calls) out.
 */
export async function lockNetwork(root: string, network: string, ms = 30_000): Promise<() => Promise<void>> {
  const path = join(dirOf(root, network), 'lock');
  const deadline = Date.now() + ms;
  const before = queues.get(path) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = before.then(() => mine);
  queues.set(path, tail);
  const leave = (): void => {
    release();
    if (queues.get(path) === tail) queues.delete(path);
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      before,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new CniError(CODES.TRY_AGAIN_LATER, `network ${network} is locked by another call of this process`, path)), ms);
      }),
    ]);
  } catch (e) {
    // Whoever queues after this call waits for the one before it, not for this one.
    void before.then(leave, leave);
    throw e;
  } finally {
    clearTimeout(timer);
  }
  try {
    const unlock = await acquireLock(path, Math.max(0, deadline - Date.now()), (owner) => new CniError(CODES.TRY_AGAIN_LATER, `network ${network} is locked by pid ${owner}`, path), 5);
    return async () => {
      try {
        await unlock();
      } finally {
        leave();
      }
    };
  } catch (e) {
    leave();
    if (e instanceof CniError) throw e;
    throw new CniError(CODES.IO_FAILURE, `cannot lock network ${network}`, (e as Error).message);
  }
}

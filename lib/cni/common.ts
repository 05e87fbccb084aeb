/**
 * What the CNI plugins share: the container's namespace opened with the spec's error, the
 * addresses' networks and gateways, the masquerade of ipMasq, and DEL and GC, which undo an
 * attachment by its record whatever made it.
 * @internal
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { NetlinkError, unlessMissing } from '../errors.js';
import { Netns } from '../netns.js';
import { formatAddress, networkOf, parsePrefix } from '../wire/ip.js';
import type { MasqueradeSpec } from '../wire/nat.js';
import { hostVethName, listAttachments, lockNetwork, readAttachment, removeAttachment, type Attachment } from './attachments.js';
import { delegate, delegateIfSpoken } from './ipam.js';
import { canonicalIp, CODES, CniError, stateDirOf, readResult, type CniEnv, type NetConf, type Result, type ResultIp } from './spec.js';

const { EEXIST, ENODEV } = constants.errno;

/** The container's namespace; code 3 if it cannot be opened. */
export function openContainer(path: string): Promise<Netns> {
  return Netns.fromPath(path).catch((e: unknown) => {
    throw new CniError(CODES.UNKNOWN_CONTAINER, `failed to open netns ${JSON.stringify(path)}: ${(e as Error).message}`);
  });
}

/**
 * How long a call waits for its network's lock before answering code 11 ("try again later"):
 * `NETNS_LINK_CNI_LOCK_WAIT_MS` in the call's environment, else 30 s.
 */
export function lockWait(env: CniEnv): number {
  const v = Number(env.vars.NETNS_LINK_CNI_LOCK_WAIT_MS);
  return Number.isInteger(v) && v >= 0 ? v : 30_000;
}

/** The runtime's namespace, where the host side is made: this process's, or the agent's caller's. */
export function openHost(env: CniEnv): Promise<Netns> {
  if (env.callerPid === null) return Promise.resolve(Netns.current());
  return Netns.fromPid(env.callerPid).catch((e: unknown) => {
    throw new CniError(CODES.GENERIC, `cannot open the caller's namespace (pid ${env.callerPid}): ${(e as Error).message}`);
  });
}

/** An address's network: `198.18.5.0/24` of `198.18.5.7/24`. */
export function networkText(cidr: string): string {
  return networkOf(parsePrefix(cidr)).text;
}

/** The first address of an address's network: the gateway the reference picks when IPAM names none. */
export function firstHost(cidr: string): string {
  const { bytes } = networkOf(parsePrefix(cidr));
  bytes[bytes.length - 1]! += 1;
  return formatAddress(bytes, 0, bytes.length);
}

export const v6 = (a: string): boolean => a.includes(':');

/** The masquerade of one container address, as the reference's ipMasq: its network and multicast keep their source. */
export function masqueradeOf(ip: ResultIp): MasqueradeSpec {
  const host = ip.address.split('/')[0]!;
  return { from: `${host}/${v6(host) ? 128 : 32}`, notTo: [networkText(ip.address), v6(host) ? 'ff00::/8' : '224.0.0.0/4'] };
}

/** What an ADD works with, and what it has made so far (undone newest first if it fails). */
export interface AddRun {
  host: Netns;
  container: Netns;
  /** The host end's name: the same on ADD, DEL and GC. */
  hostVeth: string;
  undo: (() => Promise<unknown>)[];
}

/**
 * ADD's frame for both plugins: the network's lock, the two namespaces, a leftover of the same
 * attachment (an ADD that died) removed first, and on any failure everything `make` did undone,
 * so that nothing is half-made.
 */
export async function adding(conf: NetConf, env: CniEnv, make: (r: AddRun) => Promise<Result>): Promise<Result> {
  const unlock = await lockNetwork(stateDirOf(conf), conf.name, lockWait(env));
  const undo: AddRun['undo'] = [];
  let container: Netns | null = null;
  let host: Netns | null = null;
  try {
    host = await openHost(env);
    container = await openContainer(env.netns);
    const hostVeth = hostVethName(conf.name, env.containerId, env.ifname);
    await unlessMissing(host.deleteLink(hostVeth), ENODEV, true);
    return await make({ host, container, hostVeth, undo });
  } catch (e) {
    for (const u of undo.reverse()) await u().catch(() => undefined);
    throw e;
  } finally {
    container?.close();
    host?.close();
    await unlock();
  }
}

/**
 * IPAM plugins that allocate from their configuration and files alone and never touch the
 * container's interface: their ADD and DEL run while the links are made or removed. Others (dhcp
 * runs on the interface) run in the reference's order.
 */
const DETACHED_IPAM = new Set(['host-local', 'static']);

/** Whether IPAM can run alongside the link work (see `DETACHED_IPAM`). */
export function ipamAlongside(conf: NetConf): boolean {
  return DETACHED_IPAM.has(String(conf.ipam?.type));
}

/** IPAM's ADD, its DEL registered as an undo once it has succeeded. */
export async function ipamAdd(r: AddRun, conf: NetConf, raw: string, env: CniEnv): Promise<Result | null> {
  const got = await delegate(conf, raw, env, 'ADD');
  if (got) r.undo.push(() => delegate(conf, raw, env, 'DEL').catch(() => undefined));
  return got;
}

/**
 * Waits for all of `work`, then throws the first failure: nothing is still running (and adding
 * to the undo list) when an ADD's undo starts.
 */
export async function settled<T extends readonly unknown[]>(work: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const out = await Promise.allSettled(work);
  const failed = out.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
  return out.map((o) => (o as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** The pair: the container end made inside the container's namespace, the host end here (on `master`), up. */
export async function createPair(r: AddRun, env: CniEnv, mtu: number | null, master?: string): Promise<void> {
  await r.host.createVeth(r.hostVeth, { peer: env.ifname, peerNetns: r.container, up: true, ...(master ? { master } : {}), ...(mtu !== null ? { mtu } : {}) }).catch((e: unknown) => {
    if (e instanceof NetlinkError && e.errno === EEXIST) throw new CniError(CODES.GENERIC, `container veth name provided (${env.ifname}) already exists`);
    throw e;
  });
  r.undo.push(() => unlessMissing(r.host.deleteLink(r.hostVeth), ENODEV, true));
}

/**
 * The result's routes in the container, each through its own gateway or that of its family: sent
 * together, in order (one `sendmsg`), after whatever the caller queued in the same tick.
 */
export function addRoutes(container: Netns, ifname: string, result: Result): Promise<unknown> {
  return Promise.all(
    result.routes.map((r) => {
      const family = v6(r.dst) ? 6 : 4;
      const gw = r.gw ?? result.ips.find((ip) => v6(ip.address) === (family === 6))?.gateway;
      return container.addRoute({ to: r.dst === '0.0.0.0/0' || r.dst === '::/0' ? 'default' : r.dst, family, dev: ifname, ...(gw ? { via: gw } : {}) });
    }),
  );
}

/** ipMasq: one masquerade per container address, in the library's own nf_tables table, undone with the ADD. */
export async function masqueradeAll(r: AddRun, ips: readonly ResultIp[]): Promise<MasqueradeSpec[]> {
  const specs = ips.map(masqueradeOf);
  for (const m of specs) {
    await unlessMissing(r.host.masquerade(m), EEXIST, true);
    r.undo.push(() => r.host.deleteMasquerade(m, { missingOk: true }));
  }
  return specs;
}

/** Removes what an attachment made: its veth (by the container's end, or the host's if the container is gone) and its NAT rules. */
async function dismantle(host: Netns, a: Pick<Attachment, 'netns' | 'ifname' | 'hostVeth' | 'masquerade'>): Promise<void> {
  let removed = false;
  if (a.netns) {
    const container = await Netns.fromPath(a.netns).catch(() => null);
    if (container) {
      try {
        await container.deleteLink(a.ifname);
        removed = true;
      } catch (e) {
        if (!(e instanceof NetlinkError) || e.errno !== ENODEV) throw e;
      } finally {
        container.close();
      }
    }
  }
  if (!removed) await unlessMissing(host.deleteLink(a.hostVeth), ENODEV, true);
  for (const m of a.masquerade) await host.deleteMasquerade(m, { missingOk: true });
}

/** DEL: IPAM's lease, the veth pair, the NAT rules; success when there is nothing (left) to remove. */
export async function del(conf: NetConf, raw: string, env: CniEnv, ipMasq: boolean): Promise<void> {
  const unlock = await lockNetwork(stateDirOf(conf), conf.name, lockWait(env));
  let host: Netns | null = null;
  try {
    host = await openHost(env);
    // IPAM's DEL first, as the reference does; alongside the rest when it never needs the link.
    const ipam = delegate(conf, raw, env, 'DEL');
    ipam.catch(() => undefined); // handled below; never an unhandled rejection meanwhile
    if (!ipamAlongside(conf)) await ipam;
    try {
      const recorded = await readAttachment(stateDirOf(conf), conf.name, env.containerId, env.ifname);
      const a = recorded ?? { netns: env.netns, ifname: env.ifname, hostVeth: hostVethName(conf.name, env.containerId, env.ifname), masquerade: [] };
      // Without a record, the addresses of a veth still there say which masquerades were made.
      if (!recorded && ipMasq && env.netns) {
        const c = await Netns.fromPath(env.netns).catch(() => null);
        if (c) {
          try {
            const addrs = await c.addresses({ ifname: env.ifname }).catch(() => []);
            a.masquerade = addrs.filter((x) => x.scope === 'global').map((x) => masqueradeOf({ address: x.cidr }));
          } finally {
            c.close();
          }
        }
      }
      await settled([ipam, dismantle(host, { ...a, netns: env.netns || a.netns })]);
    } finally {
      // Never left running past the lock.
      await ipam.catch(() => undefined);
    }
    await removeAttachment(stateDirOf(conf), conf.name, env.containerId, env.ifname);
  } finally {
    host?.close();
    await unlock();
  }
}

/** GC: every attachment of this network not in `cni.dev/valid-attachments` is dismantled; IPAM gets the same GC. */
export async function gc(conf: NetConf, raw: string, env: CniEnv): Promise<void> {
  const valid = conf['cni.dev/valid-attachments'];
  if (!Array.isArray(valid)) throw new CniError(CODES.INVALID_NETWORK_CONFIG, 'GC needs cni.dev/valid-attachments');
  const keep = new Set(valid.map((v: { containerID?: unknown; ifname?: unknown }) => `${String(v.containerID)}/${String(v.ifname)}`));
  const unlock = await lockNetwork(stateDirOf(conf), conf.name, lockWait(env));
  let host: Netns | null = null;
  try {
    host = await openHost(env);
    for (const a of await listAttachments(stateDirOf(conf), conf.name)) {
      if (keep.has(`${a.containerId}/${a.ifname}`)) continue;
      await dismantle(host, a);
      await removeAttachment(stateDirOf(conf), conf.name, a.containerId, a.ifname);
    }
    // An IPAM plugin of an older spec has no GC: it is asked only if it speaks 1.1.
    await delegateIfSpoken(conf, raw, env, 'GC');
  } finally {
    host?.close();
    await unlock();
  }
}

/** STATUS: ready when this namespace can be managed, and IPAM (if it speaks 1.1) is ready. */
export async function status(conf: NetConf, raw: string, env: CniEnv): Promise<void> {
  let host: Netns | null = null;
  try {
    host = await openHost(env);
    await host.links();
  } catch (e) {
    throw new CniError(50, `this namespace cannot be managed: ${(e as Error).message}`);
  } finally {
    host?.close();
  }
  await delegateIfSpoken(conf, raw, env, 'STATUS');
}

/**
 * CHECK, as both plugins do it: the container's interface (its MAC as prevResult says), then the
 * host's side (`hostSide`), then the container's addresses and routes of prevResult. A failure
 * names what is missing, the container's side first: what a user removed there is what to name.
 */
export async function check(conf: NetConf, env: CniEnv, hostSide: (host: Netns, fail: (msg: string) => never) => Promise<void>): Promise<void> {
  if (conf.prevResult === undefined) throw new CniError(CODES.INVALID_NETWORK_CONFIG, 'CHECK needs prevResult');
  const prev = readResult(conf.prevResult, 'prevResult');
  const host = await openHost(env);
  const container = await openContainer(env.netns).catch((e: unknown) => {
    host.close();
    throw e;
  });
  const fail = (msg: string): never => {
    throw new CniError(CODES.GENERIC, msg);
  };
  try {
    const ifc = await container.link(env.ifname).catch(() => fail(`interface ${env.ifname} does not exist in ${env.netns}`));
    const declared = prev.interfaces.find((i) => i.name === env.ifname && i.sandbox);
    if (declared?.mac && ifc.address && declared.mac.toLowerCase() !== ifc.address) fail(`interface ${env.ifname}: MAC ${ifc.address}, not ${declared.mac}`);
    await hostSide(host, fail);
    const addrs = (await container.addresses({ ifname: env.ifname })).map((a) => a.cidr);
    for (const ip of prev.ips) {
      const want = `${canonicalIp(ip.address.split('/')[0]!)}/${parsePrefix(ip.address).prefixLength}`;
      if (!addrs.includes(want)) fail(`address ${ip.address} is not on ${env.ifname}`);
    }
    const routes = { 4: await container.routes(), 6: await container.routes({ family: 6 }) };
    for (const r of prev.routes) {
      const to = r.dst === '0.0.0.0/0' || r.dst === '::/0' ? 'default' : networkText(r.dst);
      if (!routes[v6(r.dst) ? 6 : 4].some((k) => k.to === to && (!r.gw || k.gateway === canonicalIp(r.gw)))) fail(`route ${r.dst}${r.gw ? ` via ${r.gw}` : ''} is missing in ${env.netns}`);
    }
  } finally {
    container.close();
    host.close();
  }
}

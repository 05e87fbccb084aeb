/**
 * What the CNI plugins share: the container's namespace opened with the spec's error, the
 * addresses' networks and gateways, the masquerade of ipMasq, and DEL and GC, which undo an
 * attachment by its record whatever made it.
 * @internal
 * @packageDocumentation
 */
import { NetlinkError } from '../errors.js';
import { Netns } from '../netns.js';
import { formatAddress, parsePrefix } from '../wire/ip.js';
import type { MasqueradeSpec } from '../wire/nat.js';
import { hostVethName, listAttachments, lockNetwork, readAttachment, removeAttachment, type Attachment } from './attachments.js';
import { delegate, delegateIfSpoken } from './ipam.js';
import { canonicalIp, CODES, CniError, readResult, type CniEnv, type NetConf, type ResultIp } from './spec.js';

/** The container's namespace; code 3 if it cannot be opened. */
export function openContainer(path: string): Promise<Netns> {
  return Netns.fromPath(path).catch((e: unknown) => {
    throw new CniError(CODES.UNKNOWN_CONTAINER, `failed to open netns ${JSON.stringify(path)}: ${(e as Error).message}`);
  });
}

/** An address's network: `198.18.5.0/24` of `198.18.5.7/24`. */
export function networkOf(cidr: string): string {
  const p = parsePrefix(cidr);
  const b = Buffer.from(p.bytes);
  for (let bit = p.prefixLength; bit < b.length * 8; bit++) b[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return `${formatAddress(b, 0, b.length)}/${p.prefixLength}`;
}

/** The first address of an address's network: the gateway the reference picks when IPAM names none. */
export function firstHost(cidr: string): string {
  const p = parsePrefix(cidr);
  const b = Buffer.from(p.bytes);
  for (let bit = p.prefixLength; bit < b.length * 8; bit++) b[bit >> 3]! &= ~(0x80 >> (bit & 7));
  b[b.length - 1]! += 1;
  return formatAddress(b, 0, b.length);
}

export const v6 = (a: string): boolean => a.includes(':');

/** The masquerade of one container address, as the reference's ipMasq: its network and multicast keep their source. */
export function masqueradeOf(ip: ResultIp): MasqueradeSpec {
  const host = ip.address.split('/')[0]!;
  return { from: `${host}/${v6(host) ? 128 : 32}`, notTo: [networkOf(ip.address), v6(host) ? 'ff00::/8' : '224.0.0.0/4'] };
}

/** Awaits `p`, taking a NetlinkError of one of `codes` for success. */
export async function ignore(p: Promise<unknown>, ...codes: string[]): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof NetlinkError) || !codes.includes(e.code)) throw e;
  }
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
        if (!(e instanceof NetlinkError) || e.code !== 'ENODEV') throw e;
      } finally {
        container.close();
      }
    }
  }
  if (!removed) await ignore(host.deleteLink(a.hostVeth), 'ENODEV');
  for (const m of a.masquerade) await host.deleteMasquerade(m, { missingOk: true });
}

/** DEL: IPAM's lease, the veth pair, the NAT rules; success when there is nothing (left) to remove. */
export async function del(conf: NetConf, raw: string, env: CniEnv, ipMasq: boolean): Promise<void> {
  const unlock = await lockNetwork(conf.name);
  const host = Netns.current();
  try {
    await delegate(conf, raw, env, 'DEL');
    const recorded = await readAttachment(conf.name, env.containerId, env.ifname);
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
    await dismantle(host, { ...a, netns: env.netns || a.netns });
    await removeAttachment(conf.name, env.containerId, env.ifname);
  } finally {
    host.close();
    await unlock();
  }
}

/** GC: every attachment of this network not in `cni.dev/valid-attachments` is dismantled; IPAM gets the same GC. */
export async function gc(conf: NetConf, raw: string, env: CniEnv): Promise<void> {
  const valid = conf['cni.dev/valid-attachments'];
  if (!Array.isArray(valid)) throw new CniError(CODES.INVALID_NETWORK_CONFIG, 'GC needs cni.dev/valid-attachments');
  const keep = new Set(valid.map((v: { containerID?: unknown; ifname?: unknown }) => `${String(v.containerID)}/${String(v.ifname)}`));
  const unlock = await lockNetwork(conf.name);
  const host = Netns.current();
  try {
    for (const a of await listAttachments(conf.name)) {
      if (keep.has(`${a.containerId}/${a.ifname}`)) continue;
      await dismantle(host, a);
      await removeAttachment(conf.name, a.containerId, a.ifname);
    }
    // An IPAM plugin of an older spec has no GC: it is asked only if it speaks 1.1.
    await delegateIfSpoken(conf, raw, env, 'GC');
  } finally {
    host.close();
    await unlock();
  }
}

/** STATUS: ready when this namespace can be managed, and IPAM (if it speaks 1.1) is ready. */
export async function status(conf: NetConf, raw: string, env: CniEnv): Promise<void> {
  const host = Netns.current();
  try {
    await host.links();
  } catch (e) {
    throw new CniError(50, `this namespace cannot be managed: ${(e as Error).message}`);
  } finally {
    host.close();
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
  const host = Netns.current();
  const container = await openContainer(env.netns);
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
      const to = r.dst === '0.0.0.0/0' || r.dst === '::/0' ? 'default' : networkOf(r.dst);
      if (!routes[v6(r.dst) ? 6 : 4].some((k) => k.to === to && (!r.gw || k.gateway === canonicalIp(r.gw)))) fail(`route ${r.dst}${r.gw ? ` via ${r.gw}` : ''} is missing in ${env.netns}`);
    }
  } finally {
    container.close();
    host.close();
  }
}

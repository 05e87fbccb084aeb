/**
 * `netns-link-bridge`: the reference `bridge` plugin's configuration and results, on netns-link.
 * The host side is the namespace the plugin runs in (the runtime's). ADD makes the bridge if it
 * is missing (whoever gets there first), a veth pair whose container end is created inside the
 * container's namespace and whose host end joins the bridge, the addresses IPAM gives, the
 * routes, the gateway on the bridge, and with `ipMasq` a masquerade over nf_tables netlink. An
 * ADD that fails leaves nothing behind; DEL removes all of it, also when the container's
 * namespace is already gone.
 * @internal
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { NetlinkError, unlessMissing } from '../errors.js';
import { parsePrefix } from '../wire/ip.js';
import { hostVethName, writeAttachment } from './attachments.js';
import * as common from './common.js';
import { firstHost, v6 } from './common.js';
import { canonicalIp, CODES, CniError, stateDirOf, type CniEnv, type NetConf, type Result, type ResultIp } from './spec.js';

const { EADDRNOTAVAIL, EEXIST } = constants.errno;

/** The reference bridge plugin's keys, with its defaults. */
export interface BridgeConf {
  bridge: string;
  isGateway: boolean;
  isDefaultGateway: boolean;
  forceAddress: boolean;
  ipMasq: boolean;
  mtu: number | null;
  hairpinMode: boolean;
  promiscMode: boolean;
  /** The container's port is in this VLAN (its PVID, egress untagged); 0 for none. */
  vlan: number;
  /** With `vlan`, the port keeps the bridge's default VLAN 1 too (default true). */
  preserveDefaultVlan: boolean;
}

const KNOWN = new Set([
  'cniVersion', 'name', 'type', 'ipam', 'dns', 'args', 'dataDir', 'prevResult', 'runtimeConfig', 'capabilities', 'cni.dev/valid-attachments', 'cni.dev/attachments',
  'bridge', 'isGateway', 'isDefaultGateway', 'forceAddress', 'ipMasq', 'mtu', 'hairpinMode', 'promiscMode', 'vlan', 'preserveDefaultVlan', 'vlanTrunk', 'enabledad', 'macspoofchk', 'disableContainerInterface',
]);

function bool(conf: NetConf, key: string): boolean {
  const v = conf[key];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new CniError(CODES.INVALID_NETWORK_CONFIG, `${key} must be true or false, not ${JSON.stringify(v)}`);
  return v;
}

/** The configuration's bridge keys, checked as the reference checks them. */
export function bridgeConf(conf: NetConf): BridgeConf {
  for (const k of Object.keys(conf)) if (!KNOWN.has(k)) throw new CniError(CODES.INVALID_NETWORK_CONFIG, `unknown key ${JSON.stringify(k)} in the bridge configuration`);
  const name = conf.bridge ?? 'cni0';
  if (typeof name !== 'string' || name === '' || name.length > 15 || /[/:\s%]/u.test(name)) throw new CniError(CODES.INVALID_NETWORK_CONFIG, `bridge ${JSON.stringify(name)} is not an interface name`);
  const mtu = conf.mtu === undefined || conf.mtu === 0 ? null : conf.mtu;
  if (mtu !== null && (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < 68 || mtu > 65535)) throw new CniError(CODES.INVALID_NETWORK_CONFIG, `mtu ${JSON.stringify(mtu)} must be 68 to 65535`);
  const vlan = conf.vlan ?? 0;
  if (typeof vlan !== 'number' || !Number.isInteger(vlan) || vlan < 0 || vlan > 4094) throw new CniError(CODES.INVALID_NETWORK_CONFIG, `invalid VLAN ID ${JSON.stringify(vlan)} (must be between 0 and 4094)`);
  const c: BridgeConf = {
    bridge: name,
    isGateway: bool(conf, 'isGateway'),
    isDefaultGateway: bool(conf, 'isDefaultGateway'),
    forceAddress: bool(conf, 'forceAddress'),
    ipMasq: bool(conf, 'ipMasq'),
    mtu,
    hairpinMode: bool(conf, 'hairpinMode'),
    promiscMode: bool(conf, 'promiscMode'),
    vlan,
    preserveDefaultVlan: conf.preserveDefaultVlan === undefined ? true : bool(conf, 'preserveDefaultVlan'),
  };
  // The reference's rules: a default gateway is a gateway; hairpin and promiscuous mode exclude each other.
  if (c.isDefaultGateway) c.isGateway = true;
  if (c.hairpinMode && c.promiscMode) throw new CniError(CODES.GENERIC, 'cannot set hairpin mode and promiscuous mode at the same time.');
  if (c.vlan !== 0 && c.isGateway) throw new CniError(CODES.INVALID_NETWORK_CONFIG, 'vlan with isGateway: this build of netns-link-bridge does not put the gateway on a VLAN interface yet');
  // Keys of newer reference plugins that this one does not do: refused when asked for, never ignored.
  for (const k of ['vlanTrunk', 'macspoofchk', 'enabledad', 'disableContainerInterface'] as const) {
    const v = conf[k];
    if (v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0)) throw new CniError(CODES.INVALID_NETWORK_CONFIG, `${k}: this build of netns-link-bridge does not do it yet`);
  }
  return c;
}

/** ADD: what the reference bridge plugin makes, and its result. */
export function add(conf: NetConf, raw: string, env: CniEnv): Promise<Result> {
  const bc = bridgeConf(conf);
  return common.adding(conf, env, async (run) => {
    const { host, container } = run;
    // IPAM that never needs the link runs while the bridge and the pair are made.
    const early = common.ipamAlongside(conf) ? common.ipamAdd(run, conf, raw, env) : null;
    early?.catch(() => undefined);
    try {
      // The bridge: made if missing, by whichever call gets there first.
      // With a VLAN, the bridge filters by VLAN (a kernel without that refuses, as it refuses the reference).
      await unlessMissing(host.createBridge(bc.bridge, { up: true, ...(bc.mtu !== null ? { mtu: bc.mtu } : {}), ...(bc.vlan ? { vlanFiltering: true } : {}) }), EEXIST, true).catch((e: unknown) => {
        if (e instanceof NetlinkError) throw new CniError(CODES.GENERIC, `failed to create bridge ${JSON.stringify(bc.bridge)}: could not add ${JSON.stringify(bc.bridge)}: ${e.message}`);
        throw e;
      });
      const br = await host.link(bc.bridge);
      if (br.kind !== 'bridge') throw new CniError(CODES.GENERIC, `${bc.bridge} already exists but is not a bridge`);
      if (!br.up) await host.setUp(bc.bridge);
      if (bc.promiscMode && !br.promisc) await host.setLink(bc.bridge, { promisc: true });
      await common.createPair(run, env, bc.mtu, bc.bridge);
      if (bc.hairpinMode) await host.setBridgePort(run.hostVeth, { hairpin: true });
      if (bc.vlan) {
        await host.addBridgeVlan({ dev: run.hostVeth, vid: bc.vlan, pvid: true, untagged: true });
        if (!bc.preserveDefaultVlan) await host.deleteBridgeVlan({ dev: run.hostVeth, vid: 1 });
      }
    } catch (e) {
      // Its lease is undone with the rest once it has one.
      await early?.catch(() => undefined);
      throw e;
    }
    const ipam = await (early ?? common.ipamAdd(run, conf, raw, env));
    const result: Result = { interfaces: [], ips: [], routes: [...(ipam?.routes ?? [])], dns: { ...(conf.dns ?? {}), ...(ipam?.dns ?? {}) } };
    if (ipam && ipam.ips.length === 0) throw new CniError(CODES.GENERIC, 'IPAM plugin returned missing IP config');
    for (const ip of ipam?.ips ?? []) {
      const out: ResultIp = { address: ip.address, interface: 2 };
      const gw = ip.gateway ?? (bc.isGateway ? firstHost(ip.address) : undefined);
      if (gw !== undefined) out.gateway = canonicalIp(gw);
      result.ips.push(out);
    }
    if (bc.isDefaultGateway) {
      for (const ip of result.ips) {
        const dst = v6(ip.address) ? '::/0' : '0.0.0.0/0';
        if (ip.gateway && !result.routes.some((r) => r.dst === dst)) result.routes.push({ dst, gw: ip.gateway });
      }
    }

    // The gateway on the bridge, and forwarding, as the reference does.
    const gateway = async (): Promise<void> => {
      if (!bc.isGateway) return;
      for (const ip of result.ips) {
        if (!ip.gateway) continue;
        const cidr = `${ip.gateway}/${parsePrefix(ip.address).prefixLength}`;
        const family = v6(cidr) ? 6 : 4;
        const existing = (await host.addresses({ ifname: bc.bridge, family })).filter((a) => a.scope === 'global');
        if (!existing.some((a) => a.cidr === cidr)) {
          if (existing.length && !bc.forceAddress) throw new CniError(CODES.GENERIC, `"${bc.bridge}" already has an IP address different from ${cidr}`);
          for (const a of existing) await unlessMissing(host.deleteAddress(bc.bridge, a.cidr), EADDRNOTAVAIL, true);
          await unlessMissing(host.addAddress(bc.bridge, cidr, family === 6 ? { noDad: true } : {}), EEXIST, true);
        }
        await host.sysctl(family === 6 ? 'net.ipv6.conf.all.forwarding' : 'net.ipv4.ip_forward', 1);
      }
    };
    // The container's side (addresses, up, routes through the gateway of their family: one
    // sendmsg, in order), the gateway, the masquerade and the MACs of the result, all at once:
    // they touch different objects. The bridge's MAC is final once its port is added.
    const [, , masquerade, [brNow, hostNow, contNow]] = await common.settled([
      Promise.all([...result.ips.map((ip) => container.addAddress(env.ifname, ip.address)), container.setUp(env.ifname), common.addRoutes(container, env.ifname, result)]),
      gateway(),
      bc.ipMasq ? common.masqueradeAll(run, result.ips) : Promise.resolve([]),
      Promise.all([host.link(bc.bridge), host.link(run.hostVeth), container.link(env.ifname)]),
    ] as const);
    await writeAttachment(stateDirOf(conf), { network: conf.name, type: String(conf.type), containerId: env.containerId, ifname: env.ifname, netns: env.netns, hostVeth: run.hostVeth, bridge: bc.bridge, ips: result.ips.map((i) => i.address), masquerade });
    result.interfaces = [
      { name: bc.bridge, mac: brNow.address ?? '' },
      { name: run.hostVeth, mac: hostNow.address ?? '' },
      { name: env.ifname, mac: contNow.address ?? '', sandbox: env.netns },
    ];
    return result;
  });
}

/** CHECK: the container's interface, addresses and routes of prevResult are there; the host side is on the bridge. */
export function check(conf: NetConf, env: CniEnv): Promise<void> {
  const bc = bridgeConf(conf);
  return common.check(conf, env, async (host, fail) => {
    const br = await host.link(bc.bridge).catch(() => fail(`bridge ${bc.bridge} does not exist`));
    if (br.kind !== 'bridge') fail(`${bc.bridge} is not a bridge`);
    const hostVeth = hostVethName(conf.name, env.containerId, env.ifname);
    const hv = await host.link(hostVeth).catch(() => fail(`the host veth ${hostVeth} does not exist`));
    if (hv.master !== br.index) fail(`${hostVeth} is not a port of ${bc.bridge}`);
  });
}

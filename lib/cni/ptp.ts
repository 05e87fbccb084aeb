/**
 * `netns-link-ptp`: the reference `ptp` plugin's configuration (`ipMasq`, `mtu`, `ipam`) and
 * results, on netns-link. A veth pair per container, no bridge: the container's address with
 * its prefix, its automatic subnet route replaced by a route to the gateway alone and the
 * subnet through it (so all traffic goes by the host); on the host end the gateway's address
 * as a /32 (/128) and a route to the container's address.
 * @internal
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { unlessMissing } from '../errors.js';
import { hostVethName, writeAttachment } from './attachments.js';
import * as common from './common.js';
import { networkText, v6 } from './common.js';
import { canonicalIp, CODES, CniError, stateDirOf, type CniEnv, type NetConf, type Result } from './spec.js';

const { EEXIST, ESRCH } = constants.errno;

const KNOWN = new Set(['cniVersion', 'name', 'type', 'ipam', 'dns', 'args', 'dataDir', 'prevResult', 'runtimeConfig', 'capabilities', 'cni.dev/valid-attachments', 'cni.dev/attachments', 'ipMasq', 'mtu']);

/** The reference ptp plugin's keys. */
export function ptpConf(conf: NetConf): { ipMasq: boolean; mtu: number | null } {
  for (const k of Object.keys(conf)) if (!KNOWN.has(k)) throw new CniError(CODES.INVALID_NETWORK_CONFIG, `unknown key ${JSON.stringify(k)} in the ptp configuration`);
  if (conf.ipMasq !== undefined && typeof conf.ipMasq !== 'boolean') throw new CniError(CODES.INVALID_NETWORK_CONFIG, `ipMasq must be true or false, not ${JSON.stringify(conf.ipMasq)}`);
  const mtu = conf.mtu === undefined || conf.mtu === 0 ? null : conf.mtu;
  if (mtu !== null && (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < 68 || mtu > 65535)) throw new CniError(CODES.INVALID_NETWORK_CONFIG, `mtu ${JSON.stringify(mtu)} must be 68 to 65535`);
  if (typeof conf.ipam?.type !== 'string' || conf.ipam.type === '') throw new CniError(CODES.INVALID_NETWORK_CONFIG, 'ptp needs ipam');
  return { ipMasq: conf.ipMasq === true, mtu };
}

/** ADD: what the reference ptp plugin makes, and its result. */
export function add(conf: NetConf, raw: string, env: CniEnv): Promise<Result> {
  const pc = ptpConf(conf);
  return common.adding(conf, env, async (run) => {
    const { host, container } = run;
    const ipam = await common.ipamAdd(run, conf, raw, env);
    if (!ipam || ipam.ips.length === 0) throw new CniError(CODES.GENERIC, 'IPAM plugin returned missing IP config');
    for (const ip of ipam.ips) if (!ip.gateway) throw new CniError(CODES.GENERIC, `IPAM gave ${ip.address} no gateway: ptp needs one for the host end`);
    await common.createPair(run, env, pc.mtu);

    const result: Result = { interfaces: [], ips: ipam.ips.map((ip) => ({ address: ip.address, gateway: canonicalIp(ip.gateway!), interface: 1 })), routes: ipam.routes, dns: { ...(conf.dns ?? {}), ...ipam.dns } };
    // The container: its address, up; its subnet reached only through the gateway.
    await Promise.all(result.ips.map((ip) => container.addAddress(env.ifname, ip.address, v6(ip.address) ? { noDad: true } : {})));
    await container.setUp(env.ifname);
    for (const ip of result.ips) {
      const family = v6(ip.address) ? 6 : 4;
      const net = networkText(ip.address);
      await unlessMissing(container.deleteRoute({ to: net, dev: env.ifname, family }), ESRCH, true);
      await container.addRoute({ to: `${ip.gateway}/${family === 6 ? 128 : 32}`, dev: env.ifname, scope: 'link' });
      await container.addRoute({ to: net, via: ip.gateway!, dev: env.ifname, src: ip.address.split('/')[0]! });
    }
    await common.addRoutes(container, env.ifname, result);
    // The host end: the gateway as a host address, a route to the container.
    for (const ip of result.ips) {
      const family = v6(ip.address) ? 6 : 4;
      const max = family === 6 ? 128 : 32;
      await unlessMissing(host.addAddress(run.hostVeth, `${ip.gateway}/${max}`, family === 6 ? { noDad: true } : {}), EEXIST, true);
      await host.addRoute({ to: `${ip.address.split('/')[0]}/${max}`, dev: run.hostVeth, scope: 'host' });
      await host.sysctl(family === 6 ? 'net.ipv6.conf.all.forwarding' : 'net.ipv4.ip_forward', 1);
    }
    const masquerade = pc.ipMasq ? await common.masqueradeAll(run, result.ips) : [];
    await writeAttachment(stateDirOf(conf), { network: conf.name, type: String(conf.type), containerId: env.containerId, ifname: env.ifname, netns: env.netns, hostVeth: run.hostVeth, bridge: null, ips: result.ips.map((i) => i.address), masquerade });
    const [hostNow, contNow] = await Promise.all([host.link(run.hostVeth), container.link(env.ifname)]);
    result.interfaces = [
      { name: run.hostVeth, mac: hostNow.address ?? '' },
      { name: env.ifname, mac: contNow.address ?? '', sandbox: env.netns },
    ];
    return result;
  });
}

/** CHECK: the container's interface, its addresses and routes of prevResult, the host end. */
export function check(conf: NetConf, env: CniEnv): Promise<void> {
  ptpConf(conf);
  return common.check(conf, env, async (host, fail) => {
    const hostVeth = hostVethName(conf.name, env.containerId, env.ifname);
    await host.link(hostVeth).catch(() => fail(`the host veth ${hostVeth} does not exist`));
  });
}

/**
 * The CNI protocol as a plugin sees it (CNI spec 1.1, with the result formats of 0.3.x and
 * 0.4.0): the `CNI_*` environment, the network configuration on stdin, results in the
 * configuration's version, and errors as the spec defines them (a JSON object on stdout, exit 1).
 * @internal
 * @packageDocumentation
 */
import { formatAddress, parseIp, parsePrefix } from '../wire/ip.js';

/** The versions these plugins speak; results are written in the configuration's. */
export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type CniVersion = (typeof SUPPORTED_VERSIONS)[number];

/** The spec's well-known error codes. */
export const CODES = {
  INCOMPATIBLE_VERSION: 1,
  UNSUPPORTED_FIELD: 2,
  UNKNOWN_CONTAINER: 3,
  INVALID_ENVIRONMENT: 4,
  IO_FAILURE: 5,
  DECODING_FAILURE: 6,
  INVALID_NETWORK_CONFIG: 7,
  TRY_AGAIN_LATER: 11,
  /** What the reference plugins report for any other failure. */
  GENERIC: 999,
} as const;

/** A CNI error: printed as `{ cniVersion, code, msg, details }` on stdout, exit status 1. */
export class CniError extends Error {
  constructor(
    readonly code: number,
    msg: string,
    readonly details = '',
  ) {
    super(msg);
    this.name = 'CniError';
  }

  toJSON(version: string): Record<string, unknown> {
    return { cniVersion: version, code: this.code, msg: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

/** The verbs of CNI 1.1. */
export type Command = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'STATUS' | 'GC';
const COMMANDS: readonly Command[] = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'];

/** What the runtime says of the call, from the environment. */
export interface CniEnv {
  command: Command;
  containerId: string;
  /** The container's network namespace (a path); empty on a DEL of a namespace already gone. */
  netns: string;
  ifname: string;
  args: string;
  /** Where plugins (IPAM) are looked for. */
  path: string[];
  /** The call's whole environment, which the IPAM plugin is given too. */
  vars: Readonly<Record<string, string | undefined>>;
  /**
   * The process whose network namespace is the runtime's (the "host side"), when that is not
   * this process's: the agent's caller. Null in plain mode.
   */
  callerPid: number | null;
}

/** Reads the `CNI_*` variables; code 4 for a missing or malformed one. `callerPid`: see {@link CniEnv.callerPid}. */
export function readEnv(env: Readonly<Record<string, string | undefined>>, callerPid: number | null = null): CniEnv {
  const command = env.CNI_COMMAND;
  if (!command) throw new CniError(CODES.INVALID_ENVIRONMENT, 'CNI_COMMAND is not set');
  if (!(COMMANDS as readonly string[]).includes(command)) throw new CniError(CODES.INVALID_ENVIRONMENT, `CNI_COMMAND ${JSON.stringify(command)} is not one of ${COMMANDS.join(', ')}`);
  const out: CniEnv = {
    command: command as Command,
    containerId: env.CNI_CONTAINERID ?? '',
    netns: env.CNI_NETNS ?? '',
    ifname: env.CNI_IFNAME ?? '',
    args: env.CNI_ARGS ?? '',
    path: (env.CNI_PATH ?? '').split(':').filter(Boolean),
    vars: env,
    callerPid,
  };
  const needs: Record<Command, (keyof CniEnv)[]> = {
    ADD: ['containerId', 'netns', 'ifname', 'path'],
    CHECK: ['containerId', 'netns', 'ifname', 'path'],
    DEL: ['containerId', 'ifname', 'path'],
    VERSION: [],
    STATUS: ['path'],
    GC: ['path'],
  };
  const names: Record<string, string> = { containerId: 'CNI_CONTAINERID', netns: 'CNI_NETNS', ifname: 'CNI_IFNAME', path: 'CNI_PATH' };
  for (const k of needs[out.command]) {
    const v = out[k];
    if (v === '' || (Array.isArray(v) && v.length === 0)) throw new CniError(CODES.INVALID_ENVIRONMENT, `${names[k]} is not set (needed for ${out.command})`);
  }
  if (out.containerId && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/u.test(out.containerId)) throw new CniError(CODES.INVALID_ENVIRONMENT, `CNI_CONTAINERID ${JSON.stringify(out.containerId)} has characters other than letters, digits, _ . -`);
  if (out.ifname && (out.ifname.length > 15 || /[/:\s%]/u.test(out.ifname) || out.ifname === '.' || out.ifname === '..')) throw new CniError(CODES.INVALID_ENVIRONMENT, `CNI_IFNAME ${JSON.stringify(out.ifname)} is not an interface name`);
  return out;
}

/** The network configuration's common part; each plugin checks its own keys. */
export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  ipam?: { type?: string } & Record<string, unknown>;
  dns?: Dns;
  prevResult?: unknown;
  runtimeConfig?: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * Where the plugins record what they made for each attachment: the configuration's `dataDir`
 * (netns-link's own key, as host-local's `ipam.dataDir`), else `/var/lib/cni/netns-link`. It is
 * a key of the configuration, not of the environment, because runtimes do not give every call
 * the same environment (podman's DEL after a container exits comes from conmon's cleanup).
 */
export function stateDirOf(conf: NetConf): string {
  return typeof conf.dataDir === 'string' ? conf.dataDir : '/var/lib/cni/netns-link';
}

/** Parses stdin: code 6 for what is not JSON, 1 for an unsupported version, 7 for a bad config. */
export function parseConf(stdin: string): NetConf {
  let v: unknown;
  try {
    v = JSON.parse(stdin);
  } catch (e) {
    throw new CniError(CODES.DECODING_FAILURE, 'the network configuration is not JSON', (e as Error).message);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new CniError(CODES.DECODING_FAILURE, 'the network configuration must be a JSON object');
  const c = v as Record<string, unknown>;
  if (typeof c.cniVersion !== 'string' || c.cniVersion === '') throw new CniError(CODES.INVALID_NETWORK_CONFIG, 'cniVersion is missing');
  if (!(SUPPORTED_VERSIONS as readonly string[]).includes(c.cniVersion)) {
    throw new CniError(CODES.INCOMPATIBLE_VERSION, 'incompatible CNI versions', `config is "${c.cniVersion}", plugin supports [${SUPPORTED_VERSIONS.map((v) => `"${v}"`).join(' ')}]`);
  }
  if (typeof c.name !== 'string' || c.name === '') throw new CniError(CODES.INVALID_NETWORK_CONFIG, 'name is missing');
  if (typeof c.type !== 'string' || c.type === '') throw new CniError(CODES.INVALID_NETWORK_CONFIG, 'type is missing');
  if (c.dataDir !== undefined && (typeof c.dataDir !== 'string' || !c.dataDir.startsWith('/'))) throw new CniError(CODES.INVALID_NETWORK_CONFIG, `dataDir ${JSON.stringify(c.dataDir)} must be an absolute path`);
  if (c.ipam !== undefined && (c.ipam === null || typeof c.ipam !== 'object' || Array.isArray(c.ipam))) throw new CniError(CODES.INVALID_NETWORK_CONFIG, 'ipam must be an object');
  return c as NetConf;
}

// --- Results -----------------------------------------------------------------------------

/** An interface of a result. */
export interface ResultInterface {
  name: string;
  mac?: string;
  sandbox?: string;
}

/** An address of a result (the 1.0 form; 0.3/0.4 add `version`). */
export interface ResultIp {
  address: string;
  gateway?: string;
  interface?: number;
}

export interface ResultRoute {
  dst: string;
  gw?: string;
}

export interface Dns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** A result in the plugin's own terms (1.0). */
export interface Result {
  interfaces: ResultInterface[];
  ips: ResultIp[];
  routes: ResultRoute[];
  dns: Dns;
}

/** A result from another plugin (IPAM, prevResult), in any supported version, read as 1.0. */
export function readResult(v: unknown, from: string): Result {
  if (v === null || typeof v !== 'object') throw new CniError(CODES.DECODING_FAILURE, `${from} returned no result object`);
  const r = v as Record<string, unknown>;
  const list = (x: unknown): Record<string, unknown>[] => (Array.isArray(x) ? x.filter((i): i is Record<string, unknown> => i !== null && typeof i === 'object') : []);
  const ips: ResultIp[] = list(r.ips).map((ip) => {
    if (typeof ip.address !== 'string') throw new CniError(CODES.DECODING_FAILURE, `${from} returned an IP without address`);
    parsePrefix(ip.address);
    const out: ResultIp = { address: ip.address };
    if (typeof ip.gateway === 'string') out.gateway = ip.gateway;
    if (typeof ip.interface === 'number') out.interface = ip.interface;
    return out;
  });
  const routes: ResultRoute[] = list(r.routes).map((rt) => {
    if (typeof rt.dst !== 'string') throw new CniError(CODES.DECODING_FAILURE, `${from} returned a route without dst`);
    return typeof rt.gw === 'string' ? { dst: rt.dst, gw: rt.gw } : { dst: rt.dst };
  });
  const interfaces: ResultInterface[] = list(r.interfaces).map((i) => ({
    name: String(i.name ?? ''),
    ...(typeof i.mac === 'string' ? { mac: i.mac } : {}),
    ...(typeof i.sandbox === 'string' ? { sandbox: i.sandbox } : {}),
  }));
  const dns = r.dns !== null && typeof r.dns === 'object' ? (r.dns as Dns) : {};
  return { interfaces, ips, routes, dns };
}

/** A result written in `version`'s format: 0.3.x and 0.4.0 give each IP its `version`. */
export function writeResult(r: Result, version: string): Record<string, unknown> {
  const old = version.startsWith('0.');
  const ips = r.ips.map((ip) => (old ? { version: ip.address.includes(':') ? '6' : '4', ...ip } : { ...ip }));
  const out: Record<string, unknown> = { cniVersion: version, interfaces: r.interfaces, ips };
  if (r.routes.length) out.routes = r.routes;
  out.dns = r.dns;
  return out;
}

/** An address in `ip`'s text form (the result's addresses are kept as given otherwise). */
export function canonicalIp(text: string): string {
  const a = parseIp(text);
  return formatAddress(a.bytes, 0, a.bytes.length);
}

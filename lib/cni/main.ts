/**
 * The CNI plugins' entry point: what `netns-link cni install` puts in `/opt/cni/bin` under the
 * type names `netns-link-bridge` and `netns-link-ptp` calls `main(type)`. It reads the config on
 * stdin and the `CNI_*` environment, answers on stdout (a result, or the spec's error object with
 * exit status 1), and never depends on `PATH` (runtimes exec plugins with a minimal environment).
 * @internal
 * @packageDocumentation
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { builtExecutable } from '../process.js';
import * as bridge from './bridge.js';
import * as common from './common.js';
import * as ptp from './ptp.js';
import { CODES, CniError, parseConf, readEnv, SUPPORTED_VERSIONS, writeResult, type CniEnv, type NetConf, type Result } from './spec.js';

/** The plugin types, as a conflist's `"type"` names them. */
export const PLUGINS = { 'netns-link-bridge': 'bridge', 'netns-link-ptp': 'ptp' } as const;
export type PluginType = (typeof PLUGINS)[keyof typeof PLUGINS];

/** What differs between the plugins: their keys, ADD and CHECK. DEL, GC and STATUS are common.ts's. */
interface Plugin {
  /** Checks the configuration's keys, as the reference plugin does (code 7 for a bad one). */
  keys(conf: NetConf): { ipMasq: boolean };
  add(conf: NetConf, raw: string, env: CniEnv): Promise<Result>;
  check(conf: NetConf, env: CniEnv): Promise<void>;
}
const IMPLS: Record<PluginType, Plugin> = {
  bridge: { keys: bridge.bridgeConf, add: bridge.add, check: bridge.check },
  ptp: { keys: ptp.ptpConf, add: ptp.add, check: ptp.check },
};

/**
 * One call: the answer to print and the exit status. `callerPid`: the process whose namespace is
 * the runtime's, when it is not this one's (the agent's caller).
 */
export async function call(type: PluginType, env: Readonly<Record<string, string | undefined>>, stdin: string, callerPid: number | null = null): Promise<{ stdout: string; status: number }> {
  let version: string = SUPPORTED_VERSIONS[SUPPORTED_VERSIONS.length - 1]!;
  try {
    const e = readEnv(env, callerPid);
    if (e.command === 'VERSION') {
      // The version of the config given, if one is, else the newest.
      const given = (() => {
        try {
          return (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
        } catch {
          return undefined;
        }
      })();
      return { stdout: JSON.stringify({ cniVersion: typeof given === 'string' ? given : version, supportedVersions: SUPPORTED_VERSIONS }), status: 0 };
    }
    const conf = parseConf(stdin);
    version = conf.cniVersion;
    if ((e.command === 'GC' || e.command === 'STATUS') && !['1.1.0'].includes(version)) {
      throw new CniError(CODES.INCOMPATIBLE_VERSION, `config version "${version}" does not allow ${e.command}`);
    }
    if (e.command === 'CHECK' && version.startsWith('0.3')) throw new CniError(CODES.INCOMPATIBLE_VERSION, `config version "${version}" does not allow CHECK`);
    const impl = IMPLS[type];
    switch (e.command) {
      case 'ADD':
        return { stdout: JSON.stringify(writeResult(await impl.add(conf, stdin, e), version)), status: 0 };
      case 'DEL':
        await common.del(conf, stdin, e, impl.keys(conf).ipMasq);
        return { stdout: '', status: 0 };
      case 'CHECK':
        await impl.check(conf, e);
        return { stdout: '', status: 0 };
      case 'GC':
        impl.keys(conf);
        await common.gc(conf, stdin, e);
        return { stdout: '', status: 0 };
      case 'STATUS':
        impl.keys(conf);
        await common.status(conf, stdin, e);
        return { stdout: '', status: 0 };
    }
  } catch (e) {
    const err = e instanceof CniError ? e : new CniError(CODES.GENERIC, e instanceof Error ? e.message : String(e));
    return { stdout: JSON.stringify(err.toJSON(version)), status: 1 };
  }
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

/** The executable's body: one call, answered, then exit. */
export async function main(type: PluginType): Promise<void> {
  const stdin = process.env.CNI_COMMAND === 'VERSION' && process.stdin.isTTY ? '' : await readStdin();
  const { stdout, status } = await call(type, process.env, stdin);
  if (stdout) process.stdout.write(`${stdout}\n`);
  process.exitCode = status;
}

/** Where the agent listens unless told otherwise (`cni serve --socket`, `cni install --socket`). */
export const DEFAULT_SOCKET = '/run/netns-link/cni.sock';

/** The native client installed under the plugins' names. */
const CLIENT = 'netns-link-cni';
/** The end of an installed plugin: what native/cni-client.c reads back. */
const TRAILER_MAGIC = Buffer.from('NLCNI\0v1', 'latin1');

/**
 * Writes the plugins into `dir` under their type names: copies of the native client
 * (native/cni-client.c), each with a record appended of the agent's socket, this node's absolute
 * path and the plain-mode entry (this file), so that nothing depends on `PATH`. Returns the
 * paths written.
 */
export function install(dir: string, socket: string = DEFAULT_SOCKET): string[] {
  if (!isAbsolute(socket)) throw new TypeError(`the agent's socket must be an absolute path, got ${JSON.stringify(socket)}`);
  if (Buffer.byteLength(socket) > 107) throw new RangeError(`the agent's socket path ${JSON.stringify(socket)} is longer than a Unix socket address (107 bytes)`);
  const client = readFileSync(builtExecutable(CLIENT));
  const record = Buffer.from(`${socket}\0${process.execPath}\0${__filename}\0`, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(record.length);
  const body = Buffer.concat([client, record, length, TRAILER_MAGIC]);
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const name of Object.keys(PLUGINS)) {
    const path = join(dir, name);
    writeFileSync(`${path}.tmp`, body, { mode: 0o755 });
    chmodSync(`${path}.tmp`, 0o755);
    renameSync(`${path}.tmp`, path);
    written.push(path);
  }
  return written;
}

// Plain mode: the client execs `node main.js TYPE` with the runtime's stdin and environment.
if (require.main === module) {
  const type = process.argv[2];
  if (type !== 'bridge' && type !== 'ptp') {
    process.stderr.write(`usage: node ${__filename} bridge|ptp (the CNI plugins run it; see netns-link cni install)\n`);
    process.exitCode = 2;
  } else {
    void main(type);
  }
}

/**
 * The CNI plugins' entry point: what `netns-link cni install` puts in `/opt/cni/bin` under the
 * type names `netns-link-bridge` and `netns-link-ptp` calls `main(type)`. It reads the config on
 * stdin and the `CNI_*` environment, answers on stdout (a result, or the spec's error object with
 * exit status 1), and never depends on `PATH` (runtimes exec plugins with a minimal environment).
 * @internal
 * @packageDocumentation
 */
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as bridge from './bridge.js';
import * as ptp from './ptp.js';
import { CODES, CniError, parseConf, readEnv, SUPPORTED_VERSIONS, writeResult, type CniEnv, type NetConf, type Result } from './spec.js';

/** The plugin types, as a conflist's `"type"` names them. */
export const PLUGINS = { 'netns-link-bridge': 'bridge', 'netns-link-ptp': 'ptp' } as const;
export type PluginType = (typeof PLUGINS)[keyof typeof PLUGINS];

interface Plugin {
  add(conf: NetConf, raw: string, env: CniEnv): Promise<Result>;
  del(conf: NetConf, raw: string, env: CniEnv): Promise<void>;
  check(conf: NetConf, env: CniEnv): Promise<void>;
  gc(conf: NetConf, raw: string, env: CniEnv): Promise<void>;
  status(conf: NetConf, raw: string, env: CniEnv): Promise<void>;
}
const IMPLS: Record<PluginType, Plugin> = { bridge, ptp };

/** One call: the answer to print and the exit status. */
export async function call(type: PluginType, env: NodeJS.ProcessEnv, stdin: string): Promise<{ stdout: string; status: number }> {
  let version: string = SUPPORTED_VERSIONS[SUPPORTED_VERSIONS.length - 1]!;
  try {
    const e = readEnv(env);
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
        await impl.del(conf, stdin, e);
        return { stdout: '', status: 0 };
      case 'CHECK':
        await impl.check(conf, e);
        return { stdout: '', status: 0 };
      case 'GC':
        await impl.gc(conf, stdin, e);
        return { stdout: '', status: 0 };
      case 'STATUS':
        await impl.status(conf, stdin, e);
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

/**
 * Writes the plugins into `dir` under their type names: small scripts that run this node, by
 * its absolute path (recorded now), on this installation's dist/. Returns the paths written.
 */
export function install(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, type] of Object.entries(PLUGINS)) {
    const path = join(dir, name);
    const body = `#!${process.execPath}\n// netns-link CNI plugin ${name}: installed by netns-link cni install.\nrequire(${JSON.stringify(join(__dirname, 'main.js'))}).main(${JSON.stringify(type)});\n`;
    writeFileSync(`${path}.tmp`, body, { mode: 0o755 });
    chmodSync(`${path}.tmp`, 0o755);
    renameSync(`${path}.tmp`, path);
    written.push(path);
  }
  return written;
}

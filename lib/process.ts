/**
 * Processes inside a namespace, as `ip netns exec` runs them, through the small helper built
 * with the addon: it enters the namespace through a descriptor handed to it, closes that, and
 * execs the command directly (no shell: the arguments reach it as they are). The helper reports
 * its own failures (entering the namespace, the mounts) on a status pipe of their own, so they
 * are never mistaken for the command's exit status.
 * @packageDocumentation
 */
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions, type StdioOptions } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { contextError, NetlinkError, type ErrorContext } from './errors.js';
import { checkMs, showValue } from './validate.js';

const HELPER = 'netns-link-exec';
let helper: string | undefined;

/** The helper's exit status when it failed before running the command (as `ip netns exec`'s). @internal */
export const HELPER_FAILED = 255;

/** Default of {@link NetnsExecOptions.maxBuffer}: 64 MiB. */
const MAX_BUFFER = 64 << 20;
/** Default of {@link NetnsExecOptions.killAfter}, in milliseconds. */
const KILL_AFTER = 2000;
/** After the last SIGKILL, how long a descendant outside the process group may hold stdout open. */
const STDIO_GRACE = 100;

const { ENOENT, ENOTDIR, EIO, EPERM } = constants.errno;

/**
 * The helper executable: from a local build, or the prebuild shipped in the package. Developer
 * builds only: `NETNS_LINK_HELPER=/path/to/netns-link-exec` uses that file instead, e.g. the
 * sanitized build-asan/netns-link-exec that `npm run test:asan` points it at, without replacing
 * build/Release. Not meant for production.
 * @internal
 */
export function helperPath(): string {
  if (helper) return helper;
  const override = process.env.NETNS_LINK_HELPER;
  if (override) {
    if (!existsSync(override)) throw new Error(`netns-link: NETNS_LINK_HELPER names no file: ${override}`);
    helper = resolvePath(override);
    return helper;
  }
  helper = builtExecutable(HELPER);
  return helper;
}

/**
 * One of the package's native executables (the exec helper, the CNI client): from a local build,
 * or the prebuild shipped in the package.
 * @internal
 */
export function builtExecutable(name: string): string {
  const root = join(__dirname, '..');
  const candidates = [join(root, 'build', 'Release', name), join(root, 'prebuilds', `${process.platform}-${process.arch}`, name)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`netns-link: ${name} is missing (looked in ${candidates.join(', ')}); reinstall, or build with node-gyp`);
  return found;
}

/**
 * Options of {@link Netns.spawn}: those of Node's `child_process.spawn`, except `shell` (the
 * command runs directly, never through a shell). The helper's status pipe takes one extra
 * `stdio` slot after the caller's (it closes as soon as the command runs).
 */
export type NetnsSpawnOptions = Omit<SpawnOptions, 'shell' | 'argv0'>;

/** Options of {@link Netns.exec}. */
export interface NetnsExecOptions extends Omit<NetnsSpawnOptions, 'stdio' | 'timeout' | 'killSignal'> {
  /** Written to the command's standard input, which is then closed. */
  input?: string | Buffer | Uint8Array;
  /**
   * Largest output kept per stream, in bytes (an integer ≥ 0, or `Infinity`); more ends the
   * command as a timeout does. Default 64 MiB.
   */
  maxBuffer?: number;
  /**
   * Ends the command after this many milliseconds (an integer, 1 to 2^31 - 1): `killSignal` is
   * sent, then SIGKILL `killAfter` ms later if anything of it is still running. With a timeout
   * the command leads a process group of its own (as coreutils `timeout` runs it), so the
   * signals reach every process it started; it then gets no signals from the terminal.
   */
  timeout?: number;
  /** The signal sent first when the timeout or `maxBuffer` is reached; default `'SIGTERM'`. */
  killSignal?: NodeJS.Signals | number;
  /** Milliseconds between `killSignal` and SIGKILL (an integer, 0 to 2^31 - 1); default 2000. */
  killAfter?: number;
}

/** What {@link Netns.exec} resolves with. */
export interface ExecResult {
  /** What the command wrote to its standard output. */
  stdout: string;
  /** What it wrote to its standard error. */
  stderr: string;
}

/**
 * A command run by {@link Netns.exec} that did not succeed: it exited non-zero (127 when it
 * could not be executed: not found, not executable), or was killed. A failure to start it
 * inside the namespace (entering the namespace, its mounts) is a {@link NetlinkError} instead.
 */
export class ExecError extends Error {
  /** The exit code, or null if a signal ended it. */
  readonly exitCode: number | null;
  /** The signal that ended it, or null. */
  readonly signal: NodeJS.Signals | null;
  /** What the command wrote to its standard output. */
  readonly stdout: string;
  /** What it wrote to its standard error. */
  readonly stderr: string;
  /** The command and its arguments. */
  readonly command: readonly string[];

  /** @internal */
  constructor(where: string, command: readonly string[], exitCode: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string) {
    const how = signal ? `was killed by ${signal}` : `exited with code ${exitCode}`;
    const said = stderr.trim().split('\n').pop();
    super(`exec ${command.join(' ')} in netns ${where} ${how}${said ? `: ${said}` : ''}`);
    this.name = 'ExecError';
    this.exitCode = exitCode;
    this.signal = signal;
    this.stdout = stdout;
    this.stderr = stderr;
    this.command = command;
  }
}

function checkCommand(command: unknown, args: unknown): string[] {
  if (typeof command !== 'string' || command.length === 0 || command.includes('\0')) {
    throw new TypeError(`command must be a non-empty string without NUL, got ${showValue(command)}`);
  }
  if (!Array.isArray(args)) throw new TypeError(`args must be an array of strings, got ${showValue(args)}`);
  for (const a of args) {
    if (typeof a !== 'string' || a.includes('\0')) throw new TypeError(`each argument must be a string without NUL, got ${showValue(a)}`);
  }
  return args as string[];
}

/** undefined (read as `{}`) or a plain object: an array, a class instance or null is refused. */
function checkPlainObject(v: unknown, what: string): Record<string, unknown> {
  if (v === undefined) return {};
  const proto = v !== null && typeof v === 'object' ? Object.getPrototypeOf(v) : undefined;
  if (proto !== Object.prototype && proto !== null) throw new TypeError(`${what} must be a plain object, got ${showValue(v)}`);
  return v as Record<string, unknown>;
}

function checkSignal(v: unknown): NodeJS.Signals | number {
  if (typeof v === 'string') {
    if (Object.hasOwn(constants.signals, v)) return v as NodeJS.Signals;
    throw new RangeError(`killSignal ${showValue(v)} is not a signal name such as 'SIGTERM'`);
  }
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 1 && v <= 64) return v;
    throw new RangeError(`killSignal ${v} is not a signal number (1 to 64)`);
  }
  throw new TypeError(`killSignal must be a signal name or number, got ${showValue(v)}`);
}

/** `cwd`, checked here: else a missing one would read as the helper's own `spawn ... ENOENT`. */
function checkCwd(cwd: unknown, ctx: ErrorContext): void {
  if (cwd === undefined) return;
  let path: string;
  if (typeof cwd === 'string' && cwd.length > 0 && !cwd.includes('\0')) path = cwd;
  else if (cwd instanceof URL) path = fileURLToPath(cwd);
  else throw new TypeError(`cwd must be a path, got ${showValue(cwd)}`);
  let errno: number;
  try {
    if (statSync(path).isDirectory()) return;
    errno = ENOTDIR;
  } catch (e) {
    errno = (constants.errno as Record<string, number>)[(e as NodeJS.ErrnoException).code ?? ''] ?? EIO;
  }
  const hints = { [ENOENT]: `cwd ${path} does not exist`, [ENOTDIR]: `cwd ${path} is not a directory` };
  throw contextError({ ...ctx, hints: { ...ctx.hints, ...hints, [errno]: hints[errno] ?? `cwd ${path} cannot be used` } }, errno, null, 'chdir');
}

function stdioArray(stdio: StdioOptions | undefined): (string | number | null | undefined | object)[] {
  if (stdio === undefined) return ['pipe', 'pipe', 'pipe'];
  if (typeof stdio === 'string') return [stdio, stdio, stdio];
  const out: (string | number | null | undefined | object)[] = [...stdio];
  while (out.length < 3) out.push('pipe');
  return out;
}

/** What process operations need of a namespace. @internal */
export interface ProcessHost {
  readonly label: string;
  /** Set for a namespace named under /run/netns: `ip netns exec` semantics apply. */
  readonly name: string | null;
  borrowFd(): number;
  returnFd(): void;
}

function processContext(op: string, host: ProcessHost, command: string): ErrorContext {
  return { op, object: { netns: host.label, command }, subject: `${command} in netns ${host.label}` };
}

/** The helper's status line, `ERRNO SYSCALL[ ARGUMENT]`, as a NetlinkError. */
function helperError(line: string, ctx: ErrorContext): NetlinkError {
  const m = /^(\d+) (\S+)(?: (.*))?$/u.exec(line.trim());
  if (!m) return contextError({ ...ctx, hints: { [EIO]: `the ${HELPER} helper failed: ${line.trim().slice(0, 200)}` } }, EIO, null);
  const errno = Number(m[1]);
  const syscall = m[2]!;
  const arg = m[3];
  const step = syscall === 'setns' ? 'entering the namespace (setns)' : `${syscall}${arg ? ` ${arg}` : ''}`;
  const need = errno === EPERM || errno === constants.errno.EACCES ? ': root or CAP_SYS_ADMIN is needed' : '';
  return contextError({ ...ctx, hints: { [errno]: `${step} failed before the command started${need}` } }, errno, null, syscall);
}

/**
 * Reads the helper's status pipe: a line there is the helper's own failure, emitted as the
 * ChildProcess's 'error' (before its 'close'); end-of-file with nothing means the command runs.
 */
function watchStatus(child: ChildProcess, slot: number, ctx: ErrorContext): void {
  const stream = (child.stdio as unknown as (Readable | null)[] | undefined)?.[slot];
  if (!stream) return; // spawn itself failed: Node emits that error
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('error', () => undefined);
  stream.on('end', () => {
    if (chunks.length) child.emit('error', helperError(Buffer.concat(chunks).toString(), ctx));
  });
}

/** How {@link execIn} asks more of the helper than {@link Netns.spawn} does. @internal */
interface SpawnInternal {
  op: string;
  processGroup: boolean;
}

/**
 * `ip netns exec NAME COMMAND ARGS...`, as a ChildProcess. A failure of the helper before the
 * command runs is emitted as the child's 'error' (a NetlinkError), then it exits 255.
 * @internal
 */
export function spawnIn(
  host: ProcessHost,
  command: string,
  args: readonly string[] = [],
  options: NetnsSpawnOptions = {},
  internal: SpawnInternal = { op: 'spawn', processGroup: false },
): ChildProcess {
  const argv = checkCommand(command, args);
  const o = checkPlainObject(options, 'spawn options') as NetnsSpawnOptions;
  if ('shell' in o && (o as SpawnOptions).shell) throw new TypeError('shell is not supported: the command runs directly, with its arguments as given');
  const ctx = processContext(internal.op, host, command);
  checkCwd(o.cwd, ctx);
  const exe = helperPath();
  const stdio = stdioArray(o.stdio);
  // The helper's status pipe and the namespace's descriptor go to it in two extra slots; the
  // helper closes both before the exec. spawn() forks synchronously, so the descriptor can be
  // given back right after.
  const statusSlot = stdio.length;
  stdio.push('pipe');
  const nsSlot = stdio.length;
  const helperArgs = ['-s', String(statusSlot), ...(host.name ? ['-n', host.name] : []), ...(internal.processGroup ? ['-g'] : [])];
  stdio.push(host.borrowFd());
  let child: ChildProcess;
  try {
    child = nodeSpawn(exe, [...helperArgs, String(nsSlot), '--', command, ...argv], { ...o, stdio: stdio as StdioOptions });
  } finally {
    host.returnFd();
  }
  watchStatus(child, statusSlot, ctx);
  return child;
}

interface ExecSettings {
  input: string | Uint8Array | undefined;
  maxBuffer: number;
  timeout: number | undefined;
  killSignal: NodeJS.Signals | number;
  killAfter: number;
  spawnOptions: NetnsSpawnOptions;
}

function checkExecOptions(options: unknown): ExecSettings {
  const o = checkPlainObject(options, 'exec options');
  const { input, maxBuffer, timeout, killSignal, killAfter, ...rest } = o;
  if ('stdio' in rest) throw new TypeError(`exec options: stdio is not supported (exec collects stdout and stderr; use spawn), got ${showValue(rest.stdio)}`);
  if (input !== undefined && typeof input !== 'string' && !(input instanceof Uint8Array)) {
    throw new TypeError(`input must be a string or a Buffer, got ${showValue(input)}`);
  }
  if (maxBuffer !== undefined) {
    if (typeof maxBuffer !== 'number') throw new TypeError(`maxBuffer must be a number of bytes, got ${showValue(maxBuffer)}`);
    if (!(maxBuffer >= 0) || (!Number.isInteger(maxBuffer) && maxBuffer !== Infinity)) {
      throw new RangeError(`maxBuffer ${maxBuffer} must be a whole number of bytes ≥ 0, or Infinity`);
    }
  }
  return {
    input: input as string | Uint8Array | undefined,
    maxBuffer: maxBuffer ?? MAX_BUFFER,
    timeout: timeout === undefined ? undefined : checkMs(timeout, 'timeout', 1),
    killSignal: killSignal === undefined ? 'SIGTERM' : checkSignal(killSignal),
    killAfter: killAfter === undefined ? KILL_AFTER : checkMs(killAfter, 'killAfter', 0),
    spawnOptions: rest as NetnsSpawnOptions,
  };
}

/** Node's own failure to start the helper (EMFILE, EAGAIN, ENOMEM...) as a NetlinkError. */
function spawnError(e: unknown, ctx: ErrorContext, cwd: unknown): unknown {
  const x = e as NodeJS.ErrnoException;
  if (!(x instanceof Error) || typeof x.code !== 'string' || !x.syscall?.startsWith('spawn')) return e;
  const errno = (constants.errno as Record<string, number>)[x.code] ?? (typeof x.errno === 'number' ? Math.abs(x.errno) : undefined);
  if (errno === undefined) return e;
  const hints: Record<number, string> = {
    [constants.errno.EMFILE]: 'no descriptor left for the pipes of a new process (ulimit -n)',
    [constants.errno.ENFILE]: 'the system has no descriptor left for the pipes of a new process',
    [constants.errno.EAGAIN]: 'no process can be started now (ulimit -u, or memory)',
  };
  if (errno === ENOENT && typeof cwd === 'string' && !existsSync(cwd)) hints[ENOENT] = `cwd ${cwd} does not exist`;
  const out = contextError({ ...ctx, hints }, errno, null, 'spawn');
  (out as { cause?: unknown }).cause = e;
  return out;
}

/** Runs a command to completion inside the namespace. @internal */
export function execIn(host: ProcessHost, command: string, args: readonly string[] = [], options?: NetnsExecOptions): Promise<ExecResult> {
  const s = checkExecOptions(options);
  checkCommand(command, args);
  const ctx = processContext('exec', host, command);
  const group = s.timeout !== undefined;
  return new Promise((resolve, reject) => {
    const child = spawnIn(host, command, args, { ...s.spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] }, { op: 'exec', processGroup: group });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timers: NodeJS.Timeout[] = [];
    let settled = false;
    let killedFor: string | null = null;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      finish();
    };
    // Listen for 'error' first: when spawn fails outright (EMFILE), Node emits it and the child
    // has no stdio at all.
    child.on('error', (e) => settle(() => reject(spawnError(e, ctx, s.spawnOptions.cwd))));

    const signal = (sig: NodeJS.Signals | number): void => {
      const pid = child.pid;
      if (pid === undefined) return;
      if (group) {
        try {
          process.kill(-pid, sig);
          return;
        } catch {
          // no such group (yet: the helper had not called setpgid; or any more): the process alone
        }
      }
      try {
        child.kill(sig);
      } catch {
        // already gone
      }
    };
    const terminate = (why: string): void => {
      if (killedFor !== null) return;
      killedFor = why;
      signal(s.killSignal);
      if (group) signal('SIGCONT'); // a stopped member gets the signal too
      timers.push(
        setTimeout(() => {
          signal('SIGKILL');
          // A descendant that left the group may still hold the pipes: stop waiting for it.
          timers.push(
            setTimeout(() => {
              child.stdout?.destroy();
              child.stderr?.destroy();
            }, STDIO_GRACE),
          );
        }, s.killAfter),
      );
    };

    if (!child.stdout || !child.stderr || !child.stdin) return; // the 'error' above follows
    const collect = (into: Buffer[]) => {
      let size = 0;
      return (chunk: Buffer) => {
        if (killedFor !== null) return;
        size += chunk.length;
        if (size > s.maxBuffer) {
          terminate(`output over maxBuffer (${s.maxBuffer} bytes)`);
          return;
        }
        into.push(chunk);
      };
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    if (s.timeout !== undefined) {
      const ms = s.timeout;
      timers.push(setTimeout(() => terminate(`timeout of ${ms} ms`), ms));
    }
    child.on('close', (code, sig) => {
      settle(() => {
        const stdout = Buffer.concat(out).toString();
        const stderr = Buffer.concat(err).toString() + (killedFor ? `\nkilled: ${killedFor}` : '');
        if (code === 0 && !killedFor) resolve({ stdout, stderr });
        else reject(new ExecError(host.label, [command, ...args], code, sig, stdout, stderr));
      });
    });
    child.stdin.on('error', () => undefined); // a command that never reads its input
    child.stdin.end(s.input);
  });
}

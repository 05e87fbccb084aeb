#!/usr/bin/env node
// The native developer builds (CMakeLists.txt, configured and built by cmake-js), each in a
// directory of its own; the release build (node-gyp: build/Release, the prebuilds) is never
// touched, so any of these can be interrupted, or run while the tests load build/Release.
//
//   node scripts/native-build.js asan     build-asan/: the addon and the helper with ASan and
//                                         UBSan, by gcc (whose runtimes test:asan preloads)
//   node scripts/native-build.js replay   build-fuzz/replay/: the corpus replay, with ASan and
//                                         UBSan where $CXX (default g++) links them
//   node scripts/native-build.js fuzz     build-fuzz/libfuzzer/: the libFuzzer target, by
//                                         $FUZZ_CXX (default clang++)
//   node scripts/native-build.js dev      build-dev/: every target, plain, and
//                                         compile_commands.json, linked at the repository root
//
// cmake-js configures a directory (it finds Node's headers); later runs only build what changed
// (`cmake --build`), configuring again when the options or the compiler differ. Output is shown
// only when a step fails, unless NATIVE_BUILD_VERBOSE=1.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, lstatSync, readFileSync, rmSync, symlinkSync, unlinkSync } = require('node:fs');
const { cpus } = require('node:os');
const { dirname, join, relative } = require('node:path');

const root = join(__dirname, '..');
const cmakeJs = join(root, 'node_modules', '.bin', 'cmake-js');
const SANITIZERS = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all'];
const FUZZ_PROBE = 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long){return 0;}';

/** Whether `compiler` can link `program` with `flags` (g++ without libasan cannot). */
function links(compiler, flags, program = 'int main(){return 0;}') {
  const r = spawnSync(compiler, [...flags, '-x', 'c++', '-', '-o', '/dev/null'], { input: program });
  return r.status === 0;
}

/** The C compiler that goes with a C++ one: clang++-14 -> clang-14, g++ -> gcc. */
const cOf = (cxx) => (/(^|\/)g\+\+/u.test(cxx) ? cxx.replace(/g\+\+/u, 'gcc') : cxx.replace(/\+\+/u, ''));

/** `name` as found on PATH (CMake's cache holds the full path), or `name` itself. */
function which(name) {
  if (name.includes('/')) return name;
  for (const d of (process.env.PATH ?? '').split(':')) if (d && existsSync(join(d, name))) return join(d, name);
  return name;
}

/** What each kind of build is: its directory, compiler, CMake options and targets. */
const KINDS = {
  asan: () => ({ dir: 'build-asan', cxx: 'g++', options: { NETNS_LINK_SANITIZE: 'ON' }, targets: ['netns_link', 'netns-link-exec'] }),
  replay: () => {
    const cxx = process.env.CXX || 'g++';
    return { dir: 'build-fuzz/replay', cxx, options: { NETNS_LINK_SANITIZE: links(cxx, SANITIZERS) ? 'ON' : 'OFF' }, targets: ['exchange-replay'] };
  },
  fuzz: () => {
    const cxx = process.env.FUZZ_CXX || 'clang++';
    if (!links(cxx, ['-fsanitize=fuzzer,address,undefined'], FUZZ_PROBE)) {
      throw Object.assign(new Error(`native-build: ${cxx} cannot build a libFuzzer target (apt-get install clang)`), { code: 'NO_TOOLCHAIN' });
    }
    return { dir: 'build-fuzz/libfuzzer', cxx, options: { NETNS_LINK_FUZZER: 'ON' }, targets: ['exchange-fuzz'] };
  },
  dev: () => ({ dir: 'build-dev', cxx: process.env.CXX || 'g++', options: {}, targets: [] }),
};

/**
 * Where Node's headers are (CMAKE_JS_INC): npm's nodedir when npm runs this, else the running
 * node's own include/node (Debian's node and the official builds have it). Without either,
 * cmake-js downloads them. Not node-api-headers (cmake-js's "binary.napi_versions" mode): the
 * addon uses libuv (native/watch.cc), whose uv.h only Node's own headers have.
 */
function nodedir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node.h')) ? prefix : undefined;
}

function run(cmd, args, verbose) {
  const headers = nodedir();
  const env = { ...process.env, ...(headers ? { npm_config_nodedir: headers } : {}) };
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: verbose ? 'inherit' : 'pipe', env });
  if (r.status === 0) return;
  if (!verbose) process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  throw new Error(`native-build: ${cmd === cmakeJs ? 'cmake-js' : cmd} ${args.join(' ')} failed${r.error ? ` (${r.error.message})` : ''}`);
}

/** The cache's value of each of `keys`, or undefined where the directory was never configured whole. */
function cached(dir, keys) {
  const cache = join(dir, 'CMakeCache.txt');
  if (!existsSync(cache) || !['build.ninja', 'Makefile'].some((f) => existsSync(join(dir, f)))) return undefined;
  const text = readFileSync(cache, 'utf8');
  return Object.fromEntries(keys.map((key) => [key, new RegExp(`^${key}:\\w+=(.*)$`, 'mu').exec(text)?.[1]]));
}

/**
 * Configures (when the directory is new or its options changed) and builds one kind; returns
 * its directory (absolute) and whether it is sanitized. Throws with the build's output when a
 * step fails.
 */
function build(kind, { verbose = process.env.NATIVE_BUILD_VERBOSE === '1' } = {}) {
  if (!Object.hasOwn(KINDS, kind)) throw new Error(`native-build: no build kind ${kind} (${Object.keys(KINDS).join(', ')})`);
  const k = KINDS[kind]();
  const dir = join(root, k.dir);
  const options = { NETNS_LINK_SANITIZE: 'OFF', NETNS_LINK_FUZZER: 'OFF', ...k.options };
  const compilers = { CMAKE_C_COMPILER: which(cOf(k.cxx)), CMAKE_CXX_COMPILER: which(k.cxx) };
  const was = cached(dir, [...Object.keys(compilers), ...Object.keys(options)]);
  // CMake keeps a directory's first compiler: another one starts the directory over.
  if (was && Object.entries(compilers).some(([key, value]) => was[key] !== value)) rmSync(dir, { recursive: true, force: true });
  // A build re-runs CMake by itself when CMakeLists.txt changes; new options need cmake-js.
  if (!was || Object.entries({ ...compilers, ...options }).some(([key, value]) => was[key] !== value)) {
    const args = ['configure', '--out', dir, '--config', 'Release', '--cc', compilers.CMAKE_C_COMPILER, '--cxx', compilers.CMAKE_CXX_COMPILER];
    run(cmakeJs, [...args, ...Object.entries(options).map(([key, value]) => `--CD${key}=${value}`)], verbose);
  }
  const targets = k.targets.length ? ['--target', ...k.targets] : [];
  run('cmake', ['--build', dir, ...targets, '--parallel', String(cpus().length || 1)], verbose);
  return { dir, sanitized: options.NETNS_LINK_SANITIZE === 'ON' || options.NETNS_LINK_FUZZER === 'ON' };
}

/** compile_commands.json at the repository root, a link to build-dev's, for editors (clangd). */
function linkCompileCommands(dir) {
  const at = join(root, 'compile_commands.json');
  let stat;
  try {
    stat = lstatSync(at);
  } catch {
    stat = undefined;
  }
  if (stat && !stat.isSymbolicLink()) return `${at} is a file of its own: left alone`;
  if (stat) unlinkSync(at);
  symlinkSync(relative(root, join(dir, 'compile_commands.json')), at);
  return `${relative(root, at)} -> ${relative(root, join(dir, 'compile_commands.json'))}`;
}

module.exports = { build };

if (require.main === module) {
  const [kind = 'dev'] = process.argv.slice(2);
  try {
    const { dir } = build(kind);
    console.log(`native-build: ${kind} built in ${relative(root, dir)}/`);
    if (kind === 'dev') console.log(`native-build: ${linkCompileCommands(dir)}`);
  } catch (e) {
    console.error(e.message);
    process.exit(e.code === 'NO_TOOLCHAIN' ? 2 : 1);
  }
}

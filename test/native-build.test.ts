// binding.gyp (the release build: node-gyp, prebuildify) and CMakeLists.txt (the developer
// builds: sanitizers, fuzzing, compile_commands.json) build the same code: per target the same
// sources, defines, flags and libraries, and every source under native/ is built. Both files are
// read as text, so nothing is compiled and no cmake is needed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';

const root = join(__dirname, '..');
const gypText = readFileSync(join(root, 'binding.gyp'), 'utf8');
const cmakeText = readFileSync(join(root, 'CMakeLists.txt'), 'utf8');

interface GypTarget {
  target_name: string;
  type?: string;
  sources?: string[];
  defines?: string[];
  cflags?: string[];
  cflags_cc?: string[];
  libraries?: string[];
  include_dirs?: string[];
}

/** binding.gyp: JSON with # comments (outside strings). */
function parseGyp(text: string): GypTarget[] {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else {
      if (c === '"') inString = true;
      out += c;
    }
  }
  return (JSON.parse(out) as { targets: GypTarget[] }).targets;
}

interface CMakeTarget {
  kind: 'executable' | 'loadable_module' | 'library';
  sources: string[];
  defines: string[];
  flags: string[];
  libraries: string[];
  includes: string[];
}

/** The commands of CMakeLists.txt that matter here, with ${VAR} of set() expanded. */
function parseCMake(text: string): Map<string, CMakeTarget> {
  const code = text.replace(/#[^\n]*/gu, '');
  const vars = new Map<string, string[]>();
  const expand = (args: string[]): string[] => args.flatMap((a) => {
    const m = /^\$\{(\w+)\}$/u.exec(a);
    return m ? (vars.get(m[1]!) ?? [a]) : [a];
  });
  const targets = new Map<string, CMakeTarget>();
  const get = (name: string): CMakeTarget => {
    const target = targets.get(name);
    if (!target) throw new Error(`CMakeLists.txt sets properties of ${name} before add_library/add_executable`);
    return target;
  };
  for (const m of code.matchAll(/^\s*(\w+)\(([^)]*)\)/gmu)) {
    const [cmd, body] = [m[1]!.toLowerCase(), m[2]!];
    const args = body.split(/\s+/u).filter(Boolean);
    const [name, ...rest] = args;
    if (!name) continue;
    const scoped = expand(rest.filter((a) => !['PRIVATE', 'PUBLIC', 'INTERFACE'].includes(a)));
    if (cmd === 'set') vars.set(name, expand(rest));
    else if (cmd === 'add_executable') targets.set(name, { kind: 'executable', sources: expand(rest), defines: [], flags: [], libraries: [], includes: [] });
    else if (cmd === 'add_library') {
      const [type = '', ...sources] = rest;
      targets.set(name, { kind: type === 'MODULE' ? 'loadable_module' : 'library', sources: expand(sources), defines: [], flags: [], libraries: [], includes: [] });
    } else if (cmd === 'target_compile_definitions') get(name).defines.push(...scoped);
    else if (cmd === 'target_compile_options') get(name).flags.push(...scoped);
    else if (cmd === 'target_link_libraries') get(name).libraries.push(...scoped);
    else if (cmd === 'target_include_directories') get(name).includes.push(...scoped);
  }
  return targets;
}

/** `what` of `target` as each file has it, or '' when they agree. */
function differ(target: string, what: string, gyp: string[], cmake: string[]): string {
  const onlyGyp = gyp.filter((x) => !cmake.includes(x));
  const onlyCMake = cmake.filter((x) => !gyp.includes(x));
  if (!onlyGyp.length && !onlyCMake.length) return '';
  return `${target} ${what}: ${onlyGyp.length ? `only in binding.gyp: ${onlyGyp.join(' ')}` : ''}${onlyGyp.length && onlyCMake.length ? '; ' : ''}${onlyCMake.length ? `only in CMakeLists.txt: ${onlyCMake.join(' ')}` : ''}`;
}

/** Everything in which the two builds differ, each said in a line (none: they agree). */
function compare(gypSource: string, cmakeSource: string, nativeFiles: string[]): string[] {
  const gyp = parseGyp(gypSource);
  const cmake = parseCMake(cmakeSource);
  const problems: string[] = [];
  for (const g of gyp) {
    const c = cmake.get(g.target_name);
    if (!c) {
      problems.push(`${g.target_name}: a binding.gyp target with no CMakeLists.txt target of that name`);
      continue;
    }
    const kind = g.type ?? 'loadable_module';
    if (kind !== c.kind) problems.push(`${g.target_name}: a ${kind} in binding.gyp, a ${c.kind} in CMakeLists.txt`);
    problems.push(differ(g.target_name, 'sources', g.sources ?? [], c.sources));
    // node-gyp defines NODE_GYP_MODULE_NAME itself; CMakeLists.txt says so per target.
    problems.push(differ(g.target_name, 'defines', g.defines ?? [], c.defines.filter((d) => d !== `NODE_GYP_MODULE_NAME=${g.target_name}`)));
    problems.push(differ(g.target_name, 'flags', [...(g.cflags ?? []), ...(g.cflags_cc ?? [])], c.flags));
    // Targets of CMakeLists.txt's own (repo_flags: node-gyp's implicit flags; ubsan_log) are not libraries.
    problems.push(differ(g.target_name, 'libraries', (g.libraries ?? []).map((l) => l.replace(/^-l/u, '')), c.libraries.filter((l) => !cmake.has(l))));
    if ((g.include_dirs ?? []).some((d) => d.includes("require('node-addon-api').include_dir")) !== c.includes.includes('${NODE_ADDON_API_DIR}')) {
      problems.push(`${g.target_name} include dirs: node-addon-api's in one file only`);
    }
  }
  const shipped = new Set(gyp.flatMap((g) => g.sources ?? []));
  for (const [name, c] of cmake) {
    if (gyp.some((g) => g.target_name === name)) continue;
    // The targets not in binding.gyp (the fuzz harness, ubsan_log of the sanitized builds): their
    // own sources, which never ship (native/fuzz/, scripts/), and the addon's.
    const strays = c.sources.filter((s) => !/^(native\/fuzz|scripts)\//u.test(s) && !shipped.has(s));
    if (strays.length) problems.push(`${name}: sources that no binding.gyp target builds: ${strays.join(' ')}`);
  }
  const built = new Set([...shipped, ...[...cmake.values()].flatMap((c) => c.sources)]);
  const unbuilt = nativeFiles.filter((f) => !built.has(f));
  if (unbuilt.length) problems.push(`sources under native/ that no target builds: ${unbuilt.join(' ')}`);
  return problems.filter(Boolean);
}

const nativeFiles = ['native', 'native/fuzz'].flatMap((d) => readdirSync(join(root, d)).filter((f) => /\.(cc|c)$/u.test(f)).map((f) => `${d}/${f}`));

t.test('CMakeLists.txt builds what binding.gyp builds', async (t) => {
  const targets = parseGyp(gypText).map((g) => g.target_name);
  t.same(targets, ['netns_link', 'netns-link-exec', 'netns-link-cni'], 'binding.gyp: the addon, the exec helper and the CNI client');
  t.same(compare(gypText, cmakeText, nativeFiles), [], 'per target the same sources, defines, flags and libraries, and every native source is built');
  const cmake = parseCMake(cmakeText);
  t.ok(cmake.get('netns_link')!.sources.length >= 10, `the addon from ${cmake.get('netns_link')!.sources.length} sources`);
  t.ok(cmake.has('exchange-replay') && cmake.has('exchange-fuzz'), 'and the fuzz replay and libFuzzer targets');
  t.match(cmakeText, /execute_process\(COMMAND node -p "require\('node-addon-api'\)\.include_dir"/u, "node-addon-api's headers found as binding.gyp finds them");
  t.match(cmakeText, /^set\(CMAKE_EXPORT_COMPILE_COMMANDS ON\)$/mu, 'compile_commands.json for editors');
});

/** binding.gyp with `change` made to its target `name`, as JSON (which gyp reads too). */
function gypWith(name: string, change: (target: GypTarget) => void): string {
  const targets = parseGyp(gypText);
  const target = targets.find((g) => g.target_name === name);
  if (!target) throw new Error(`binding.gyp has no target ${name}`);
  change(target);
  return JSON.stringify({ targets });
}

t.test('a difference is found and named', async (t) => {
  const swapped = gypWith('netns_link', (g) => {
    g.sources = [...(g.sources ?? []).filter((s) => s !== 'native/tuntap.cc'), 'native/extra.cc'];
  });
  t.same(compare(swapped, cmakeText, nativeFiles), ['netns_link sources: only in binding.gyp: native/extra.cc; only in CMakeLists.txt: native/tuntap.cc'], 'a source list of each');
  const flagged = cmakeText.replace('set(ADDON_FLAGS -std=c++17', 'set(ADDON_FLAGS -std=c++20');
  t.same(compare(gypText, flagged, nativeFiles), ['netns_link flags: only in binding.gyp: -std=c++17; only in CMakeLists.txt: -std=c++20'], 'a flag');
  const defined = gypWith('netns-link-exec', (g) => {
    g.defines = ['NETNS_LINK_X=1'];
  });
  t.same(compare(defined, cmakeText, nativeFiles), ['netns-link-exec defines: only in binding.gyp: NETNS_LINK_X=1'], 'a define');
  const linked = gypWith('netns_link', (g) => {
    g.libraries = [...(g.libraries ?? []), '-ldl'];
  });
  t.same(compare(linked, cmakeText, nativeFiles), ['netns_link libraries: only in binding.gyp: dl'], 'a library');
  t.same(compare(gypText, cmakeText, [...nativeFiles, 'native/new.cc']), ['sources under native/ that no target builds: native/new.cc'], 'a source built by neither');
  const stray = cmakeText.replace('set(FUZZ_SOURCES native/fuzz/exchange_fuzz.cc', 'set(FUZZ_SOURCES native/fuzz/exchange_fuzz.cc native/old.cc');
  t.same(compare(gypText, stray, nativeFiles), ['exchange-replay: sources that no binding.gyp target builds: native/old.cc', 'exchange-fuzz: sources that no binding.gyp target builds: native/old.cc'], 'a fuzz source the addon does not have');
  const renamed = cmakeText.replace('add_executable(netns-link-exec', 'add_executable(netns_link_exec').replace(/target_(\w+)\(netns-link-exec/gu, 'target_$1(netns_link_exec');
  t.same(compare(gypText, renamed, nativeFiles), ['netns-link-exec: a binding.gyp target with no CMakeLists.txt target of that name'], 'a target missing');
});

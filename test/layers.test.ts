// The layers of DESIGN.md, held: the wire layer is pure (it loads and parses without the addon,
// and requires nothing that does I/O), and nothing below the façade requires it.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';

const dist = join(__dirname, '..', 'dist');

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []));
}

/** What a compiled module requires at run time (type-only imports are gone by then). */
function requires(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/gu)].map((m) => m[1]!);
}

t.test('the wire layer requires only itself, the input checks and pure node modules', async (t) => {
  const allowed = new Set(['node:os', 'node:util', 'node:net']);
  const files = jsFiles(join(dist, 'wire'));
  t.ok(files.length >= 15, `${files.length} wire modules`);
  for (const f of files) {
    for (const r of requires(f)) {
      if (allowed.has(r)) continue;
      const target = relative(dist, join(f, '..', r));
      t.ok(target.startsWith('wire/') || target === 'validate.js', `${relative(dist, f)} requires ${r}`);
    }
  }
  for (const r of requires(join(dist, 'validate.js'))) t.ok(relative(dist, join(dist, r)).startsWith('wire/'), `validate.js requires ${r}`);
});

t.test('the wire layer loads and parses with the addon unloadable', async (t) => {
  // A child whose module loader refuses the addon and node-gyp-build outright.
  const script = `
    const Module = require('module');
    const load = Module._load;
    Module._load = function (request, ...rest) {
      if (/native(\\.js)?$|node-gyp-build|\\.node$/.test(request)) throw new Error('the addon was loaded: ' + request);
      return load.call(this, request, ...rest);
    };
    const { encodeNewAddress, parseAddress } = require(${JSON.stringify(join(dist, 'wire', 'address.js'))});
    const { parseLink } = require(${JSON.stringify(join(dist, 'wire', 'link.js'))});
    const { encodeNewLink } = require(${JSON.stringify(join(dist, 'wire', 'link-message.js'))});
    const { eachMessage } = require(${JSON.stringify(join(dist, 'wire', 'netlink.js'))});
    const { C } = require(${JSON.stringify(join(dist, 'wire', 'constants.js'))});
    const out = [];
    eachMessage(encodeNewAddress({ af: C.AF_INET, prefixLength: 24, index: 5, local: Buffer.from([192, 0, 2, 1]) }, false), (m) => out.push(parseAddress(m).cidr));
    eachMessage(encodeNewLink({ name: 'br0', kind: 'bridge', mtu: 1400 }), (m) => out.push(parseLink(m).name + ' ' + parseLink(m).mtu));
    process.stdout.write(JSON.stringify(out));
  `;
  const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  t.same(JSON.parse(out), ['192.0.2.1/24', 'br0 1400']);
});

t.test('operations never require the façade', async (t) => {
  for (const f of [...jsFiles(join(dist, 'ops')), join(dist, 'handle.js'), join(dist, 'connection.js'), join(dist, 'errors.js')]) {
    for (const r of requires(f)) t.not(relative(dist, join(f, '..', r)), 'netns.js', `${relative(dist, f)} requires ${r}`);
  }
});

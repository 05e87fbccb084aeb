// README's first example runs as written (with unique namespace names), so the README and the
// library cannot drift apart.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { uniqueName } from './helpers';

t.test('the README example runs and pings', async (t) => {
  const root = join(__dirname, '..');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /```js\n([\s\S]*?)```/u.exec(readme)?.[1];
  if (!block) throw new Error('README has no js example');
  const a = uniqueName('readmeA');
  const b = uniqueName('readmeB');
  const code = block
    .replaceAll("require('netns-link')", `require(${JSON.stringify(root)})`)
    .replaceAll('stationA', a)
    .replaceAll('stationB', b);
  const dir = mkdtempSync(join(tmpdir(), 'netns-link-readme-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'example.js'), code);
  const { stdout } = await promisify(execFile)('node', [join(dir, 'example.js')]);
  t.match(stdout, /Link <\d+: veth0@if\d+ veth/);
  t.match(stdout, /Address <192\.0\.2\.2\/24 dev veth1 scope global/);
  t.match(stdout, /64 bytes from 192\.0\.2\.2/);
  t.notOk(existsSync(`/run/netns/${a}`) || existsSync(`/run/netns/${b}`), 'both namespaces removed');
});

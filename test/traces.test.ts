// Errors a person can follow: the stack of a refusal shows the caller's own frames (V8's async
// stack traces), and NODE_DEBUG=netns-link traces each request and reply.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { NetlinkError, type Netns } from '../dist/index.js';
import { namedNetns } from './helpers';

t.test("a kernel's refusal carries the caller's function in its stack", async (t) => {
  const [ns] = (await namedNetns(t, 'trace')) as [Netns];
  async function configureTheLab(): Promise<void> {
    await ns.addAddress('nosuch0', '192.0.2.1/24');
  }
  const e = await configureTheLab().then(() => null, (x: unknown) => x);
  t.ok(e instanceof NetlinkError, 'a NetlinkError');
  t.match((e as Error).stack, /^NetlinkError: addAddress 192\.0\.2\.1\/24 on nosuch0/, 'the message first');
  t.match((e as Error).stack, /at async configureTheLab/, 'the caller\'s frame');
  t.notMatch((e as Error).stack, /at Connection\.settle/, 'not only the library\'s reply loop');
});

t.test('NODE_DEBUG=netns-link prints each request and reply; nothing without it', async (t) => {
  const script = `
    const { Netns } = require(${JSON.stringify(join(__dirname, '..', 'dist', 'index.js'))});
    (async () => {
      const ns = await Netns.create();
      await ns.addAddress('lo', '192.0.2.1/32');
      await ns.addAddress('nosuch0', '192.0.2.2/32').catch(() => undefined);
      ns.close();
    })();
  `;
  const on = await promisify(execFile)(process.execPath, ['-e', script], { env: { ...process.env, NODE_DEBUG: 'netns-link' } });
  t.match(on.stderr, /NETNS-LINK \d+: fd \d+ -> RTM_NEWADDR seq \d+ flags 0x\w+ len \d+/, 'a request line');
  t.match(on.stderr, /NETNS-LINK \d+: fd \d+ <- ack seq \d+/, 'its ACK');
  t.match(on.stderr, /<- error seq \d+ errno 19/, 'a refusal, with its errno');
  const off = await promisify(execFile)(process.execPath, ['-e', script], { env: { ...process.env, NODE_DEBUG: '' } });
  t.equal(off.stderr, '', 'silent when off');
});

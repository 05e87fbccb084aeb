/**
 * Which link kinds this kernel has, asked once per kind and remembered: answers only, never a
 * failure (a probe that could not run, say for want of descriptors, is asked again next time).
 * @packageDocumentation
 */
import { constants as fsConstants } from 'node:fs';
import { access } from 'node:fs/promises';
import { NsHandle } from '../handle.js';
import { checkKindName } from '../validate.js';
import { probeKind } from './link.js';
import { create } from './netns.js';

const answers = new Map<string, boolean>();
const asking = new Map<string, Promise<boolean>>();

async function probe(kind: string): Promise<boolean> {
  if (kind === 'tun' || kind === 'tap') {
    try {
      await access('/dev/net/tun', fsConstants.R_OK | fsConstants.W_OK);
      return true;
    } catch {
      return false;
    }
  }
  const { handle, where } = await create(undefined);
  const scratch = new NsHandle(handle, where, {});
  try {
    return await probeKind(scratch, kind);
  } finally {
    scratch.close();
  }
}

/** Whether this kernel can make links of `kind`. @internal */
export function supports(kind: string): Promise<boolean> {
  const k = checkKindName(kind);
  const known = answers.get(k);
  if (known !== undefined) return Promise.resolve(known);
  let pending = asking.get(k);
  if (!pending) {
    pending = probe(k).then((yes) => {
      answers.set(k, yes);
      return yes;
    });
    asking.set(k, pending);
    pending.finally(() => asking.delete(k)).catch(() => undefined);
  }
  return pending;
}

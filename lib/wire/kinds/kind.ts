/**
 * What a link kind contributes: its own options, checked before anything is sent; the
 * IFLA_INFO_DATA it writes; and the settings it reads back from the kernel.
 * @internal
 * @packageDocumentation
 */
import type { MessageWriter } from '../attr.js';

/** @internal */
export interface KindCodec<O extends object = object, I extends object = object> {
  readonly kind: string;
  /** The kind's own option names. */
  readonly keys: readonly string[];
  /** `ip link add link PARENT ...`: the kind needs a lower device. */
  readonly needsParent: boolean;
  /** Checks the kind's options (TypeError/RangeError naming the value); `changing` for setLinkType. */
  check(o: Record<string, unknown>, changing: boolean): O;
  /** Interface names among the options that must be resolved to indexes (vxlan's `dev`). */
  devs?(o: O): string[];
  /** Writes IFLA_INFO_DATA's attributes; a kind with no settings of its own has none to write. */
  encode?(w: MessageWriter, o: O, index: (name: string) => number): void;
  /** Reads IFLA_INFO_DATA back. */
  decode(buf: Buffer, start: number, end: number): I;
}

/** A kind without settings of its own (`dummy`, `veth`). @internal */
export function plainKind(kind: 'dummy' | 'veth'): KindCodec {
  return { kind, keys: [], needsParent: false, check: () => ({}), decode: () => ({ kind }) };
}

/**
 * TUN and TAP devices, read back. They are made through /dev/net/tun (see Netns.createTap), so
 * createLink refuses the kind.
 * @packageDocumentation
 */
import { eachAttr, readU32 } from '../attr.js';
import { C } from '../constants.js';
import type { KindCodec } from './kind.js';

/** A TUN/TAP device's settings as read back. */
export interface TunInfo {
  /** The link type (the kernel says `tun` for both). */
  kind: 'tun';
  /** `tun` (IP packets) or `tap` (Ethernet frames). */
  type: 'tun' | 'tap' | number;
  /** The owning uid, or null if unrestricted. */
  owner: number | null;
  /** The owning gid, or null if unrestricted. */
  group: number | null;
  /** A packet information header on each packet (`pi`). */
  pi: boolean;
  /** A virtio-net header on each packet (`vnet_hdr`). */
  vnetHdr: boolean;
  /** It outlives the descriptor that made it. */
  persist: boolean;
  /** Several queues (`multi_queue`). */
  multiQueue: boolean;
  /** How many queues are attached, when the kernel says. */
  queues: number | null;
}

/** @internal */
export const tun: KindCodec<object, TunInfo> = {
  kind: 'tun',
  keys: [],
  needsParent: false,
  check() {
    throw new TypeError('tun/tap devices are made with createTun/createTap (the kernel makes them through /dev/net/tun)');
  },
  decode(buf, s, e) {
    const info: TunInfo = { kind: 'tun', type: 'tun', owner: null, group: null, pi: false, vnetHdr: false, persist: false, multiQueue: false, queues: null };
    eachAttr(buf, s, e, (t, as, ae) => {
      const u8 = ae > as ? buf[as]! : 0;
      switch (t) {
        case C.IFLA_TUN_TYPE:
          info.type = u8 === C.IFF_TUN ? 'tun' : u8 === C.IFF_TAP ? 'tap' : u8;
          break;
        case C.IFLA_TUN_OWNER:
          if (ae - as >= 4) info.owner = readU32(buf, as);
          break;
        case C.IFLA_TUN_GROUP:
          if (ae - as >= 4) info.group = readU32(buf, as);
          break;
        case C.IFLA_TUN_PI:
          info.pi = u8 !== 0;
          break;
        case C.IFLA_TUN_VNET_HDR:
          info.vnetHdr = u8 !== 0;
          break;
        case C.IFLA_TUN_PERSIST:
          info.persist = u8 !== 0;
          break;
        case C.IFLA_TUN_MULTI_QUEUE:
          info.multiQueue = u8 !== 0;
          break;
        case C.IFLA_TUN_NUM_QUEUES:
          if (ae - as >= 4) info.queues = readU32(buf, as);
          break;
        default:
          break;
      }
    });
    return info;
  },
};

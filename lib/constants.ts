/**
 * Kernel UAPI values, in one place. The addon exports the same names read from the kernel's
 * headers at build time, and `test/constants.test.ts` checks that the two agree.
 * @internal
 * @packageDocumentation
 */

/** @internal */
export const C = {
  NLMSG_NOOP: 1,
  NLMSG_ERROR: 2,
  NLMSG_DONE: 3,
  NLMSG_OVERRUN: 4,

  NLM_F_REQUEST: 0x1,
  NLM_F_MULTI: 0x2,
  NLM_F_ACK: 0x4,
  NLM_F_ECHO: 0x8,
  NLM_F_DUMP_INTR: 0x10,
  NLM_F_DUMP_FILTERED: 0x20,
  NLM_F_ROOT: 0x100,
  NLM_F_MATCH: 0x200,
  NLM_F_DUMP: 0x300,
  NLM_F_REPLACE: 0x100,
  NLM_F_EXCL: 0x200,
  NLM_F_CREATE: 0x400,
  NLM_F_APPEND: 0x800,
  NLM_F_CAPPED: 0x100,
  NLM_F_ACK_TLVS: 0x200,

  NLMSGERR_ATTR_MSG: 1,
  NLMSGERR_ATTR_OFFS: 2,

  RTM_NEWLINK: 16,
  RTM_DELLINK: 17,
  RTM_GETLINK: 18,
  RTM_SETLINK: 19,

  IFLA_ADDRESS: 1,
  IFLA_BROADCAST: 2,
  IFLA_IFNAME: 3,
  IFLA_MTU: 4,
  IFLA_LINK: 5,
  IFLA_QDISC: 6,
  IFLA_MASTER: 10,
  IFLA_TXQLEN: 13,
  IFLA_OPERSTATE: 16,
  IFLA_LINKINFO: 18,
  IFLA_IFALIAS: 20,
  IFLA_STATS64: 23,
  IFLA_GROUP: 27,
  IFLA_NET_NS_FD: 28,
  IFLA_PROMISCUITY: 30,
  IFLA_NUM_TX_QUEUES: 31,
  IFLA_NUM_RX_QUEUES: 32,
  IFLA_CARRIER: 33,
  IFLA_CARRIER_CHANGES: 35,
  IFLA_LINK_NETNSID: 37,
  IFLA_MIN_MTU: 50,
  IFLA_MAX_MTU: 51,
  IFLA_PERM_ADDRESS: 54,

  IFLA_INFO_KIND: 1,
  IFLA_INFO_DATA: 2,
  IFLA_INFO_SLAVE_KIND: 4,
  IFLA_INFO_SLAVE_DATA: 5,

  VETH_INFO_PEER: 1,

  IFF_UP: 0x1,
  IFF_BROADCAST: 0x2,
  IFF_DEBUG: 0x4,
  IFF_LOOPBACK: 0x8,
  IFF_POINTOPOINT: 0x10,
  IFF_NOTRAILERS: 0x20,
  IFF_RUNNING: 0x40,
  IFF_NOARP: 0x80,
  IFF_PROMISC: 0x100,
  IFF_ALLMULTI: 0x200,
  IFF_MASTER: 0x400,
  IFF_SLAVE: 0x800,
  IFF_MULTICAST: 0x1000,
  IFF_PORTSEL: 0x2000,
  IFF_AUTOMEDIA: 0x4000,
  IFF_DYNAMIC: 0x8000,
  IFF_LOWER_UP: 0x10000,
  IFF_DORMANT: 0x20000,
  IFF_ECHO: 0x40000,

  IF_OPER_UNKNOWN: 0,
  IF_OPER_NOTPRESENT: 1,
  IF_OPER_DOWN: 2,
  IF_OPER_LOWERLAYERDOWN: 3,
  IF_OPER_TESTING: 4,
  IF_OPER_DORMANT: 5,
  IF_OPER_UP: 6,

  AF_UNSPEC: 0,
  AF_INET: 2,
  AF_INET6: 10,
  AF_BRIDGE: 7,

  ARPHRD_ETHER: 1,
  ARPHRD_LOOPBACK: 772,
  ARPHRD_NONE: 0xfffe,
} as const;

/** Size of `struct nlmsghdr`. @internal */
export const NLMSG_HDRLEN = 16;
/** Size of `struct ifinfomsg`. @internal */
export const IFINFOMSG_LEN = 16;
/** Size of `struct nlattr`. @internal */
export const NLA_HDRLEN = 4;
/** Attribute type bits that are flags (`NLA_F_NESTED`, `NLA_F_NET_BYTEORDER`). @internal */
export const NLA_TYPE_MASK = 0x3fff;

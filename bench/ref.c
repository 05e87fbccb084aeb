/*
 * The C references for `npm run bench`: the same rtnetlink requests netns-link sends, in two
 * forms. "C sequential (libmnl)": one request per sendmsg, its ACK awaited before the next.
 * "C pipelined": the strongest C we could write, the denominator of every ratio: many requests
 * per sendmsg (each with NLM_F_ACK, every ACK read and its error checked), ACKs read in bulk
 * with recvmmsg; W1 in three phases, the namespaces made by one thread per CPU, each making a
 * share of them as `ip netns add` does (unshare, bind mount), then every veth from one socket,
 * then each namespace's five requests in one sendmsg, one thread per CPU again.
 *
 *   ref w1-setup N                  sequential: N hosts on bridge br0 (in the current namespace;
 *                                   hosts 1000-1999 on br1, and so on: bench/w1.js)
 *   ref w1-setup-pipe N [NSTHREADS [CFGTHREADS]]  pipelined, in phases (default: one thread per CPU)
 *   ref w1-setup-waves N [NST [CFGT]]  pipelined, but the hosts' five requests in five waves: each
 *                                   request of every namespace, then every ACK, as code awaiting
 *                                   each step of every host at once sends them
 *   ref w1-teardown N               delete their namespaces
 *   ref w2 NSPATH                   dump links and addresses of the namespace into structs
 *   ref w2-loop NSPATH ROUNDS       link dump then address dump, ROUNDS times: the medians
 *   ref w3 NSPATH N                 add, then delete, N /32 addresses on lo, one at a time
 *   ref w3-pipe NSPATH N [BATCH]    the same, BATCH requests per sendmsg (default: all)
 *   ref w4 NSPATH N                 watch the namespace's IPv4 addresses: says "ready" once
 *                                   subscribed, parses N RTM_NEWADDR events into structs and
 *                                   reports their CPU time, then the same for the next N
 *
 * Prints one line of JSON with the timings in microseconds (w4: one line per window).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/sysinfo.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUF (MNL_SOCKET_BUFFER_SIZE * 4)

struct nl {
  struct mnl_socket *sock;
  unsigned portid;
  unsigned seq;
};

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void die(const char *what) {
  fprintf(stderr, "ref: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void nl_open(struct nl *n) {
  n->sock = mnl_socket_open(NETLINK_ROUTE);
  if (!n->sock || mnl_socket_bind(n->sock, 0, MNL_SOCKET_AUTOPID) < 0) die("netlink socket");
  n->portid = mnl_socket_get_portid(n->sock);
  n->seq = 1;
}

/* Sends one request with NLM_F_ACK and reads until its ACK. */
static void talk(struct nl *n, struct nlmsghdr *h, const char *what) {
  char buf[BUF];
  h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  h->nlmsg_seq = n->seq++;
  if (mnl_socket_sendto(n->sock, h, h->nlmsg_len) < 0) die(what);
  for (;;) {
    int len = mnl_socket_recvfrom(n->sock, buf, sizeof buf);
    if (len < 0) die(what);
    int rc = mnl_cb_run(buf, len, h->nlmsg_seq, n->portid, NULL, NULL);
    if (rc == MNL_CB_STOP) return;
    if (rc < 0) die(what);
  }
}

static struct nlmsghdr *link_msg(char *buf, int type, int flags, int index, unsigned ifflags, unsigned change) {
  struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
  h->nlmsg_type = type;
  h->nlmsg_flags = flags;
  struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(h, sizeof *ifm);
  ifm->ifi_index = index;
  ifm->ifi_flags = ifflags;
  ifm->ifi_change = change;
  return h;
}

static int ifindex(struct nl *n, const char *name) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(mnl_socket_get_fd(n->sock), SIOCGIFINDEX, &ifr) != 0) die(name);
  return ifr.ifr_ifindex;
}

/* Hosts per bridge: host i's veth goes on br<i / PORTS_PER_BRIDGE> (bench/w1.js). */
#define PORTS_PER_BRIDGE 1000

/* The indexes of the bridges N hosts go on, br0 first. */
static int *bridges(struct nl *n, int hosts) {
  int count = hosts > 0 ? (hosts + PORTS_PER_BRIDGE - 1) / PORTS_PER_BRIDGE : 1;
  int *br = calloc(count, sizeof *br);
  for (int k = 0; k < count; k++) {
    char name[IFNAMSIZ];
    snprintf(name, sizeof name, "br%d", k);
    br[k] = ifindex(n, name);
  }
  return br;
}

static void set_up(struct nl *n, int index) {
  char buf[BUF];
  talk(n, link_msg(buf, RTM_NEWLINK, 0, index, IFF_UP, IFF_UP), "link up");
}

static void add_addr(struct nl *n, int family, int index, const void *addr, int plen, int flags, int type) {
  char buf[BUF];
  struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
  h->nlmsg_type = type;
  h->nlmsg_flags = type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0;
  struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof *ifa);
  ifa->ifa_family = family;
  ifa->ifa_prefixlen = plen;
  ifa->ifa_flags = flags;
  ifa->ifa_index = index;
  int alen = family == AF_INET ? 4 : 16;
  mnl_attr_put(h, IFA_LOCAL, alen, addr);
  mnl_attr_put(h, IFA_ADDRESS, alen, addr);
  talk(n, h, "address");
}

/* A new named namespace, made as `ip netns add` makes it, with a socket inside. */
struct made {
  const char *path;
  int fd;
  struct nl nl;
};

static void *make_ns(void *arg) {
  struct made *m = arg;
  if (unshare(CLONE_NEWNET) != 0) die("unshare");
  int f = open(m->path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (f < 0) die(m->path);
  close(f);
  if (mount("/proc/thread-self/ns/net", m->path, "none", MS_BIND, NULL) != 0) die("mount");
  m->fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  nl_open(&m->nl);
  return NULL;
}

/* The attributes of host i's veth, after its ifinfomsg: v<i> on the bridge, its peer eth0
 * made in the host's namespace (IFLA_NET_NS_FD), with ifindex peer_index (0: the kernel's). */
static void put_veth(struct nlmsghdr *h, int i, int br, int nsfd, int peer_index) {
  char veth[IFNAMSIZ];
  snprintf(veth, sizeof veth, "v%d", i);
  mnl_attr_put_strz(h, IFLA_IFNAME, veth);
  mnl_attr_put_u32(h, IFLA_MASTER, br);
  struct nlattr *info = mnl_attr_nest_start(h, IFLA_LINKINFO);
  mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
  struct nlattr *data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
  struct nlattr *peer = mnl_attr_nest_start(h, VETH_INFO_PEER);
  struct ifinfomsg *pm = (struct ifinfomsg *)((char *)peer + sizeof *peer);
  h->nlmsg_len += sizeof(struct ifinfomsg);
  memset(pm, 0, sizeof *pm);
  pm->ifi_index = peer_index;
  mnl_attr_put_strz(h, IFLA_IFNAME, "eth0");
  mnl_attr_put_u32(h, IFLA_NET_NS_FD, nsfd);
  mnl_attr_nest_end(h, peer);
  mnl_attr_nest_end(h, data);
  mnl_attr_nest_end(h, info);
}

/* The body of W1's RTM_NEWROUTE: default via 198.18.0.1, in the main table. */
static void put_default_route(struct nlmsghdr *h) {
  struct rtmsg *r = mnl_nlmsg_put_extra_header(h, sizeof *r);
  r->rtm_family = AF_INET;
  r->rtm_table = RT_TABLE_MAIN;
  r->rtm_protocol = RTPROT_BOOT;
  r->rtm_scope = RT_SCOPE_UNIVERSE;
  r->rtm_type = RTN_UNICAST;
  unsigned gw = htonl(0xc6120001u); /* 198.18.0.1 */
  mnl_attr_put(h, RTA_GATEWAY, 4, &gw);
}

static void w1_setup(int n) {
  struct nl hub;
  nl_open(&hub);
  int *br = bridges(&hub, n);
  double t0 = now_us();
  for (int i = 0; i < n; i++) {
    char path[64], buf[BUF];
    struct made m;
    snprintf(path, sizeof path, "/run/netns/h%d", i);
    m.path = path;
    pthread_t t;
    pthread_create(&t, NULL, make_ns, &m);
    pthread_join(t, NULL);

    struct nlmsghdr *h = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, IFF_UP, IFF_UP);
    put_veth(h, i, br[i / PORTS_PER_BRIDGE], m.fd, 0);
    talk(&hub, h, "veth");

    set_up(&m.nl, 1);
    int eth = ifindex(&m.nl, "eth0");
    set_up(&m.nl, eth);
    struct in_addr a4;
    struct in6_addr a6;
    char text[64];
    snprintf(text, sizeof text, "198.18.%d.%d", (i + 2) >> 8, (i + 2) & 255);
    inet_pton(AF_INET, text, &a4);
    snprintf(text, sizeof text, "2001:db8::%x", i + 2);
    inet_pton(AF_INET6, text, &a6);
    add_addr(&m.nl, AF_INET, eth, &a4, 15, 0, RTM_NEWADDR);
    add_addr(&m.nl, AF_INET6, eth, &a6, 64, IFA_F_NODAD, RTM_NEWADDR);

    h = mnl_nlmsg_put_header(buf);
    h->nlmsg_type = RTM_NEWROUTE;
    h->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
    put_default_route(h);
    talk(&m.nl, h, "route");

    mnl_socket_close(m.nl.sock);
    close(m.fd);
  }
  printf("{\"setup_us\": %.0f}\n", now_us() - t0);
  free(br);
}

static void w1_teardown(int n) {
  double t0 = now_us();
  for (int i = 0; i < n; i++) {
    char path[64];
    snprintf(path, sizeof path, "/run/netns/h%d", i);
    if (umount2(path, MNT_DETACH) != 0 || unlink(path) != 0) die(path);
  }
  printf("{\"teardown_us\": %.0f}\n", now_us() - t0);
}

/* The fields a typed result holds, parsed the way a program would keep them. */
struct link_rec {
  int index;
  unsigned flags, mtu, master;
  char name[IFNAMSIZ];
  unsigned char addr[32];
  int operstate;
  unsigned long long rx_bytes, tx_bytes;
};
struct addr_rec {
  int family, plen, index;
  unsigned char addr[16];
};
static struct link_rec *links;
static struct addr_rec *addrs;
static int nlinks, naddrs, cap;

static int link_attr(const struct nlattr *a, void *data) {
  struct link_rec *l = data;
  switch (mnl_attr_get_type(a)) {
    case IFLA_IFNAME: strncpy(l->name, mnl_attr_get_str(a), IFNAMSIZ - 1); break;
    case IFLA_MTU: l->mtu = mnl_attr_get_u32(a); break;
    case IFLA_MASTER: l->master = mnl_attr_get_u32(a); break;
    case IFLA_OPERSTATE: l->operstate = mnl_attr_get_u8(a); break;
    case IFLA_ADDRESS: memcpy(l->addr, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a) < 32 ? mnl_attr_get_payload_len(a) : 32); break;
    case IFLA_STATS64: {
      const struct rtnl_link_stats64 *s = mnl_attr_get_payload(a);
      l->rx_bytes = s->rx_bytes;
      l->tx_bytes = s->tx_bytes;
      break;
    }
  }
  return MNL_CB_OK;
}

static int on_link(const struct nlmsghdr *h, void *data) {
  (void)data;
  if (nlinks == cap) die("too many links");
  struct ifinfomsg *ifm = mnl_nlmsg_get_payload(h);
  struct link_rec *l = &links[nlinks++];
  memset(l, 0, sizeof *l);
  l->index = ifm->ifi_index;
  l->flags = ifm->ifi_flags;
  mnl_attr_parse(h, sizeof *ifm, link_attr, l);
  return MNL_CB_OK;
}

static int addr_attr(const struct nlattr *a, void *data) {
  struct addr_rec *r = data;
  if (mnl_attr_get_type(a) == IFA_ADDRESS || mnl_attr_get_type(a) == IFA_LOCAL)
    memcpy(r->addr, mnl_attr_get_payload(a), r->family == AF_INET ? 4 : 16);
  return MNL_CB_OK;
}

static int on_addr(const struct nlmsghdr *h, void *data) {
  (void)data;
  if (naddrs == cap) die("too many addresses");
  struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
  struct addr_rec *r = &addrs[naddrs++];
  r->family = ifa->ifa_family;
  r->plen = ifa->ifa_prefixlen;
  r->index = ifa->ifa_index;
  mnl_attr_parse(h, sizeof *ifa, addr_attr, r);
  return MNL_CB_OK;
}

static void dump(struct nl *n, int type, size_t hdr, mnl_cb_t cb) {
  char buf[32768];
  struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
  h->nlmsg_type = type;
  h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  h->nlmsg_seq = n->seq++;
  mnl_nlmsg_put_extra_header(h, hdr);
  if (mnl_socket_sendto(n->sock, h, h->nlmsg_len) < 0) die("dump");
  for (;;) {
    int len = mnl_socket_recvfrom(n->sock, buf, sizeof buf);
    if (len < 0) die("dump");
    int rc = mnl_cb_run(buf, len, h->nlmsg_seq, n->portid, cb, NULL);
    if (rc == MNL_CB_STOP) return;
    if (rc < 0) die("dump");
  }
}

static void enter(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) die(path);
  close(fd);
}

/* W2's socket, in the namespace at path, and room for the structs the dumps fill. */
static void w2_open(struct nl *n, const char *path) {
  enter(path);
  nl_open(n);
  cap = 1 << 16;
  links = calloc(cap, sizeof *links);
  addrs = calloc(cap, sizeof *addrs);
}

static void w2(const char *path) {
  struct nl n;
  w2_open(&n, path);
  double t0 = now_us();
  dump(&n, RTM_GETLINK, sizeof(struct ifinfomsg), on_link);
  double t1 = now_us();
  dump(&n, RTM_GETADDR, sizeof(struct ifaddrmsg), on_addr);
  double t2 = now_us();
  printf("{\"links\": %d, \"link_dump_us\": %.0f, \"addresses\": %d, \"addr_dump_us\": %.0f}\n", nlinks, t1 - t0, naddrs, t2 - t1);
}


static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* A link dump then an address dump, `rounds` times on one socket: the median of each. */
static void w2_loop(const char *path, int rounds) {
  struct nl n;
  w2_open(&n, path);
  double *l = calloc(rounds, sizeof *l), *a = calloc(rounds, sizeof *a);
  for (int r = 0; r < rounds; r++) {
    nlinks = naddrs = 0;
    double t0 = now_us();
    dump(&n, RTM_GETLINK, sizeof(struct ifinfomsg), on_link);
    double t1 = now_us();
    dump(&n, RTM_GETADDR, sizeof(struct ifaddrmsg), on_addr);
    l[r] = t1 - t0;
    a[r] = now_us() - t1;
  }
  qsort(l, rounds, sizeof *l, cmp_double);
  qsort(a, rounds, sizeof *a, cmp_double);
  printf("{\"links\": %d, \"link_dump_us\": %.0f, \"addresses\": %d, \"addr_dump_us\": %.0f}\n", nlinks, l[rounds / 2], naddrs, a[rounds / 2]);
}

static void w3(const char *path, int count) {
  enter(path);
  struct nl n;
  nl_open(&n);
  double t0 = now_us();
  for (int i = 0; i < count; i++) {
    unsigned a = htonl(0xc6120000u + 0x10000u + (unsigned)i); /* 198.19.x.y */
    add_addr(&n, AF_INET, 1, &a, 32, 0, RTM_NEWADDR);
  }
  double t1 = now_us();
  for (int i = 0; i < count; i++) {
    unsigned a = htonl(0xc6120000u + 0x10000u + (unsigned)i);
    add_addr(&n, AF_INET, 1, &a, 32, 0, RTM_DELADDR);
  }
  double t2 = now_us();
  printf("{\"add_us\": %.0f, \"del_us\": %.0f}\n", t1 - t0, t2 - t1);
}


/* ---------------------------------------------------------------------------------------- */
/* Pipelined: many requests per sendmsg, every ACK read (recvmmsg) and checked.              */

struct batch {
  char *buf;
  size_t len, cap;
  unsigned seq0, count; /* requests in the buffer: seq0 .. seq0 + count - 1 */
};

static void batch_init(struct batch *b, size_t cap) {
  b->buf = calloc(1, cap);
  b->cap = cap;
  b->len = 0;
  b->count = 0;
  b->seq0 = 0;
}

/* A new request at the end of the batch, flags as given plus NLM_F_REQUEST | NLM_F_ACK. */
static struct nlmsghdr *batch_put(struct batch *b, struct nl *n, int type, int flags) {
  if (b->cap - b->len < 512) die("batch full");
  struct nlmsghdr *h = mnl_nlmsg_put_header(b->buf + b->len);
  memset(h + 1, 0, 496);
  h->nlmsg_type = type;
  h->nlmsg_flags = flags | NLM_F_REQUEST | NLM_F_ACK;
  h->nlmsg_seq = n->seq++;
  if (b->count++ == 0) b->seq0 = h->nlmsg_seq;
  return h;
}

static void batch_end(struct batch *b, struct nlmsghdr *h) { b->len += NLMSG_ALIGN(h->nlmsg_len); }

static int nl_raw(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) die("netlink socket");
  int one = 1, size = 32 << 20;
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) die("SO_RCVBUFFORCE");
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0) die("SO_SNDBUFFORCE");
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) die("bind");
  return fd;
}

static void nl_open_raw(struct nl *n) {
  n->sock = NULL;
  n->portid = (unsigned)nl_raw();
  n->seq = 1;
}
#define RAWFD(n) ((int)(n)->portid)

static void batch_send(int fd, struct batch *b) {
  if (b->len && send(fd, b->buf, b->len, 0) != (ssize_t)b->len) die("sendmsg");
}

/* Reads ACKs until `count` of them (seq0 .. seq0 + count - 1) have come; any error is fatal. */
#define VLEN 64
static void read_acks(int fd, unsigned seq0, unsigned count, const char *what) {
  static __thread char bufs[VLEN][256];
  struct mmsghdr msgs[VLEN];
  struct iovec iov[VLEN];
  unsigned got = 0;
  while (got < count) {
    unsigned want = count - got < VLEN ? count - got : VLEN;
    for (unsigned i = 0; i < want; i++) {
      iov[i].iov_base = bufs[i];
      iov[i].iov_len = sizeof bufs[i];
      memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    /* The first waits for an answer; the rest take what is queued. */
    int r = recvmmsg(fd, msgs, want, MSG_WAITFORONE, NULL);
    if (r < 0) die(what);
    for (int i = 0; i < r; i++) {
      int len = (int)msgs[i].msg_len;
      for (struct nlmsghdr *h = (struct nlmsghdr *)bufs[i]; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
        if (h->nlmsg_type != NLMSG_ERROR) continue;
        struct nlmsgerr *e = NLMSG_DATA(h);
        if (h->nlmsg_seq - seq0 >= count) {
          fprintf(stderr, "ref: %s: unexpected seq %u\n", what, h->nlmsg_seq);
          exit(1);
        }
        if (e->error != 0) {
          errno = -e->error;
          die(what);
        }
        got++;
      }
    }
  }
}

static void batch_flush(int fd, struct batch *b, const char *what) {
  if (!b->count) return;
  batch_send(fd, b);
  read_acks(fd, b->seq0, b->count, what);
  b->len = 0;
  b->count = 0;
}

/* Appends request k (0-4) of the five a host's namespace gets: lo up, eth0 (index 2) up, two
 * addresses, route. */
static void host_request(struct batch *b, struct nl *n, int i, int k) {
  struct nlmsghdr *h;
  if (k <= 1) {
    h = batch_put(b, n, RTM_NEWLINK, 0);
    struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(h, sizeof *ifm);
    ifm->ifi_index = k + 1;
    ifm->ifi_flags = IFF_UP;
    ifm->ifi_change = IFF_UP;
  } else if (k <= 3) {
    int v = k == 3;
    unsigned a4 = htonl(0xc6120000u + (unsigned)(i + 2)); /* 198.18.x.y, as v4(i) */
    struct in6_addr a6;
    inet_pton(AF_INET6, "2001:db8::", &a6);
    a6.s6_addr[14] = (unsigned char)((i + 2) >> 8);
    a6.s6_addr[15] = (unsigned char)((i + 2) & 255);
    h = batch_put(b, n, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof *ifa);
    ifa->ifa_family = v ? AF_INET6 : AF_INET;
    ifa->ifa_prefixlen = v ? 64 : 15;
    ifa->ifa_flags = v ? IFA_F_NODAD : 0;
    ifa->ifa_index = 2;
    mnl_attr_put(h, IFA_LOCAL, v ? 16 : 4, v ? (void *)&a6 : (void *)&a4);
    mnl_attr_put(h, IFA_ADDRESS, v ? 16 : 4, v ? (void *)&a6 : (void *)&a4);
  } else {
    h = batch_put(b, n, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
    put_default_route(h);
  }
  batch_end(b, h);
}

static void host_requests(struct batch *b, struct nl *n, int i) {
  for (int k = 0; k < 5; k++) host_request(b, n, i, k);
}

/* The veth of host i: v<i> in the hub, on br0 and up; its peer eth0 made in the host's
 * namespace (IFLA_NET_NS_FD) with ifindex 2, so that no lookup is needed after. */
static void veth_request(struct batch *b, struct nl *hub, int i, int br, int nsfd) {
  struct nlmsghdr *h = batch_put(b, hub, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(h, sizeof *ifm);
  ifm->ifi_flags = IFF_UP;
  ifm->ifi_change = IFF_UP;
  put_veth(h, i, br, nsfd, 2);
  batch_end(b, h);
}

/* W1 pipelined, in three phases with joins between them (measured: overlapping them makes
 * namespace creation, veth creation and the hosts' requests fight over the rtnl lock):
 *   1. the namespaces, by `nsthreads` threads, each making a share as `ip netns add` does
 *      (unshare, bind mount) and a socket in each; many threads, since making a namespace
 *      sleeps in the kernel (RCU) and those sleeps overlap;
 *   2. the veths, from one hub socket, as many to a sendmsg as fit in 1 MiB;
 *   3. each namespace's five requests in one sendmsg, by `cfgthreads` threads, each sending on
 *      all of its share's sockets, then reading all of their ACKs. */
struct w1 {
  int n, *br, threads;
  int wave; /* -1: each namespace's five requests in one sendmsg; 0-4: only that one */
  int *nsfd;
  struct nl *sock;
};

struct part {
  struct w1 *w;
  int first;
};

static void *w1_namespaces(void *arg) {
  struct part *p = arg;
  struct w1 *w = p->w;
  for (int i = p->first; i < w->n; i += w->threads) {
    char path[64];
    snprintf(path, sizeof path, "/run/netns/h%d", i);
    if (unshare(CLONE_NEWNET) != 0) die("unshare");
    int f = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
    if (f < 0) die(path);
    close(f);
    if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) != 0) die("mount");
    w->nsfd[i] = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (w->nsfd[i] < 0) die("ns fd");
    nl_open_raw(&w->sock[i]);
  }
  return NULL;
}

static void *w1_hosts(void *arg) {
  struct part *p = arg;
  struct w1 *w = p->w;
  int mine = 0;
  for (int i = p->first; i < w->n; i += w->threads) mine++;
  struct batch *hb = calloc(mine, sizeof *hb);
  int k = 0;
  for (int i = p->first; i < w->n; i += w->threads, k++) {
    batch_init(&hb[k], 4096);
    if (w->wave < 0) host_requests(&hb[k], &w->sock[i], i);
    else host_request(&hb[k], &w->sock[i], i, w->wave);
    batch_send(RAWFD(&w->sock[i]), &hb[k]);
  }
  k = 0;
  for (int i = p->first; i < w->n; i += w->threads, k++) {
    read_acks(RAWFD(&w->sock[i]), hb[k].seq0, hb[k].count, "host");
    free(hb[k].buf);
  }
  free(hb);
  return NULL;
}

static void run_threads(struct w1 *w, int threads, void *(*fn)(void *)) {
  if (threads > w->n) threads = w->n;
  w->threads = threads;
  struct part *p = calloc(threads, sizeof *p);
  pthread_t *t = calloc(threads, sizeof *t);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 << 10);
  for (int k = 0; k < threads; k++) {
    p[k] = (struct part){.w = w, .first = k};
    if (pthread_create(&t[k], &attr, fn, &p[k]) != 0) die("pthread_create");
  }
  for (int k = 0; k < threads; k++) pthread_join(t[k], NULL);
  free(p);
  free(t);
}

static void w1_setup_pipe(int n, int nsthreads, int cfgthreads, int waves) {
  struct nl probe;
  nl_open(&probe);
  struct w1 w = {.n = n, .br = bridges(&probe, n), .wave = -1};
  mnl_socket_close(probe.sock);
  /* Measured at N=500 on 2 CPUs, after the kernel had freed the last run's namespaces: 2, 64
   * or 500 namespace threads and 1 to 16 request threads all within noise (0.83-0.99 s). */
  if (nsthreads <= 0) nsthreads = get_nprocs();
  if (cfgthreads <= 0) cfgthreads = get_nprocs();
  w.nsfd = calloc(n, sizeof *w.nsfd);
  w.sock = calloc(n, sizeof *w.sock);
  struct nl hub;
  nl_open_raw(&hub);
  struct batch b;
  batch_init(&b, 1 << 20);
  double t0 = now_us();
  run_threads(&w, nsthreads, w1_namespaces);
  double t1 = now_us();
  for (int i = 0; i < n; i++) {
    veth_request(&b, &hub, i, w.br[i / PORTS_PER_BRIDGE], w.nsfd[i]);
    if (b.len > (1 << 20) - 1024) batch_flush(RAWFD(&hub), &b, "veth");
  }
  batch_flush(RAWFD(&hub), &b, "veth");
  double t2 = now_us();
  if (!waves) run_threads(&w, cfgthreads, w1_hosts);
  for (w.wave = 0; waves && w.wave < 5; w.wave++) run_threads(&w, cfgthreads, w1_hosts);
  double t3 = now_us();
  for (int i = 0; i < n; i++) {
    close(RAWFD(&w.sock[i]));
    close(w.nsfd[i]);
  }
  close(RAWFD(&hub));
  free(w.br);
  free(w.nsfd);
  free(w.sock);
  printf("{\"setup_us\": %.0f, \"namespaces_us\": %.0f, \"veths_us\": %.0f, \"hosts_us\": %.0f, \"nsthreads\": %d, \"cfgthreads\": %d}\n", t3 - t0, t1 - t0, t2 - t1, t3 - t2, nsthreads, cfgthreads);
}

static void addr32_request(struct batch *b, struct nl *n, int type, unsigned i) {
  struct nlmsghdr *h = batch_put(b, n, type, type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0);
  struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof *ifa);
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = 32;
  ifa->ifa_index = 1;
  unsigned a = htonl(0xc6120000u + 0x10000u + i); /* 198.19.x.y */
  mnl_attr_put(h, IFA_LOCAL, 4, &a);
  mnl_attr_put(h, IFA_ADDRESS, 4, &a);
  batch_end(b, h);
}

static void w3_pipe(const char *path, int count, int per) {
  enter(path);
  struct nl n;
  nl_open_raw(&n);
  if (per <= 0) per = count;
  struct batch b;
  batch_init(&b, (size_t)per * 64 + 4096);
  double t[3];
  for (int phase = 0; phase < 2; phase++) {
    t[phase] = now_us();
    for (int i = 0; i < count; i++) {
      addr32_request(&b, &n, phase ? RTM_DELADDR : RTM_NEWADDR, (unsigned)i);
      if ((int)b.count == per) batch_flush(RAWFD(&n), &b, phase ? "delete address" : "add address");
    }
    batch_flush(RAWFD(&n), &b, phase ? "delete address" : "add address");
  }
  t[2] = now_us();
  printf("{\"add_us\": %.0f, \"del_us\": %.0f}\n", t[1] - t[0], t[2] - t[1]);
}

static double cpu_us(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
}

static int on_event(const struct nlmsghdr *h, void *data) {
  (void)data;
  if (h->nlmsg_type == RTM_NEWADDR) return on_addr(h, NULL);
  return MNL_CB_OK;
}

static void w4(const char *path, int count) {
  enter(path);
  struct mnl_socket *sock = mnl_socket_open(NETLINK_ROUTE);
  if (!sock) die("netlink socket");
  int size = 64 << 20;
  if (setsockopt(mnl_socket_get_fd(sock), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) die("SO_RCVBUFFORCE");
  if (mnl_socket_bind(sock, RTMGRP_IPV4_IFADDR, MNL_SOCKET_AUTOPID) < 0) die("bind");
  cap = 2 * count;
  addrs = calloc(cap, sizeof *addrs);
  printf("ready\n");
  fflush(stdout);
  char buf[65536];
  // Two windows: the first `count` events of a new reader, then the next `count`.
  for (int window = 1; window <= 2; window++) {
    double c0 = cpu_us();
    while (naddrs < window * count) {
      ssize_t n = mnl_socket_recvfrom(sock, buf, sizeof buf);
      if (n < 0) die("recv");
      mnl_cb_run(buf, n, 0, 0, on_event, NULL);
    }
    printf("{\"events\": %d, \"cpu_us\": %.0f}\n", naddrs - (window - 1) * count, cpu_us() - c0);
    fflush(stdout);
  }
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "w1-setup") == 0) w1_setup(atoi(argv[2]));
  else if (argc >= 3 && strcmp(argv[1], "w1-teardown") == 0) w1_teardown(atoi(argv[2]));
  else if (argc >= 3 && strcmp(argv[1], "w1-setup-pipe") == 0) w1_setup_pipe(atoi(argv[2]), argc >= 4 ? atoi(argv[3]) : 0, argc >= 5 ? atoi(argv[4]) : 0, 0);
  else if (argc >= 3 && strcmp(argv[1], "w1-setup-waves") == 0) w1_setup_pipe(atoi(argv[2]), argc >= 4 ? atoi(argv[3]) : 0, argc >= 5 ? atoi(argv[4]) : 0, 1);
  else if (argc >= 3 && strcmp(argv[1], "w2") == 0) w2(argv[2]);
  else if (argc >= 4 && strcmp(argv[1], "w2-loop") == 0) w2_loop(argv[2], atoi(argv[3]));
  else if (argc >= 4 && strcmp(argv[1], "w3-pipe") == 0) w3_pipe(argv[2], atoi(argv[3]), argc >= 5 ? atoi(argv[4]) : 0);
  else if (argc >= 4 && strcmp(argv[1], "w3") == 0) w3(argv[2], atoi(argv[3]));
  else if (argc >= 4 && strcmp(argv[1], "w4") == 0) w4(argv[2], atoi(argv[3]));
  else {
    fprintf(stderr, "usage: ref w1-setup N | w1-setup-pipe N [NSTHREADS [CFGTHREADS]] | w1-setup-waves N [NSTHREADS [CFGTHREADS]] | w1-teardown N | w2 NSPATH | w2-loop NSPATH ROUNDS | w3 NSPATH N | w3-pipe NSPATH N [BATCH] | w4 NSPATH N\n");
    return 2;
  }
  return 0;
}

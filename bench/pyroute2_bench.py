"""pyroute2 (Debian's python3-pyroute2) running the benchmark's workloads, for `npm run bench`.

    pyroute2_bench.py w1-setup N idiomatic|fast
    pyroute2_bench.py w1-teardown N
    pyroute2_bench.py w2 NSNAME
    pyroute2_bench.py w2-loop NSNAME ROUNDS   link dump then address dump, ROUNDS times: medians
    pyroute2_bench.py w3 NSNAME N
    pyroute2_bench.py w4 NSNAME N     watch IPv4 addresses: "ready", then N RTM_NEWADDR parsed
                                      and their CPU time (one line), then the next N (another)

`idiomatic` uses NetNS(name) per namespace, as pyroute2's documentation does; `fast` enters
each namespace with pushns() and opens an IPRoute socket there, avoiding NetNS's helper
process. Prints one line of JSON with timings in microseconds.
"""
import json
import resource
import sys
import time

from pyroute2 import IPRoute, NetNS, netns

IFA_F_NODAD = 0x02


def now_us():
    return time.monotonic_ns() / 1e3


def host_addresses(i):
    return f"198.18.{(i + 2) >> 8}.{(i + 2) & 255}", f"2001:db8::{i + 2:x}"


def configure(ipr, i):
    lo = ipr.link_lookup(ifname="lo")[0]
    eth = ipr.link_lookup(ifname="eth0")[0]
    ipr.link("set", index=lo, state="up")
    ipr.link("set", index=eth, state="up")
    v4, v6 = host_addresses(i)
    ipr.addr("add", index=eth, address=v4, prefixlen=15)
    ipr.addr("add", index=eth, address=v6, prefixlen=64, flags=IFA_F_NODAD)
    ipr.route("add", dst="0.0.0.0/0", gateway="198.18.0.1")


# Hosts per bridge: host i's veth goes on br<i // PORTS_PER_BRIDGE> (bench/w1.js).
PORTS_PER_BRIDGE = 1000


def w1_setup(n, mode):
    hub = IPRoute()
    bridges = [hub.link_lookup(ifname=f"br{k}")[0] for k in range(max(1, -(-n // PORTS_PER_BRIDGE)))]
    t0 = now_us()
    for i in range(n):
        name = f"h{i}"
        netns.create(name)
        hub.link("add", ifname=f"v{i}", kind="veth", peer={"ifname": "eth0", "net_ns_fd": name}, master=bridges[i // PORTS_PER_BRIDGE], state="up")
        if mode == "idiomatic":
            ns = NetNS(name)
            configure(ns, i)
            ns.close()
        else:
            netns.pushns(name)
            try:
                ipr = IPRoute()
            finally:
                netns.popns()
            configure(ipr, i)
            ipr.close()
    hub.close()
    return {"setup_us": now_us() - t0}


def w1_teardown(n):
    t0 = now_us()
    for i in range(n):
        netns.remove(f"h{i}")
    return {"teardown_us": now_us() - t0}


def in_ns(name):
    netns.pushns(name)
    try:
        return IPRoute()
    finally:
        netns.popns()


def w2(name):
    ipr = in_ns(name)
    t0 = now_us()
    links = ipr.get_links()
    t1 = now_us()
    addrs = ipr.get_addr()
    t2 = now_us()
    return {"links": len(links), "link_dump_us": t1 - t0, "addresses": len(addrs), "addr_dump_us": t2 - t1}


def w2_loop(name, rounds):
    ipr = in_ns(name)
    ls, as_ = [], []
    for _ in range(rounds):
        t0 = now_us()
        links = ipr.get_links()
        t1 = now_us()
        addrs = ipr.get_addr()
        t2 = now_us()
        ls.append(t1 - t0)
        as_.append(t2 - t1)
    med = lambda xs: sorted(xs)[len(xs) // 2]
    return {"links": len(links), "link_dump_us": med(ls), "addresses": len(addrs), "addr_dump_us": med(as_)}


def w3(name, n):
    ipr = in_ns(name)
    addrs = [f"198.19.{i >> 8}.{i & 255}" for i in range(n)]
    t0 = now_us()
    for a in addrs:
        ipr.addr("add", index=1, address=a, prefixlen=32)
    t1 = now_us()
    for a in addrs:
        ipr.addr("del", index=1, address=a, prefixlen=32)
    t2 = now_us()
    return {"add_us": t1 - t0, "del_us": t2 - t1}


def cpu_us():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return (u.ru_utime + u.ru_stime) * 1e6


def w4(name, n):
    netns.pushns(name)
    try:
        # pyroute2's own way to watch: bind() to the groups, then get() parsed messages.
        ipr = IPRoute(rcvbuf=64 << 20)
        ipr.bind(groups=16)  # RTMGRP_IPV4_IFADDR
    finally:
        netns.popns()
    print("ready", flush=True)
    seen = 0
    # Two windows: the first n events of a new reader, then the next n.
    for window in (1, 2):
        c0 = cpu_us()
        while seen < window * n:
            for msg in ipr.get():
                if msg["event"] == "RTM_NEWADDR":
                    msg.get_attr("IFA_LOCAL")
                    seen += 1
        out = {"events": seen - (window - 1) * n, "cpu_us": cpu_us() - c0}
        if window == 1:
            print(json.dumps(out), flush=True)
    return out


def main(argv):
    cmd = argv[1]
    if cmd == "w1-setup":
        out = w1_setup(int(argv[2]), argv[3])
    elif cmd == "w1-teardown":
        out = w1_teardown(int(argv[2]))
    elif cmd == "w2":
        out = w2(argv[2])
    elif cmd == "w2-loop":
        out = w2_loop(argv[2], int(argv[3]))
    elif cmd == "w3":
        out = w3(argv[2], int(argv[3]))
    elif cmd == "w4":
        out = w4(argv[2], int(argv[3]))
    else:
        raise SystemExit(f"unknown command {cmd}")
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)

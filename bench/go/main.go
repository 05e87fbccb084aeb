// The Go peer of `npm run bench`: vishvananda/netlink (Debian's golang-github-vishvananda-netlink-dev)
// in its best use, built by bench/run.js in GOPATH mode into bench/build/gobench.
//
//	gobench w1-setup N [WORKERS]   N hosts on br0 (1000-1999 on br1, and so on: bench/w1.js):
//	                               goroutines across hosts (WORKERS of them, default
//	                               one per host), each making its namespace as `ip netns add` does
//	                               (netns.NewNamed on a locked thread), a netlink.Handle in it
//	                               (NewHandleAt), the veth with its peer made in the namespace
//	                               (PeerNamespace) and master and up in LinkAdd, then lo and eth0 up,
//	                               two addresses and the default route
//	gobench w1-teardown N          netns.DeleteNamed for each
//	gobench w2 NSNAME              LinkList, then AddrList(nil, FAMILY_ALL)
//	gobench w2-loop NSNAME ROUNDS  both, ROUNDS times: the median of each
//	gobench w3 NSNAME N            AddrAdd, then AddrDel, N /32 addresses on lo, one at a time
//
// Prints one line of JSON with timings in microseconds.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

func die(what string, err error) {
	fmt.Fprintf(os.Stderr, "gobench: %s: %v\n", what, err)
	os.Exit(1)
}

func out(v map[string]interface{}) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

func v4(i int) net.IP { return net.IPv4(198, 18, byte((i+2)>>8), byte((i+2)&255)) }
func v6(i int) net.IP {
	ip := net.ParseIP("2001:db8::")
	ip[14] = byte((i + 2) >> 8)
	ip[15] = byte((i + 2) & 255)
	return ip
}

// makeNs makes the named namespace on this goroutine's locked thread and puts the thread back.
func makeNs(name string) netns.NsHandle {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		die("netns.Get", err)
	}
	defer orig.Close()
	ns, err := netns.NewNamed(name)
	if err != nil {
		die("netns.NewNamed", err)
	}
	if err := netns.Set(orig); err != nil {
		die("netns.Set", err)
	}
	return ns
}

// Hosts per bridge: host i's veth goes on br<i / portsPerBridge> (bench/w1.js).
const portsPerBridge = 1000

func host(hub *netlink.Handle, brs []int, i int) {
	br := brs[i/portsPerBridge]
	name := fmt.Sprintf("h%d", i)
	ns := makeNs(name)
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		die("NewHandleAt", err)
	}
	defer h.Delete()
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: fmt.Sprintf("v%d", i), MasterIndex: br, Flags: net.FlagUp}, PeerName: "eth0", PeerNamespace: netlink.NsFd(int(ns))}
	if err := hub.LinkAdd(veth); err != nil {
		die("LinkAdd veth", err)
	}
	// A fresh namespace numbers lo 1 and the peer made in it 2: no lookups.
	lo := &netlink.Device{LinkAttrs: netlink.LinkAttrs{Index: 1}}
	eth := &netlink.Device{LinkAttrs: netlink.LinkAttrs{Index: 2}}
	if err := h.LinkSetUp(lo); err != nil {
		die("lo up", err)
	}
	if err := h.LinkSetUp(eth); err != nil {
		die("eth0 up", err)
	}
	if err := h.AddrAdd(eth, &netlink.Addr{IPNet: &net.IPNet{IP: v4(i), Mask: net.CIDRMask(15, 32)}}); err != nil {
		die("AddrAdd v4", err)
	}
	if err := h.AddrAdd(eth, &netlink.Addr{IPNet: &net.IPNet{IP: v6(i), Mask: net.CIDRMask(64, 128)}, Flags: unix.IFA_F_NODAD}); err != nil {
		die("AddrAdd v6", err)
	}
	if err := h.RouteAdd(&netlink.Route{Gw: net.IPv4(198, 18, 0, 1)}); err != nil {
		die("RouteAdd", err)
	}
}

func w1Setup(n, workers int) {
	probe, err := netlink.NewHandle()
	if err != nil {
		die("NewHandle", err)
	}
	var brs []int
	for k := 0; k == 0 || k*portsPerBridge < n; k++ {
		name := fmt.Sprintf("br%d", k)
		br, err := probe.LinkByName(name)
		if err != nil {
			die(name, err)
		}
		brs = append(brs, br.Attrs().Index)
	}
	probe.Delete()
	if workers <= 0 || workers > n {
		workers = n
	}
	t0 := time.Now()
	next := make(chan int, n)
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// One hub handle per worker: a Handle's socket serves one request at a time.
			hub, err := netlink.NewHandle()
			if err != nil {
				die("NewHandle", err)
			}
			defer hub.Delete()
			for i := range next {
				host(hub, brs, i)
			}
		}()
	}
	wg.Wait()
	out(map[string]interface{}{"setup_us": us(time.Since(t0)), "workers": workers})
}

func w1Teardown(n int) {
	t0 := time.Now()
	for i := 0; i < n; i++ {
		if err := netns.DeleteNamed(fmt.Sprintf("h%d", i)); err != nil {
			die("DeleteNamed", err)
		}
	}
	out(map[string]interface{}{"teardown_us": us(time.Since(t0))})
}

func handleIn(name string) *netlink.Handle {
	ns, err := netns.GetFromName(name)
	if err != nil {
		die("GetFromName", err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		die("NewHandleAt", err)
	}
	return h
}

func dumps(h *netlink.Handle) (float64, float64, int, int) {
	t0 := time.Now()
	links, err := h.LinkList()
	if err != nil {
		die("LinkList", err)
	}
	t1 := time.Now()
	addrs, err := h.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		die("AddrList", err)
	}
	return us(t1.Sub(t0)), us(time.Since(t1)), len(links), len(addrs)
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

func w2(name string, rounds int) {
	h := handleIn(name)
	ls := make([]float64, rounds)
	as := make([]float64, rounds)
	var nl, na int
	for r := 0; r < rounds; r++ {
		ls[r], as[r], nl, na = dumps(h)
	}
	out(map[string]interface{}{"links": nl, "link_dump_us": median(ls), "addresses": na, "addr_dump_us": median(as)})
}

func w3(name string, n int) {
	h := handleIn(name)
	lo := &netlink.Device{LinkAttrs: netlink.LinkAttrs{Index: 1}}
	addrs := make([]*netlink.Addr, n)
	for i := range addrs {
		addrs[i] = &netlink.Addr{IPNet: &net.IPNet{IP: net.IPv4(198, 19, byte(i>>8), byte(i&255)), Mask: net.CIDRMask(32, 32)}}
	}
	t0 := time.Now()
	for _, a := range addrs {
		if err := h.AddrAdd(lo, a); err != nil {
			die("AddrAdd", err)
		}
	}
	t1 := time.Now()
	for _, a := range addrs {
		if err := h.AddrDel(lo, a); err != nil {
			die("AddrDel", err)
		}
	}
	out(map[string]interface{}{"add_us": us(t1.Sub(t0)), "del_us": us(time.Since(t1))})
}

func main() {
	a := os.Args
	num := func(i int) int {
		if len(a) <= i {
			return 0
		}
		v, err := strconv.Atoi(a[i])
		if err != nil {
			die("argument", err)
		}
		return v
	}
	switch {
	case len(a) >= 3 && a[1] == "w1-setup":
		w1Setup(num(2), num(3))
	case len(a) >= 3 && a[1] == "w1-teardown":
		w1Teardown(num(2))
	case len(a) >= 3 && a[1] == "w2":
		w2(a[2], 1)
	case len(a) >= 4 && a[1] == "w2-loop":
		w2(a[2], num(3))
	case len(a) >= 4 && a[1] == "w3":
		w3(a[2], num(3))
	default:
		fmt.Fprintln(os.Stderr, "usage: gobench w1-setup N [WORKERS] | w1-teardown N | w2 NSNAME | w2-loop NSNAME ROUNDS | w3 NSNAME N")
		os.Exit(2)
	}
}

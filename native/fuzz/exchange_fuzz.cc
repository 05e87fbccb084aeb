// libFuzzer target for the native reply loop: what JavaScript hands over as a batch (Split) and
// what the kernel answers (Absorb), with no socket. One input is
//
//   u32 port id | u16 n | n bytes of requests | datagrams, each a u16 length then its bytes
//
// and the batch is walked chunk by chunk as Exchange::Run does. Besides crashes and sanitizer
// reports, the harness traps when an invariant breaks: the output stays inside its buffer, holds
// only whole, 4-byte aligned messages addressed to this port and answering a request of the
// chunk, and the count of unanswered requests matches the requests not yet done.
//
// Built by scripts/fuzz-native.js: with clang and -fsanitize=fuzzer for `npm run fuzz`, and with
// replay.cc (any C++ compiler) to run the saved corpus in `npm test`.

#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../exchange.h"
#include "../thread.h"

namespace nl {

namespace {
// What the inputs exercised, for replay.cc to report: proof that the corpus reaches each path.
size_t batches, refused, kept;
}  // namespace

struct ExchangeFuzzer {
  static void Check(bool ok) {
    if (!ok) __builtin_trap();
  }

  static uint32_t Read(const uint8_t*& p, size_t& left, size_t bytes) {
    uint32_t v = 0;
    for (size_t i = 0; i < bytes && left > 0; ++i, --left) v |= static_cast<uint32_t>(*p++) << (8 * i);
    return v;
  }

  // Every message kept since offset from is whole, padded to 4 bytes, to this port, and answers
  // a request of first..last-1.
  static void CheckOutput(const Exchange& x, size_t first, size_t last, size_t from) {
    Check(x.used_ <= x.cap_);
    size_t at = from;
    while (at < x.used_) {
      Check(x.used_ - at >= sizeof(nlmsghdr));
      nlmsghdr h;
      memcpy(&h, x.out_ + at, sizeof h);
      Check(h.nlmsg_len >= sizeof(nlmsghdr) && NLMSG_ALIGN(h.nlmsg_len) <= x.used_ - at);
      Check(h.nlmsg_pid == x.portid_);
      bool known = false;
      for (size_t k = first; k < last; ++k) known = known || x.requests_[k].seq == h.nlmsg_seq;
      Check(known);
      at += NLMSG_ALIGN(h.nlmsg_len);
      ++kept;
    }
  }

  static void Run(const uint8_t* data, size_t size) {
    const uint8_t* p = data;
    size_t left = size;
    uint32_t portid = Read(p, left, 4);
    size_t n = Read(p, left, 2);
    if (n > left) n = left;
    // The request bytes get their own allocation, so reading past them is caught.
    uint8_t* batch = static_cast<uint8_t*>(malloc(n ? n : 1));
    memcpy(batch, p, n);
    p += n;
    left -= n;
    Exchange x(-1, portid, batch, n);
    // The port id's top bit stands for the socket's protocol: nf_tables batches are allowed.
    x.netfilter_ = (portid >> 31) & 1;
    ++batches;
    if (!x.Split()) {
      ++refused;
    } else {
      Check(!x.requests_.empty());
      for (const auto& r : x.requests_) Check(r.offset + r.length <= n);
      for (size_t i = 0, j; i < x.requests_.size() && left > 0; i = j) {
        j = x.ChunkEnd(i);
        Check(j > i && j <= x.requests_.size());
        size_t outstanding = x.Outstanding(i, j);
        if (x.requests_[i].batch_end) Check(j == x.requests_[i].batch_end);
        x.hint_ = 0;
        while (outstanding > 0 && left > 0) {
          size_t len = Read(p, left, 2);
          if (len > left) len = left;
          if (len > Exchange::kRecvSpace) len = Exchange::kRecvSpace;
          uint8_t* datagram = static_cast<uint8_t*>(malloc(len ? len : 1));
          memcpy(datagram, p, len);
          p += len;
          left -= len;
          size_t before = x.used_;
          Check(before % NLMSG_ALIGNTO == 0);
          Check(x.Absorb(datagram, len, i, j, &outstanding));
          free(datagram);
          CheckOutput(x, i, j, before);
          size_t open = 0;
          for (size_t k = i; k < j; ++k) open += x.requests_[k].expect && !x.requests_[k].done ? 1 : 0;
          Check(open == outstanding);
        }
      }
    }
    size_t length = 0;
    free(x.TakeReplies(&length));
    free(batch);
  }
};

}  // namespace nl

extern "C" void NlFuzzReport() {
  printf("%zu batches (%zu refused), %zu messages kept, %lu dropped\n", nl::batches, nl::refused,
         nl::kept, nl::ReadCounters().repliesDropped);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nl::ExchangeFuzzer::Run(data, size);
  return 0;
}

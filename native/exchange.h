// One exchange with the kernel: a batch of requests JavaScript queued together, sent and
// answered. Used by the libuv pool worker (slow requests) and the I/O thread (quick ones).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <vector>

namespace nl {

class Exchange {
 public:
  // The largest datagram read. A dump part is at most 32 KiB (the kernel caps it there), so a
  // datagram never truncates.
  static constexpr size_t kRecvSpace = 64 * 1024;

  Exchange(int fd, uint32_t portid, const uint8_t* data, size_t length)
      : fd_(fd), portid_(portid), data_(data), length_(length) {}
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  // Sends every request and reads every reply that answers them. On failure err() and
  // syscall() say why; the replies read so far are kept.
  void Run();

  int err() const { return err_; }
  const char* syscall() const { return syscall_; }
  // Hands over the replies (malloc'd; the caller frees them).
  uint8_t* TakeReplies(size_t* length);
  // Whether every reply kept is a plain ACK (NLMSG_ERROR with error 0), one per request, none
  // of them in an nf_tables batch: all the caller needs to know is that each request was done.
  bool AllAcked() const { return all_acked_ && used_ > 0 && !err_; }

  // While Run reads, every time `threshold` bytes of replies are kept (whole messages, at a
  // datagram's end), they are handed to `sink` (which then owns them) instead of being kept.
  // Used for dumps, whose reader parses each part while the kernel makes the next.
  using Sink = void (*)(void* context, uint8_t* data, size_t length);
  void HandOver(Sink sink, void* context, size_t threshold) {
    sink_ = sink;
    sink_context_ = context;
    sink_threshold_ = threshold;
  }

 private:
  // native/fuzz/exchange_fuzz.cc drives Split and Absorb with its bytes, without a socket.
  friend struct ExchangeFuzzer;

  struct Request {
    size_t offset;
    size_t length;
    uint32_t seq;
    bool dump;
    bool done;
    // Whether an answer is certain: a change with NLM_F_ACK, or a dump. Inside an nf_tables
    // batch the other messages are answered only if they fail.
    bool expect;
    // An nf_tables batch (NFNL_MSG_BATCH_BEGIN): its messages, through BATCH_END, are one chunk.
    size_t batch_end;
    // An rtnetlink change (new, delete, set) without NLM_F_ECHO: its only answer is an ACK.
    bool ack_only;
  };

  bool Split();
  // Whether the socket is NETLINK_NETFILTER (asked once, when a batch appears).
  bool Netfilter();
  // The requests of first..last-1 that still expect an answer.
  size_t Outstanding(size_t first, size_t last) const;
  size_t ChunkEnd(size_t i) const;
  bool Send(size_t first, size_t last);
  bool Reserve(size_t more);
  Request* Find(uint32_t seq, size_t first, size_t last);
  bool Receive(size_t first, size_t last);
  void Drain(uint32_t seq);
  static uint8_t* Scratch();
  bool Absorb(const uint8_t* datagram, size_t n, size_t first, size_t last, size_t* outstanding);
  void Fail(int err, const char* syscall) {
    err_ = err;
    syscall_ = syscall;
  }

  int fd_;
  uint32_t portid_;
  const uint8_t* data_;
  size_t length_;
  std::vector<Request> requests_;
  size_t hint_ = 0;
  uint8_t* out_ = nullptr;
  size_t used_ = 0;
  size_t cap_ = 0;
  int err_ = 0;
  const char* syscall_ = nullptr;
  Sink sink_ = nullptr;
  void* sink_context_ = nullptr;
  size_t sink_threshold_ = 0;
  // Cleared by the first reply kept that is not a plain ACK, or by a batch (see AllAcked).
  bool all_acked_ = true;
  // -1 until asked; then whether fd_ is a NETLINK_NETFILTER socket.
  int netfilter_ = -1;
};

}  // namespace nl

// The request/reply loop. One exchange sends a batch of netlink requests that JavaScript queued
// together and collects every reply that belongs to them.
//
// Batches go out in chunks: a run of ordinary requests shares one sendmsg (the kernel handles
// every message of a datagram in turn), a dump goes alone (a socket runs one dump at a time).
// Chunks are capped so that the replies of one chunk always fit the receive buffer; an
// overflow would drop ACKs and leave requests unanswered.
//
// On a NETLINK_NETFILTER socket, an nf_tables transaction (NFNL_MSG_BATCH_BEGIN, its messages,
// NFNL_MSG_BATCH_END) must reach the kernel in one datagram, and only what carries NLM_F_ACK or
// fails is answered. The kernel handles the whole batch inside sendmsg, so by the time sendmsg
// returns every answer is queued: the replies are read without blocking until the ones expected
// are in or the queue is empty (a batch refused as a whole is answered only on its BEGIN).

#include "exchange.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <linux/netfilter/nfnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include "fault.h"
#include "thread.h"

namespace nl {

namespace {

constexpr size_t kMaxChunkMessages = 64;
constexpr size_t kMaxChunkBytes = 64 * 1024;

// The header of the message at `at`, `left` bytes from the end: true when a whole message is there.
bool WholeMessage(const uint8_t* at, size_t left, nlmsghdr* header) {
  if (left < sizeof(nlmsghdr)) return false;
  memcpy(header, at, sizeof *header);
  return header->nlmsg_len >= sizeof(nlmsghdr) && header->nlmsg_len <= left;
}

}  // namespace

Exchange::~Exchange() { free(out_); }

void Exchange::Run() {
  if (!Split()) {
    Fail(EINVAL, "request");
    return;
  }
  for (size_t i = 0, j; i < requests_.size(); i = j) {
    j = ChunkEnd(i);
    if (!Send(i, j)) return;
    if (!Receive(i, j)) {
      // A dump left half-read keeps the socket busy: every later dump on it would be EBUSY.
      if (requests_[i].dump && !requests_[i].done) Drain(requests_[i].seq);
      return;
    }
  }
}

// Reads and drops what is left of the dump `seq`, without waiting: the kernel makes each part
// inside the read before, so the dump is over when nothing is queued, or once its end is read.
void Exchange::Drain(uint32_t seq) {
  uint8_t* scratch = Scratch();
  for (;;) {
    ssize_t n = recv(fd_, scratch, kRecvSpace, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    size_t left = static_cast<size_t>(n);
    nlmsghdr header;
    for (const uint8_t* at = scratch; WholeMessage(at, left, &header);) {
      if (header.nlmsg_seq == seq && (header.nlmsg_type == NLMSG_DONE || header.nlmsg_type == NLMSG_ERROR)) return;
      size_t step = NLMSG_ALIGN(header.nlmsg_len);
      if (step >= left) break;
      at += step;
      left -= step;
    }
  }
}

// Datagrams land in a scratch buffer that each thread keeps: a fresh 64 KiB allocation per
// exchange would be mmap'd, faulted in and unmapped every time.
uint8_t* Exchange::Scratch() {
  static thread_local uint8_t scratch[kRecvSpace];
  return scratch;
}

// The chunk that starts at request i ends before the index returned.
size_t Exchange::ChunkEnd(size_t i) const {
  size_t j = i + 1;
  if (requests_[i].batch_end) return requests_[i].batch_end;
  if (requests_[i].dump) return j;
  size_t bytes = requests_[i].length;
  while (j < requests_.size() && !requests_[j].dump && !requests_[j].batch_end && j - i < kMaxChunkMessages &&
         bytes + requests_[j].length <= kMaxChunkBytes) {
    bytes += requests_[j].length;
    ++j;
  }
  return j;
}

uint8_t* Exchange::TakeReplies(size_t* length) {
  uint8_t* data = out_;
  *length = used_;
  out_ = nullptr;
  used_ = cap_ = 0;
  return data;
}

bool Exchange::Netfilter() {
  if (netfilter_ < 0) {
    int protocol = 0;
    socklen_t len = sizeof protocol;
    netfilter_ = getsockopt(fd_, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) == 0 && protocol == NETLINK_NETFILTER;
  }
  return netfilter_ == 1;
}

size_t Exchange::Outstanding(size_t first, size_t last) const {
  size_t n = 0;
  for (size_t k = first; k < last; ++k) n += requests_[k].expect && !requests_[k].done;
  return n;
}

// Every request must be answered: a change carries NLM_F_ACK, a dump ends with NLMSG_DONE.
// A request that would get no answer is refused rather than waited for forever; inside an
// nf_tables batch a message without NLM_F_ACK is allowed (a failure is still answered, and the
// batch's replies are read without waiting).
bool Exchange::Split() {
  size_t offset = 0;
  size_t begin = 0;
  bool in_batch = false;
  while (offset < length_) {
    nlmsghdr header;
    if (!WholeMessage(data_ + offset, length_ - offset, &header)) return false;
    bool dump = (header.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
    bool ack = (header.nlmsg_flags & NLM_F_ACK) != 0;
    if (!in_batch && !dump && !ack) {
      // Only a batch may hold messages without an answer; it must end in this buffer.
      if (header.nlmsg_type != NFNL_MSG_BATCH_BEGIN || !Netfilter()) return false;
      in_batch = true;
      begin = requests_.size();
      all_acked_ = false;  // a batch answers only some of its messages: JavaScript must see which
    } else if (in_batch && (dump || header.nlmsg_type == NFNL_MSG_BATCH_BEGIN)) {
      return false;
    }
    // rtnetlink's types are below 256 (nfnetlink's carry a subsystem in the high byte); a get's
    // is 2 modulo 4 (RTM_GETLINK 18, RTM_GETADDR 22, ...), a new, delete or set's is not.
    bool change = header.nlmsg_type >= RTM_BASE && header.nlmsg_type < 256 && (header.nlmsg_type & 3) != 2;
    bool ack_only = ack && !dump && change && !(header.nlmsg_flags & NLM_F_ECHO);
    requests_.push_back(Request{offset, header.nlmsg_len, header.nlmsg_seq, dump, false, dump || ack, 0, ack_only});
    if (in_batch && header.nlmsg_type == NFNL_MSG_BATCH_END) {
      requests_[begin].batch_end = requests_.size();
      in_batch = false;
    }
    offset += NLMSG_ALIGN(header.nlmsg_len);
  }
  return !in_batch && !requests_.empty();
}

bool Exchange::Send(size_t first, size_t last) {
  const Request& end = requests_[last - 1];
  size_t start = requests_[first].offset;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  for (;;) {
    ssize_t n = sendto(fd_, data_ + start, end.offset + end.length - start, 0,
                       reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
    if (n >= 0) break;
    if (errno == EINTR) continue;
    Fail(errno, "sendmsg");
    return false;
  }
  CountSend(last - first);
  return true;
}

bool Exchange::Reserve(size_t more) {
  if (cap_ - used_ >= more) return true;
  // Quick answers are small; a dump's parts are up to 32 KiB each and there are often many
  // (handed over, they are a threshold and one datagram at most).
  size_t dump_cap = sink_ ? sink_threshold_ + kRecvSpace : 1024 * 1024;
  size_t cap = cap_ ? cap_ : (requests_.size() == 1 && requests_[0].dump ? dump_cap : 4096);
  while (cap - used_ < more) cap *= 2;
  uint8_t* grown = static_cast<uint8_t*>(realloc(out_, cap));
  if (!grown) return false;
  out_ = grown;
  cap_ = cap;
  return true;
}

// Replies come back in request order, so the search starts where the last one matched.
Exchange::Request* Exchange::Find(uint32_t seq, size_t first, size_t last) {
  for (size_t k = 0; k < last - first; ++k) {
    size_t idx = first + (hint_ + k) % (last - first);
    if (requests_[idx].seq == seq) {
      hint_ = idx - first;
      return &requests_[idx];
    }
  }
  return nullptr;
}

bool Exchange::Receive(size_t first, size_t last) {
  // Datagrams land in the thread's scratch buffer; only what answers this batch is copied out,
  // into a buffer sized to it.
  uint8_t* scratch = Scratch();
  size_t outstanding = Outstanding(first, last);
  // A batch was handled inside sendmsg: its answers are queued already, or never come. With no
  // acknowledgement asked for, everything queued is read.
  bool batch = requests_[first].batch_end != 0;
  bool drain = batch && outstanding == 0;
  // Only ACKs to come (changes, none a dump, a get or an echo): up to 16 datagrams per
  // recvmmsg, each in a 4 KiB slot of the scratch buffer (an ACK with its extended-ACK text is
  // far smaller). Anything else: one datagram at a time, the whole buffer for it (a dump part
  // is up to 32 KiB).
  bool acks = !batch;
  for (size_t k = first; acks && k < last; ++k) acks = requests_[k].ack_only;
  constexpr size_t kAckSlot = 4096;
  constexpr size_t kAckSlots = kRecvSpace / kAckSlot;
  mmsghdr msgs[kAckSlots];
  iovec iov[kAckSlots];
  sockaddr_nl from[kAckSlots];
  hint_ = 0;
  while (outstanding > 0 || drain) {
    // Never more datagrams than answers still due: the first is waited for, the rest taken if
    // they are queued.
    size_t slot = acks ? kAckSlot : kRecvSpace;
    unsigned want = acks ? static_cast<unsigned>(outstanding < kAckSlots ? outstanding : kAckSlots) : 1;
    for (unsigned i = 0; i < want; i++) {
      iov[i] = iovec{scratch + i * slot, slot};
      from[i] = sockaddr_nl{};
      msgs[i] = mmsghdr{};
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof from[i];
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int got = recvmmsg(fd_, msgs, want, batch ? MSG_DONTWAIT : MSG_WAITFORONE, nullptr);
    CountRecv();
    if (got < 0) {
      if (errno == EINTR) continue;
      if (batch && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      Fail(errno, "recvmmsg");
      return false;
    }
    for (int i = 0; i < got; i++) {
      if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
        Fail(EMSGSIZE, "recvmmsg");
        return false;
      }
      if (from[i].nl_pid != 0) {  // not from the kernel
        CountDropped();
        continue;
      }
      if (!Absorb(scratch + i * slot, msgs[i].msg_len, first, last, &outstanding)) {
        Fail(ENOMEM, "realloc");
        return false;
      }
    }
    // Parts go on while the dump is still being read; its last messages stay for the end.
    if (sink_ && used_ >= sink_threshold_ && outstanding > 0) {
      size_t length = 0;
      uint8_t* part = TakeReplies(&length);
      sink_(sink_context_, part, length);
      if (Faulted("dump.part")) {  // tests: a read failing once a part is out
        Fail(errno, "recvmmsg");
        return false;
      }
    }
  }
  return true;
}

// Keeps the messages of one datagram that answer requests first..last-1; drops the rest (late
// replies to an earlier, failed batch carry other sequence numbers; a message cut short ends
// the datagram). Kept messages start 4-byte aligned, as JavaScript walks them: a last message
// whose length is not a multiple of 4 is padded. False when memory runs out.
bool Exchange::Absorb(const uint8_t* datagram, size_t n, size_t first, size_t last,
                      size_t* outstanding) {
  if (!Reserve(n + NLMSG_ALIGNTO)) return false;
  const uint8_t* read = datagram;
  size_t left = n;
  nlmsghdr header;
  while (WholeMessage(read, left, &header)) {
    size_t step = NLMSG_ALIGN(header.nlmsg_len);
    size_t take = step > left ? left : step;
    Request* req = header.nlmsg_pid == portid_ ? Find(header.nlmsg_seq, first, last) : nullptr;
    if (req) {
      bool final = header.nlmsg_type == NLMSG_ERROR || (req->dump && header.nlmsg_type == NLMSG_DONE);
      if (final && !req->done) {
        req->done = true;
        if (req->expect) --*outstanding;
      }
      if (all_acked_) {
        int32_t error = -1;
        if (header.nlmsg_type == NLMSG_ERROR && header.nlmsg_len >= NLMSG_HDRLEN + sizeof error) memcpy(&error, read + NLMSG_HDRLEN, sizeof error);
        all_acked_ = error == 0;
      }
      memcpy(out_ + used_, read, take);
      memset(out_ + used_ + take, 0, step - take);
      used_ += step;
    } else {
      CountDropped();
    }
    read += take;
    left -= take;
  }
  return true;
}

}  // namespace nl

// The request/reply loop. One call sends a batch of netlink requests that JavaScript queued
// together and collects every reply that belongs to them.
//
// Batches go out in chunks: a run of ordinary requests shares one sendmsg (the kernel handles
// every message of a datagram in turn), a dump goes alone (a socket runs one dump at a time).
// Chunks are capped so that the replies of one chunk always fit the receive buffer; an
// overflow would drop ACKs and leave requests unanswered.

#include "socket.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "thread.h"
#include "worker.h"

namespace nl {

namespace {

constexpr size_t kMaxChunkMessages = 64;
constexpr size_t kMaxChunkBytes = 64 * 1024;
// A dump part is at most 32 KiB (the kernel caps it there), so a datagram never truncates.
constexpr size_t kRecvSpace = 64 * 1024;
constexpr int kRecvBuffer = 4 * 1024 * 1024;

struct Request {
  size_t offset;
  size_t length;
  uint32_t seq;
  bool dump;
  bool done;
};

class TransactWorker : public PromiseWorker {
 public:
  TransactWorker(Napi::Env env, int fd, uint32_t portid, Napi::Buffer<uint8_t> requests)
      : PromiseWorker(env),
        fd_(fd),
        portid_(portid),
        keep_(Napi::Persistent(requests)),
        data_(requests.Data()),
        length_(requests.Length()) {}

  ~TransactWorker() override { free(out_); }

 protected:
  void Execute() override {
    if (!Split()) {
      Fail(EINVAL, "request");
      return;
    }
    size_t i = 0;
    while (i < requests_.size()) {
      size_t j = i + 1;
      if (!requests_[i].dump) {
        size_t bytes = requests_[i].length;
        while (j < requests_.size() && !requests_[j].dump && j - i < kMaxChunkMessages &&
               bytes + requests_[j].length <= kMaxChunkBytes) {
          bytes += requests_[j].length;
          ++j;
        }
      }
      if (!Send(i, j) || !Receive(i, j)) return;
      i = j;
    }
  }

  Napi::Value Result(Napi::Env env) override { return TakeReplies(env); }
  void Decorate(Napi::Env env, Napi::Object error) override {
    error.Set("replies", TakeReplies(env));
  }

 private:
  // Every request must be answered: a change carries NLM_F_ACK, a dump ends with NLMSG_DONE.
  // A request that would get no answer is refused rather than waited for forever.
  bool Split() {
    size_t offset = 0;
    while (offset < length_) {
      if (length_ - offset < sizeof(nlmsghdr)) return false;
      nlmsghdr header;
      memcpy(&header, data_ + offset, sizeof header);
      if (header.nlmsg_len < sizeof(nlmsghdr) || header.nlmsg_len > length_ - offset) return false;
      bool dump = (header.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
      if (!dump && !(header.nlmsg_flags & NLM_F_ACK)) return false;
      requests_.push_back(Request{offset, header.nlmsg_len, header.nlmsg_seq, dump, false});
      offset += NLMSG_ALIGN(header.nlmsg_len);
    }
    return !requests_.empty();
  }

  bool Send(size_t first, size_t last) {
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

  bool Reserve(size_t more) {
    if (cap_ - used_ >= more) return true;
    size_t cap = cap_ ? cap_ : 2 * kRecvSpace;
    while (cap - used_ < more) cap *= 2;
    uint8_t* grown = static_cast<uint8_t*>(realloc(out_, cap));
    if (!grown) return false;
    out_ = grown;
    cap_ = cap;
    return true;
  }

  // Replies come back in request order, so the search starts where the last one matched.
  Request* Find(uint32_t seq, size_t first, size_t last) {
    for (size_t k = 0; k < last - first; ++k) {
      size_t idx = first + (hint_ + k) % (last - first);
      if (requests_[idx].seq == seq) {
        hint_ = idx - first;
        return &requests_[idx];
      }
    }
    return nullptr;
  }

  bool Receive(size_t first, size_t last) {
    size_t outstanding = last - first;
    hint_ = 0;
    while (outstanding > 0) {
      if (!Reserve(kRecvSpace)) {
        Fail(ENOMEM, "realloc");
        return false;
      }
      sockaddr_nl from{};
      iovec iov{out_ + used_, kRecvSpace};
      msghdr mh{};
      mh.msg_name = &from;
      mh.msg_namelen = sizeof from;
      mh.msg_iov = &iov;
      mh.msg_iovlen = 1;
      ssize_t n = recvmsg(fd_, &mh, 0);
      CountRecv();
      if (n < 0) {
        if (errno == EINTR) continue;
        Fail(errno, "recvmsg");
        return false;
      }
      if (mh.msg_flags & MSG_TRUNC) {
        Fail(EMSGSIZE, "recvmsg");
        return false;
      }
      if (from.nl_pid != 0) {  // not from the kernel
        CountDropped();
        continue;
      }
      // Keep the messages that answer this chunk, compacted in place; drop the rest
      // (late replies to an earlier, failed batch carry other sequence numbers).
      uint8_t* read = out_ + used_;
      uint8_t* write = read;
      size_t left = static_cast<size_t>(n);
      while (left >= sizeof(nlmsghdr)) {
        nlmsghdr header;
        memcpy(&header, read, sizeof header);
        if (header.nlmsg_len < sizeof(nlmsghdr) || header.nlmsg_len > left) break;
        size_t step = NLMSG_ALIGN(header.nlmsg_len);
        if (step > left) step = left;
        Request* req = header.nlmsg_pid == portid_ ? Find(header.nlmsg_seq, first, last) : nullptr;
        if (req) {
          bool final = header.nlmsg_type == NLMSG_ERROR ||
                       (req->dump && header.nlmsg_type == NLMSG_DONE);
          if (final && !req->done) {
            req->done = true;
            --outstanding;
          }
          if (write != read) memmove(write, read, step);
          write += step;
        } else {
          CountDropped();
        }
        read += step;
        left -= step;
      }
      used_ = static_cast<size_t>(write - out_);
    }
    return true;
  }

  Napi::Value TakeReplies(Napi::Env env) {
    uint8_t* data = out_;
    size_t used = used_;
    out_ = nullptr;
    used_ = cap_ = 0;
    if (!data) return Napi::Buffer<uint8_t>::New(env, 0);
    return Napi::Buffer<uint8_t>::New(env, data, used, [](Napi::Env, uint8_t* p) { free(p); });
  }

  int fd_;
  uint32_t portid_;
  Napi::Reference<Napi::Buffer<uint8_t>> keep_;
  const uint8_t* data_;
  size_t length_;
  std::vector<Request> requests_;
  size_t hint_ = 0;
  uint8_t* out_ = nullptr;
  size_t used_ = 0;
  size_t cap_ = 0;
};

class SocketOpenWorker : public PromiseWorker {
 public:
  SocketOpenWorker(Napi::Env env, int nsfd) : PromiseWorker(env), nsfd_(nsfd) {}

 protected:
  void Execute() override {
    const char* failed = nullptr;
    int err = RunInNetns(
        nsfd_, [this](const char** f) { return OpenRouteSocket(&fd_, &portid_, f); }, &failed);
    if (err) Fail(err, failed);
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object result = Napi::Object::New(env);
    result.Set("fd", fd_);
    result.Set("portid", portid_);
    return result;
  }

 private:
  int nsfd_;
  int fd_ = -1;
  uint32_t portid_ = 0;
};

}  // namespace

int OpenRouteSocket(int* fd_out, uint32_t* portid, const char** failed) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) {
    *failed = "socket";
    return errno;
  }
  int one = 1;
  // Older kernels lack some of these; the replies are parsed the same either way.
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one);
  int size = kRecvBuffer;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  socklen_t len = sizeof local;
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) {
    int err = errno;
    *failed = "bind";
    close(fd);
    return err;
  }
  *fd_out = fd;
  *portid = local.nl_pid;
  return 0;
}

// ifindex(sock, name): the index of interface `name` in the socket's namespace, or -errno.
// The one syscall made on the JS thread, on purpose: the kernel answers SIOCGIFINDEX from the
// socket's namespace under RCU, never sleeping or taking a lock, in about a microsecond; a
// netlink round trip through a worker costs two thread wakeups (~100 us on a 2-vCPU VM).
Napi::Value Ifindex(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsString()) {
    Napi::TypeError::New(env, "ifindex(sock, name)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string name = info[1].As<Napi::String>().Utf8Value();
  if (name.empty() || name.size() >= IFNAMSIZ) return Napi::Number::New(env, -EINVAL);
  ifreq ifr{};
  memcpy(ifr.ifr_name, name.data(), name.size());
  if (ioctl(info[0].As<Napi::Number>().Int32Value(), SIOCGIFINDEX, &ifr) != 0) return Napi::Number::New(env, -errno);
  return Napi::Number::New(env, ifr.ifr_ifindex);
}

// ifname(sock, index): the name of interface `index` in the socket's namespace, or -errno.
// SIOCGIFNAME, answered like SIOCGIFINDEX above.
Napi::Value Ifname(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "ifname(sock, index)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  ifreq ifr{};
  ifr.ifr_ifindex = info[1].As<Napi::Number>().Int32Value();
  if (ioctl(info[0].As<Napi::Number>().Int32Value(), SIOCGIFNAME, &ifr) != 0) return Napi::Number::New(env, -errno);
  return Napi::String::New(env, ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ));
}

// socketOpen(nsfd): a socket created inside the namespace behind nsfd.
Napi::Value SocketOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) {
    Napi::TypeError::New(env, "socketOpen(nsfd)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return (new SocketOpenWorker(env, info[0].As<Napi::Number>().Int32Value()))->Start();
}

// transact(fd, portid, requests): the replies to a batch of requests, concatenated.
Napi::Value Transact(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsBuffer()) {
    Napi::TypeError::New(env, "transact(fd, portid, buffer)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return (new TransactWorker(env, info[0].As<Napi::Number>().Int32Value(),
                             info[1].As<Napi::Number>().Uint32Value(),
                             info[2].As<Napi::Buffer<uint8_t>>()))
      ->Start();
}

}  // namespace nl

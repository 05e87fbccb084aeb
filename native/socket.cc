// Netlink sockets: made inside a namespace, exchanges run on the libuv pool, and the two
// ioctls that answer interface names and indexes without a netlink round trip.

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

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "exchange.h"
#include "thread.h"
#include "worker.h"

namespace nl {

Napi::Value RepliesBuffer(Napi::Env env, Exchange& exchange) {
  size_t length = 0;
  uint8_t* data = exchange.TakeReplies(&length);
  if (!data) return Napi::Buffer<uint8_t>::New(env, 0);
  // Small replies are copied into V8's heap: cheaper than an external buffer's finalizer.
  if (length <= 16384) {
    Napi::Value copy = Napi::Buffer<uint8_t>::Copy(env, data, length);
    free(data);
    return copy;
  }
  return Napi::Buffer<uint8_t>::New(env, data, length, [](Napi::Env, uint8_t* p) { free(p); });
}

// Measured: W3 one at a time, a Buffer copy of a 36-byte ACK cost 1.0-3.0 us of the JS thread's
// ~45 us per request (node::Buffer::Copy); `true` costs nothing to make and to read.
// The replies left unread are the exchange's to free, as any it still holds.
Napi::Value Answer(Napi::Env env, Exchange& exchange) {
  return exchange.AllAcked() ? Napi::Boolean::New(env, true) : RepliesBuffer(env, exchange);
}

Napi::Object ExchangeFailure(Napi::Env env, Exchange& exchange) {
  Napi::Object error = ErrnoError(env, exchange.err(), exchange.syscall());
  error.Set("replies", RepliesBuffer(env, exchange));
  return error;
}

napi_status SettleExchange(Napi::Env env, napi_deferred deferred, Exchange& exchange) {
  if (exchange.err()) return napi_reject_deferred(env, deferred, ExchangeFailure(env, exchange));
  return napi_resolve_deferred(env, deferred, Answer(env, exchange));
}

namespace {

constexpr int kRecvBuffer = 4 * 1024 * 1024;

class TransactWorker : public PromiseWorker {
 public:
  TransactWorker(Napi::Env env, int fd, uint32_t portid, Napi::Buffer<uint8_t> requests)
      : PromiseWorker(env),
        keep_(Napi::Persistent(requests)),
        exchange_(fd, portid, requests.Data(), requests.Length()) {}

 protected:
  void Execute() override {
    exchange_.Run();
    if (exchange_.err()) Fail(exchange_.err(), exchange_.syscall());
  }
  Napi::Value Result(Napi::Env env) override { return Answer(env, exchange_); }
  void Decorate(Napi::Env env, Napi::Object error) override { error.Set("replies", RepliesBuffer(env, exchange_)); }

 private:
  Napi::Reference<Napi::Buffer<uint8_t>> keep_;
  Exchange exchange_;
};

// transactParts(fd, portid, requests, onPart): as transact, but while a dump is read every
// kPartBytes of its replies go to onPart(buffer) at once, in order, and the promise resolves
// with the rest after the last of them. JavaScript parses a part while the kernel makes the
// next (a dump's kernel work happens in the reader's recvmsg), instead of after all of it.
// The parts and the end travel by one thread-safe function, so the end never overtakes a part.
class TransactPartsWorker : public Napi::AsyncWorker {
 public:
  static constexpr size_t kPartBytes = 64 * 1024;

  TransactPartsWorker(Napi::Env env, int fd, uint32_t portid, Napi::Buffer<uint8_t> requests, Napi::Function onPart)
      : Napi::AsyncWorker(env, "netns-link"), job_(new Job(fd, portid, requests)) {
    if (napi_create_promise(env, &job_->deferred, &promise_) != napi_ok) return;
    job_->tsfn = Tsfn::New(env, onPart, "netns-link dump", 0, 1, job_, [](Napi::Env, void*, Job* job) { delete job; });
    job_->exchange.HandOver(&TransactPartsWorker::Part, job_, kPartBytes);
  }

  // The promise; or, when none could be made, the pending exception, and nothing is queued.
  Napi::Value Start() {
    Napi::Env env = Env();
    if (!promise_) {
      delete job_;
      delete this;
      NAPI_THROW(Napi::Error::New(env, "transactParts: no promise"), Napi::Value());
    }
    Queue();
    return Napi::Value(env, promise_);
  }

 protected:
  void Execute() override {
    job_->exchange.Run();
    Post(job_, nullptr, 0, true);
    job_->tsfn.Release();
  }
  void OnOK() override {}
  void OnError(const Napi::Error&) override {}

 private:
  struct Job;
  struct Item {
    uint8_t* data;
    size_t length;
    bool end;
  };
  static void Deliver(Napi::Env env, Napi::Function onPart, Job* job, Item* item);
  using Tsfn = Napi::TypedThreadSafeFunction<Job, Item, &TransactPartsWorker::Deliver>;
  struct Job {
    Job(int fd, uint32_t portid, Napi::Buffer<uint8_t> requests) : keep(Napi::Persistent(requests)), exchange(fd, portid, requests.Data(), requests.Length()) {}
    Napi::Reference<Napi::Buffer<uint8_t>> keep;
    Exchange exchange;
    napi_deferred deferred = nullptr;
    Tsfn tsfn;
  };

  static void Post(Job* job, uint8_t* data, size_t length, bool end) {
    // The queue is unbounded: the call never waits. It fails only once the environment is
    // going away, and then nothing will read the part.
    Item* item = new Item{data, length, end};
    if (job->tsfn.BlockingCall(item) != napi_ok) {
      free(data);
      delete item;
    }
  }
  static void Part(void* context, uint8_t* data, size_t length) { Post(static_cast<Job*>(context), data, length, false); }

  Job* job_;
  napi_value promise_ = nullptr;
};

void TransactPartsWorker::Deliver(Napi::Env env, Napi::Function onPart, Job* job, Item* item) {
  std::unique_ptr<Item> own(item);
  if (env == nullptr) {  // the environment is going away
    free(item->data);
    return;
  }
  Napi::HandleScope scope(env);
  if (!item->end) {
    Napi::Value part = Napi::Buffer<uint8_t>::New(env, item->data, item->length, [](Napi::Env, uint8_t* p) { free(p); });
    onPart.Call({part});
    return;
  }
  SettleExchange(env, job->deferred, job->exchange);
}

// Sockets of several namespaces, made by one thread that enters each in turn. `alone`: one
// socket (socketOpen), its failure the promise's rejection, not an entry of an array.
class SocketOpenManyWorker : public PromiseWorker {
 public:
  SocketOpenManyWorker(Napi::Env env, std::vector<int> nsfds, int protocol, bool alone = false)
      : PromiseWorker(env), nsfds_(std::move(nsfds)), protocol_(protocol), alone_(alone), fds_(nsfds_.size(), -1), portids_(nsfds_.size(), 0),
        sndbufs_(nsfds_.size(), 0), errs_(nsfds_.size(), 0), failed_(nsfds_.size(), nullptr) {}

 protected:
  void Execute() override {
    // A negative number is no descriptor (and to RunInEach, kNewNetns would be a new namespace).
    std::vector<int> run(nsfds_);
    for (int& fd : run)
      if (fd < 0) fd = kSkip;
    RunInEach(
        run.data(), run.size(),
        [this](size_t i, const char** f) { return OpenNetlinkSocket(protocol_, &fds_[i], &portids_[i], f); }, errs_.data(),
        failed_.data());
    for (size_t i = 0; i < nsfds_.size(); i++) {
      if (nsfds_[i] < 0) {
        errs_[i] = EBADF;
        failed_[i] = "setns";
      }
      if (errs_[i] != 0) continue;
      socklen_t len = sizeof sndbufs_[i];
      getsockopt(fds_[i], SOL_SOCKET, SO_SNDBUF, &sndbufs_[i], &len);
    }
    if (alone_ && errs_[0] != 0) Fail(errs_[0], Failed(0));
  }
  Napi::Value Result(Napi::Env env) override {
    if (alone_) return Socket(env, 0);
    Napi::Array out = Napi::Array::New(env, nsfds_.size());
    for (uint32_t i = 0; i < nsfds_.size(); i++) out.Set(i, errs_[i] != 0 ? ErrnoError(env, errs_[i], Failed(i)) : Socket(env, i));
    return out;
  }

 private:
  const char* Failed(size_t i) const { return failed_[i] ? failed_[i] : "socket"; }
  Napi::Object Socket(Napi::Env env, size_t i) const {
    Napi::Object result = Napi::Object::New(env);
    result.Set("fd", fds_[i]);
    result.Set("portid", portids_[i]);
    result.Set("sndbuf", sndbufs_[i]);
    return result;
  }

  std::vector<int> nsfds_;
  int protocol_;
  bool alone_;
  std::vector<int> fds_;
  std::vector<uint32_t> portids_;
  std::vector<int> sndbufs_;
  std::vector<int> errs_;
  std::vector<const char*> failed_;
};

}  // namespace

int OpenRouteSocket(int* fd_out, uint32_t* portid, const char** failed) {
  return OpenNetlinkSocket(NETLINK_ROUTE, fd_out, portid, failed);
}

int OpenNetlinkSocket(int protocol, int* fd_out, uint32_t* portid, const char** failed) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
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
  // An nf_tables transaction goes down in one datagram, which must fit the send buffer.
  if (protocol == NETLINK_NETFILTER && setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
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
// Made on the JS thread, on purpose, the only syscall on a request's path there: the kernel
// answers SIOCGIFINDEX from the socket's namespace under RCU, never sleeping or taking a lock,
// in about a microsecond; a netlink round trip through a worker costs two thread wakeups
// (~100 us on a 2-vCPU VM).
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

// socketOpen(nsfd[, protocol]): a netlink socket created inside the namespace behind nsfd;
// NETLINK_ROUTE unless NETLINK_NETFILTER is asked for. Resolves { fd, portid, sndbuf }.
Napi::Value SocketOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int protocol = info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : NETLINK_ROUTE;
  if (!info[0].IsNumber() || info[0].As<Napi::Number>().Int32Value() < 0 || (protocol != NETLINK_ROUTE && protocol != NETLINK_NETFILTER)) {
    Napi::TypeError::New(env, "socketOpen(nsfd, protocol?)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return (new SocketOpenManyWorker(env, {info[0].As<Napi::Number>().Int32Value()}, protocol, true))->Start();
}

// socketOpenMany([nsfd...], protocol): the same for several namespaces, by one thread that
// enters each in turn (one thread and one pool job, not one of each per namespace). Resolves
// with, per namespace, { fd, portid, sndbuf } or its failure (an errno error).
Napi::Value SocketOpenMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int protocol = info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : -1;
  if (!info[0].IsArray() || (protocol != NETLINK_ROUTE && protocol != NETLINK_NETFILTER)) {
    Napi::TypeError::New(env, "socketOpenMany(nsfds, protocol)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array list = info[0].As<Napi::Array>();
  std::vector<int> nsfds;
  nsfds.reserve(list.Length());
  for (uint32_t i = 0; i < list.Length(); i++) {
    if (!list.Get(i).IsNumber()) {
      Napi::TypeError::New(env, "socketOpenMany(nsfds, protocol)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    nsfds.push_back(list.Get(i).As<Napi::Number>().Int32Value());
  }
  return (new SocketOpenManyWorker(env, std::move(nsfds), protocol))->Start();
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

Napi::Value TransactParts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsBuffer() || !info[3].IsFunction()) {
    Napi::TypeError::New(env, "transactParts(fd, portid, buffer, onPart)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return (new TransactPartsWorker(env, info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Uint32Value(),
                                  info[2].As<Napi::Buffer<uint8_t>>(), info[3].As<Napi::Function>()))
      ->Start();
}

// transactMany([fd...], [portid...], [requests...]): the exchanges of several sockets in one
// pool job, one after another, each answered on its own: an array of, per socket, its replies
// (a Buffer) or its failure (an error with the replies read so far). Requests of independent
// namespaces that are ready in the same tick go down together, as one thread hop, instead of a
// hop each (measured: W1 chained at N=500 made 2,510 sendmsg calls in ~2,500 hops).
namespace {

class TransactManyWorker : public PromiseWorker {
 public:
  TransactManyWorker(Napi::Env env, Napi::Array fds, Napi::Array portids, Napi::Array buffers) : PromiseWorker(env) {
    uint32_t n = buffers.Length();
    keep_.reserve(n);
    exchanges_.reserve(n);
    for (uint32_t i = 0; i < n; i++) {
      Napi::Buffer<uint8_t> b = buffers.Get(i).As<Napi::Buffer<uint8_t>>();
      keep_.push_back(Napi::Persistent(b));
      exchanges_.emplace_back(new Exchange(fds.Get(i).As<Napi::Number>().Int32Value(), portids.Get(i).As<Napi::Number>().Uint32Value(), b.Data(), b.Length()));
    }
  }
  ~TransactManyWorker() override {
    for (Exchange* e : exchanges_) delete e;
  }

 protected:
  void Execute() override {
    for (Exchange* e : exchanges_) e->Run();
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Array out = Napi::Array::New(env, exchanges_.size());
    for (uint32_t i = 0; i < exchanges_.size(); i++) {
      Exchange& e = *exchanges_[i];
      out.Set(i, e.err() ? Napi::Value(ExchangeFailure(env, e)) : Answer(env, e));
    }
    return out;
  }

 private:
  std::vector<Napi::Reference<Napi::Buffer<uint8_t>>> keep_;
  std::vector<Exchange*> exchanges_;
};

}  // namespace

Napi::Value TransactMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray() || !info[1].IsArray() || !info[2].IsArray()) {
    Napi::TypeError::New(env, "transactMany(fds, portids, buffers)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array fds = info[0].As<Napi::Array>(), portids = info[1].As<Napi::Array>(), buffers = info[2].As<Napi::Array>();
  uint32_t n = buffers.Length();
  if (fds.Length() != n || portids.Length() != n) {
    Napi::TypeError::New(env, "transactMany: as many fds and portids as buffers").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  for (uint32_t i = 0; i < n; i++) {
    if (!fds.Get(i).IsNumber() || !portids.Get(i).IsNumber() || !buffers.Get(i).IsBuffer()) {
      Napi::TypeError::New(env, "transactMany(fds, portids, buffers)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
  }
  return (new TransactManyWorker(env, fds, portids, buffers))->Start();
}

}  // namespace nl

// Watchers: a netlink socket of their own, made inside the namespace by a short-lived thread
// like every socket, subscribed to multicast groups, then read on the JS thread whenever epoll
// says it is readable (a uv_poll handle). A watcher costs one descriptor and no thread.

#include "watch.h"

#include <errno.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <memory>
#include <vector>

#include "thread.h"
#include "worker.h"

namespace nl {

namespace {

// What one readable event may take before the loop gets its turn back: the socket stays
// readable, so epoll reports it again on the next iteration.
constexpr size_t kMaxBatch = 1 << 20;
constexpr size_t kDatagram = 64 * 1024;
// After delivering messages, the socket rests this long before it is read again, so that a
// steady trickle of changes costs one wakeup per interval rather than one per change (a wakeup
// of the event loop costs ~30 us of kernel time on a small VM; a change ~5 us to parse). A
// change after a quiet spell is still delivered at once.
constexpr uint64_t kCoalesceMs = 1;

class WatchOpenWorker : public PromiseWorker {
 public:
  WatchOpenWorker(Napi::Env env, int nsfd, std::vector<uint32_t> groups, int rcvbuf)
      : PromiseWorker(env), nsfd_(nsfd), groups_(std::move(groups)), rcvbuf_(rcvbuf) {}

 protected:
  void Execute() override {
    const char* failed = nullptr;
    int err = RunInNetns(nsfd_, [this](const char** f) { return Open(f); }, &failed);
    if (err) Fail(err, failed);
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object result = Napi::Object::New(env);
    result.Set("fd", fd_);
    result.Set("portid", portid_);
    result.Set("rcvbuf", rcvbufGot_);
    return result;
  }

 private:
  int Open(const char** failed) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
    if (fd < 0) {
      *failed = "socket";
      return errno;
    }
    int err = Configure(fd, failed);
    if (err) {
      close(fd);
      return err;
    }
    fd_ = fd;
    return 0;
  }

  int Configure(int fd, const char** failed) {
    // Forced past rmem_max as root, so a flood does not overflow a default-sized buffer; a
    // small size on purpose (tests, a tight memory budget) is what the caller asked for.
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf_, sizeof rcvbuf_) != 0 &&
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf_, sizeof rcvbuf_) != 0) {
      *failed = "setsockopt";
      return errno;
    }
    socklen_t optlen = sizeof rcvbufGot_;
    getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbufGot_, &optlen);
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;
    socklen_t len = sizeof local;
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) {
      *failed = "bind";
      return errno;
    }
    portid_ = local.nl_pid;
    for (uint32_t group : groups_) {
      if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0) {
        *failed = "NETLINK_ADD_MEMBERSHIP";
        return errno;
      }
    }
    return 0;
  }

  int nsfd_;
  std::vector<uint32_t> groups_;
  int rcvbuf_;
  int rcvbufGot_ = 0;
  int fd_ = -1;
  uint32_t portid_ = 0;
};

// What one read of the socket found: its messages (each datagram padded to 4 bytes), whether
// the kernel dropped some, and an errno if reading failed.
struct Batch {
  std::vector<uint8_t> messages;
  bool overflow = false;
  int failure = 0;

  std::vector<napi_value> Values(Napi::Env env) const {
    return {Napi::Buffer<uint8_t>::Copy(env, messages.data(), messages.size()), Napi::Boolean::New(env, overflow),
            Napi::Number::New(env, failure)};
  }
};

// One watcher's reading: lives from watchStart until its handle is closed after stop().
class Watch {
 public:
  Watch(Napi::Env env, int fd, Napi::Function callback)
      : env_(env), fd_(fd), callback_(Napi::Persistent(callback)), context_(env, "netns-link watch") {
    poll_.data = this;
    rest_.data = this;
  }

  // On failure the caller still owns the descriptor, and this object is gone.
  static int Start(Watch* watch, uv_loop_t* loop) {
    uv_timer_init(loop, &watch->rest_);
    int err = uv_poll_init(loop, &watch->poll_, watch->fd_);
    if (err) {
      watch->handles_ = 1;
      watch->Release(reinterpret_cast<uv_handle_t*>(&watch->rest_));
      return err;
    }
    err = uv_poll_start(&watch->poll_, UV_READABLE, OnReadable);
    if (err) watch->Release();
    return err;
  }

  // Takes the socket out of epoll and closes it; the object goes once libuv lets the handles go.
  void Stop() {
    uv_poll_stop(&poll_);
    uv_timer_stop(&rest_);
    close(fd_);
    Release();
  }

  // A consumer that falls behind: the socket is no longer read, so the kernel's buffer bounds
  // what is held, and what it drops meanwhile is repaired as an overflow.
  void Pause() {
    if (paused_) return;
    paused_ = true;
    uv_poll_stop(&poll_);
    uv_timer_stop(&rest_);
  }

  // What queued meanwhile is read when epoll next reports the socket readable, not here.
  void Resume() {
    if (!paused_) return;
    paused_ = false;
    if (int err = uv_poll_start(&poll_, UV_READABLE, OnReadable)) Read(err);
  }

  // What is queued on the socket now, read without waiting: a listing must see every message
  // the kernel sent before its reply.
  Napi::Value Drain(Napi::Env env) {
    Batch b;
    Collect(&b);
    std::vector<napi_value> values = b.Values(env);
    Napi::Array out = Napi::Array::New(env, values.size());
    for (uint32_t i = 0; i < values.size(); ++i) out.Set(i, values[i]);
    return out;
  }

 private:
  static void OnReadable(uv_poll_t* handle, int status, int) {
    static_cast<Watch*>(handle->data)->Read(status);
  }

  static void OnRested(uv_timer_t* timer) {
    Watch* w = static_cast<Watch*>(timer->data);
    int err = uv_poll_start(&w->poll_, UV_READABLE, OnReadable);
    w->Read(err);
  }

  void Read(int status) {
    Batch b;
    if (status < 0) Recover(&b);
    if (!b.failure) Collect(&b);
    if (b.messages.empty() && !b.overflow && !b.failure) return;
    if (!b.failure && !paused_) {
      uv_poll_stop(&poll_);
      uv_timer_start(&rest_, OnRested, kCoalesceMs, 0);
    }
    Napi::HandleScope scope(env_);
    callback_.MakeCallback(env_.Global(), b.Values(env_), context_);
    // A throw in the callback is the program's own uncaught exception, as in any event handler.
    if (env_.IsExceptionPending()) napi_fatal_exception(env_, env_.GetAndClearPendingException().Value());
  }

  // libuv reports POLLERR as UV_EBADF and stops the handle. On a netlink socket the error is
  // the kernel's ENOBUFS (it dropped messages), which SO_ERROR reads and clears: an overflow,
  // and reading goes on.
  void Recover(Batch* b) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0 && err != ENOBUFS) {
      b->failure = err;
      return;
    }
    b->overflow = err == ENOBUFS;
    if (paused_) return;
    if (int restart = uv_poll_start(&poll_, UV_READABLE, OnReadable)) b->failure = -restart;
  }

  void Collect(Batch* b) {
    uint8_t datagram[kDatagram];
    while (b->messages.size() < kMaxBatch) {
      sockaddr_nl from{};
      socklen_t fromlen = sizeof from;
      ssize_t n = recvfrom(fd_, datagram, sizeof datagram, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &fromlen);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == ENOBUFS) {
          // The kernel dropped messages for want of room: said once, then reading goes on.
          b->overflow = true;
          continue;
        }
        if (errno != EAGAIN) b->failure = errno;
        return;
      }
      // Only the kernel speaks on these groups; anything a process sent to our port is dropped.
      if (from.nl_pid != 0) continue;
      size_t at = b->messages.size();
      b->messages.resize(at + ((static_cast<size_t>(n) + 3) & ~size_t{3}), 0);
      memcpy(b->messages.data() + at, datagram, static_cast<size_t>(n));
    }
  }

  void Release() {
    Release(reinterpret_cast<uv_handle_t*>(&poll_));
    Release(reinterpret_cast<uv_handle_t*>(&rest_));
  }

  // The object goes with the last of its two handles.
  void Release(uv_handle_t* handle) {
    uv_close(handle, [](uv_handle_t* h) {
      Watch* w = static_cast<Watch*>(h->data);
      if (--w->handles_ == 0) delete w;
    });
  }

  Napi::Env env_;
  int fd_;
  Napi::FunctionReference callback_;
  Napi::AsyncContext context_;
  uv_poll_t poll_{};
  uv_timer_t rest_{};
  int handles_ = 2;
  bool paused_ = false;
};

}  // namespace

// watchOpen(nsfd, groups, rcvbuf): a non-blocking socket inside the namespace, subscribed to
// the multicast groups; resolves with { fd, portid, rcvbuf } (the size the kernel granted).
Napi::Value WatchOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsArray() || !info[2].IsNumber()) {
    Napi::TypeError::New(env, "watchOpen(nsfd, groups, rcvbuf)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array list = info[1].As<Napi::Array>();
  std::vector<uint32_t> groups;
  for (uint32_t i = 0; i < list.Length(); ++i) groups.push_back(list.Get(i).As<Napi::Number>().Uint32Value());
  return (new WatchOpenWorker(env, info[0].As<Napi::Number>().Int32Value(), std::move(groups),
                              info[2].As<Napi::Number>().Int32Value()))
      ->Start();
}

// watchStart(fd, callback): reads the socket whenever it is readable and calls
// callback(messages, overflowed, errno); returns { stop(), pause(), resume(), drain() }: stop
// also closes the socket, pause and resume stop and restart reading it, drain reads what is
// queued now and returns [messages, overflowed, errno].
Napi::Value WatchStart(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsFunction()) {
    Napi::TypeError::New(env, "watchStart(fd, callback)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    Napi::Error::New(env, "no event loop").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* watch = new Watch(env, info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Function>());
  if (int err = Watch::Start(watch, loop)) {
    Napi::Error(env, ErrnoError(env, -err, "uv_poll_start")).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // stop() may be called again, or never before the process ends: later calls find nothing.
  auto live = std::make_shared<Watch*>(watch);
  Napi::Object control = Napi::Object::New(env);
  control.Set("stop", Napi::Function::New(env, [live](const Napi::CallbackInfo&) {
    if (*live) (*live)->Stop();
    *live = nullptr;
  }));
  control.Set("pause", Napi::Function::New(env, [live](const Napi::CallbackInfo&) {
    if (*live) (*live)->Pause();
  }));
  control.Set("resume", Napi::Function::New(env, [live](const Napi::CallbackInfo&) {
    if (*live) (*live)->Resume();
  }));
  control.Set("drain", Napi::Function::New(env, [live](const Napi::CallbackInfo& i) -> Napi::Value {
    if (!*live) return i.Env().Undefined();
    return (*live)->Drain(i.Env());
  }));
  return control;
}

}  // namespace nl

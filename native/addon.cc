#include <errno.h>
#include <napi.h>
#include <string.h>
#include <unistd.h>

#include <string>

#include "constants.h"
#include "fault.h"
#include "io.h"
#include "netns.h"
#include "socket.h"
#include "sysctl.h"
#include "tuntap.h"
#include "watch.h"
#include "thread.h"
#include "worker.h"

namespace nl {

Napi::Object ErrnoError(Napi::Env env, int err, const char* syscall) {
  char buf[128];
  const char* text = strerror_r(err, buf, sizeof buf);
  Napi::Object error = Napi::Error::New(env, std::string(syscall) + ": " + text).Value();
  error.Set("errno", err);
  error.Set("syscall", syscall);
  return error;
}

namespace {

// strerror(errno): the C library's text, e.g. "File exists".
Napi::Value Strerror(const Napi::CallbackInfo& info) {
  char buf[128];
  return Napi::String::New(info.Env(),
                           strerror_r(info[0].As<Napi::Number>().Int32Value(), buf, sizeof buf));
}

// close(fd): closing a namespace fd or a route netlink socket does not block.
Napi::Value Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) {
    Napi::TypeError::New(env, "close(fd)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (close(info[0].As<Napi::Number>().Int32Value()) != 0) {
    Napi::Error(env, ErrnoError(env, errno, "close")).ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

// closeLater(fd): close(fd) on the libuv pool. Closing a netfilter socket that sent an
// nf_tables batch takes the kernel 8-14 ms (measured here), which would stall the event loop;
// the descriptor stays taken until then, so its number cannot be reused under anyone.
class CloseWorker : public PromiseWorker {
 public:
  CloseWorker(Napi::Env env, int fd) : PromiseWorker(env), fd_(fd) {}

 protected:
  void Execute() override {
    if (close(fd_) != 0) Fail(errno, "close");
  }

 private:
  int fd_;
};

Napi::Value CloseLater(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) {
    Napi::TypeError::New(env, "closeLater(fd)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return (new CloseWorker(env, info[0].As<Napi::Number>().Int32Value()))->Start();
}

// injectFault(site, errno): the next time site (see fault.h) is reached, it fails with errno.
// For the tests; errno 0 disarms.
Napi::Value InjectFault(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "injectFault(site, errno)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  ArmFault(info[0].As<Napi::String>().Utf8Value().c_str(), info[1].As<Napi::Number>().Int32Value());
  return env.Undefined();
}

Napi::Value Stats(const Napi::CallbackInfo& info) {
  Counters c = ReadCounters();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("threads", static_cast<double>(c.threads));
  o.Set("sendCalls", static_cast<double>(c.sendCalls));
  o.Set("messagesSent", static_cast<double>(c.messagesSent));
  o.Set("recvCalls", static_cast<double>(c.recvCalls));
  o.Set("repliesDropped", static_cast<double>(c.repliesDropped));
  o.Set("quickAnswered", static_cast<double>(c.quickAnswered));
  o.Set("quickDeferred", static_cast<double>(c.quickDeferred));
  o.Set("quickDirect", static_cast<double>(c.quickDirect));
  o.Set("quickSteered", static_cast<double>(c.quickSteered));
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("constants", Constants(env));
  exports.Set("strerror", Napi::Function::New(env, Strerror));
  exports.Set("close", Napi::Function::New(env, Close));
  exports.Set("closeLater", Napi::Function::New(env, CloseLater));
  exports.Set("stats", Napi::Function::New(env, Stats));
  exports.Set("nsOpen", Napi::Function::New(env, NsOpen));
  exports.Set("nsOpenSync", Napi::Function::New(env, NsOpenSync));
  exports.Set("nsCreate", Napi::Function::New(env, NsCreate));
  exports.Set("nsCreateMany", Napi::Function::New(env, NsCreateMany));
  exports.Set("nsAttach", Napi::Function::New(env, NsAttach));
  exports.Set("nsDelete", Napi::Function::New(env, NsDelete));
  exports.Set("socketOpen", Napi::Function::New(env, SocketOpen));
  exports.Set("socketOpenMany", Napi::Function::New(env, SocketOpenMany));
  exports.Set("transact", Napi::Function::New(env, Transact));
  exports.Set("transactParts", Napi::Function::New(env, TransactParts));
  exports.Set("transactMany", Napi::Function::New(env, TransactMany));
  exports.Set("transactQuick", Napi::Function::New(env, TransactQuick));
  exports.Set("quickTimings", Napi::Function::New(env, QuickTimings));
  exports.Set("ifindex", Napi::Function::New(env, Ifindex));
  exports.Set("ifname", Napi::Function::New(env, Ifname));
  exports.Set("sysctl", Napi::Function::New(env, Sysctl));
  exports.Set("tuntapCreate", Napi::Function::New(env, TuntapCreate));
  exports.Set("watchOpen", Napi::Function::New(env, WatchOpen));
  exports.Set("watchStart", Napi::Function::New(env, WatchStart));
  exports.Set("injectFault", Napi::Function::New(env, InjectFault));
  return exports;
}

}  // namespace

}  // namespace nl

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return nl::Init(env, exports);
}

NODE_API_MODULE(netns_link, InitModule)

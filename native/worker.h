// A unit of work for the libuv pool that settles a Promise. A failure carries the errno and
// the name of the syscall that failed, never a formatted string, so TypeScript can build a
// NetlinkError that keeps the numbers.
#pragma once

#include <napi.h>

namespace nl {

Napi::Object ErrnoError(Napi::Env env, int err, const char* syscall);

class PromiseWorker : public Napi::AsyncWorker {
 public:
  explicit PromiseWorker(Napi::Env env)
      : Napi::AsyncWorker(env, "netns-link"), deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Start() {
    Queue();
    return deferred_.Promise();
  }

 protected:
  void Fail(int err, const char* syscall) {
    err_ = err;
    syscall_ = syscall;
  }
  bool Failed() const { return err_ != 0; }

  virtual Napi::Value Result(Napi::Env env) { return env.Undefined(); }
  // Lets a worker attach what it got before the failure (partial netlink replies).
  virtual void Decorate(Napi::Env, Napi::Object) {}

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (err_ != 0) {
      Napi::Object error = ErrnoError(env, err_, syscall_);
      Decorate(env, error);
      deferred_.Reject(error);
    } else {
      deferred_.Resolve(Result(env));
    }
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  int err_ = 0;
  const char* syscall_ = nullptr;
};

}  // namespace nl

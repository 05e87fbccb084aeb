// Network sysctls of one namespace. /proc/sys/net shows the namespace of the thread that opens
// it, so the file is opened, read or written, and closed on a thread that entered it.

#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <string>

#include "thread.h"
#include "worker.h"

namespace nl {

namespace {

class SysctlWorker : public PromiseWorker {
 public:
  SysctlWorker(Napi::Env env, int nsfd, std::string key, bool write, std::string value)
      : PromiseWorker(env), nsfd_(nsfd), key_(std::move(key)), write_(write), value_(std::move(value)) {}

 protected:
  void Execute() override {
    // TypeScript has checked the key; this refuses anything outside /proc/sys/net regardless.
    if (key_.compare(0, 4, "net/") != 0 || key_.find("..") != std::string::npos ||
        key_.find('\0') != std::string::npos) {
      Fail(EINVAL, "sysctl");
      return;
    }
    std::string path = "/proc/sys/" + key_;
    const char* failed = nullptr;
    int err = RunInNetns(
        nsfd_,
        [&](const char** f) {
          int fd = open(path.c_str(), (write_ ? O_WRONLY : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW);
          if (fd < 0) {
            *f = "open";
            return errno;
          }
          int rc = 0;
          if (write_) {
            if (::write(fd, value_.data(), value_.size()) < 0) {
              rc = errno;
              *f = "write";
            }
          } else {
            char buf[4096];
            ssize_t n;
            while ((n = read(fd, buf, sizeof buf)) > 0) result_.append(buf, static_cast<size_t>(n));
            if (n < 0) {
              rc = errno;
              *f = "read";
            }
          }
          close(fd);
          return rc;
        },
        &failed);
    if (err) Fail(err, failed);
  }
  Napi::Value Result(Napi::Env env) override {
    if (write_) return env.Undefined();
    return Napi::String::New(env, result_);
  }

 private:
  int nsfd_;
  std::string key_;
  bool write_;
  std::string value_;
  std::string result_;
};

}  // namespace

// sysctl(nsfd, key, value?): reads /proc/sys/KEY inside the namespace, or writes value there.
Napi::Value Sysctl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsString() || !(info[2].IsString() || info[2].IsUndefined())) {
    Napi::TypeError::New(env, "sysctl(nsfd, key, value?)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  bool write = info[2].IsString();
  return (new SysctlWorker(env, info[0].As<Napi::Number>().Int32Value(),
                           info[1].As<Napi::String>().Utf8Value(), write,
                           write ? info[2].As<Napi::String>().Utf8Value() : std::string()))
      ->Start();
}

}  // namespace nl

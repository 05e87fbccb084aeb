// Persistent TUN/TAP devices, as `ip tuntap add`. The kernel makes these through /dev/net/tun,
// not rtnetlink, and places the device in the namespace of the thread that opened the file: so
// the open happens on a thread that entered the namespace.

#include "tuntap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <string>

#include "fault.h"
#include "thread.h"
#include "worker.h"

namespace nl {

namespace {

class TuntapWorker : public PromiseWorker {
 public:
  TuntapWorker(Napi::Env env, int nsfd, std::string name, int flags, long owner, long group)
      : PromiseWorker(env), nsfd_(nsfd), name_(std::move(name)), flags_(flags), owner_(owner), group_(group) {}

 protected:
  void Execute() override {
    if (name_.empty() || name_.size() >= IFNAMSIZ) {
      Fail(EINVAL, "tuntap");
      return;
    }
    const char* failed = nullptr;
    int err = RunInNetns(
        nsfd_,
        [this](const char** f) {
          int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
          if (fd < 0) {
            *f = "open /dev/net/tun";
            return errno;
          }
          ifreq ifr{};
          memcpy(ifr.ifr_name, name_.data(), name_.size());
          ifr.ifr_flags = static_cast<short>(flags_);
          int rc = 0;
          if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
            rc = errno;
            *f = "TUNSETIFF";
          } else if (owner_ >= 0 && (Faulted("tuntap.owner") || ioctl(fd, TUNSETOWNER, owner_) != 0)) {
            rc = errno;
            *f = "TUNSETOWNER";
          } else if (group_ >= 0 && (Faulted("tuntap.group") || ioctl(fd, TUNSETGROUP, group_) != 0)) {
            rc = errno;
            *f = "TUNSETGROUP";
          } else if (Faulted("tuntap.persist") || ioctl(fd, TUNSETPERSIST, 1) != 0) {
            rc = errno;
            *f = "TUNSETPERSIST";
          }
          // Closing a device that was not made persistent removes it: nothing is left half-made.
          close(fd);
          return rc;
        },
        &failed);
    if (err) Fail(err, failed);
  }

 private:
  int nsfd_;
  std::string name_;
  int flags_;
  long owner_;
  long group_;
};

}  // namespace

// tuntapCreate(nsfd, name, flags, owner, group): owner/group -1 to leave them unset.
Napi::Value TuntapCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsString() || !info[2].IsNumber() || !info[3].IsNumber() ||
      !info[4].IsNumber()) {
    Napi::TypeError::New(env, "tuntapCreate(nsfd, name, flags, owner, group)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return (new TuntapWorker(env, info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::String>().Utf8Value(),
                           info[2].As<Napi::Number>().Int32Value(), static_cast<long>(info[3].As<Napi::Number>().Int64Value()),
                           static_cast<long>(info[4].As<Napi::Number>().Int64Value())))
      ->Start();
}

}  // namespace nl

// Network namespace handles: file descriptors on nsfs, and the names iproute2 gives them
// (bind mounts under /run/netns, that directory a shared mount), so that what `ip netns add`
// made opens here and what is made here `ip netns list` shows.

#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "fault.h"
#include "socket.h"
#include "thread.h"
#include "worker.h"

namespace nl {

namespace {

struct Handle {
  int fd = -1;
  double dev = 0;
  double ino = 0;
  int sock = -1;
  uint32_t portid = 0;
};

Napi::Object HandleObject(Napi::Env env, const Handle& h) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("fd", h.fd);
  o.Set("dev", h.dev);
  o.Set("ino", h.ino);
  if (h.sock >= 0) {
    o.Set("sock", h.sock);
    o.Set("portid", h.portid);
  }
  return o;
}

// Fills dev and ino, and makes sure fd is a network namespace and not some other file: the
// name under /run/netns may be a plain file left by a failed mount, or a symlink to anything.
int Identify(Handle* h, const char** failed) {
  int type = ioctl(h->fd, NS_GET_NSTYPE);
  if (type < 0 || type != CLONE_NEWNET) {
    *failed = "NS_GET_NSTYPE";
    return type < 0 && errno != ENOTTY && errno != EINVAL ? errno : EINVAL;
  }
  struct stat st;
  if (fstat(h->fd, &st) != 0) {
    *failed = "fstat";
    return errno;
  }
  h->dev = static_cast<double>(st.st_dev);
  h->ino = static_cast<double>(st.st_ino);
  return 0;
}

int Open(const std::string& path, Handle* h, const char** failed) {
  h->fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (h->fd < 0) {
    *failed = "open";
    return errno;
  }
  int err = Identify(h, failed);
  if (err) {
    close(h->fd);
    h->fd = -1;
  }
  return err;
}

// As `ip netns add` does: the directory exists, and is a mount point of its own with shared
// propagation, so that names made in one mount namespace show in the others.
int PrepareRunDir(const std::string& dir, const char** failed) {
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    *failed = "mkdir";
    return errno;
  }
  bool madeMountPoint = false;
  while (mount("", dir.c_str(), "none", MS_SHARED | MS_REC, nullptr) != 0) {
    if (errno != EINVAL || madeMountPoint) {
      *failed = "mount";
      return errno;
    }
    if (mount(dir.c_str(), dir.c_str(), "none", MS_BIND | MS_REC, nullptr) != 0) {
      *failed = "mount";
      return errno;
    }
    madeMountPoint = true;
  }
  return 0;
}

// The name's file: created here, never followed if something planted a link there.
int MakeMountPoint(const std::string& path, int* fd, const char** failed) {
  *fd = open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
  if (*fd < 0) {
    *failed = "open";
    return errno;
  }
  return 0;
}

std::string FdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

class OpenWorker : public PromiseWorker {
 public:
  OpenWorker(Napi::Env env, std::string path) : PromiseWorker(env), path_(std::move(path)) {}

 protected:
  void Execute() override {
    const char* failed = nullptr;
    if (int err = Open(path_, &h_, &failed)) Fail(err, failed);
  }
  Napi::Value Result(Napi::Env env) override { return HandleObject(env, h_); }

 private:
  std::string path_;
  Handle h_;
};

// A new namespace, made by a thread that unshares and ends; it is held by the returned fd and,
// when named, by a bind mount. Its netlink socket is made by the same thread, saving a second.
class CreateWorker : public PromiseWorker {
 public:
  CreateWorker(Napi::Env env, std::string dir, std::string path)
      : PromiseWorker(env), dir_(std::move(dir)), path_(std::move(path)) {}

 protected:
  void Execute() override {
    const char* failed = nullptr;
    int err = 0;
    bool named = !path_.empty();
    bool madeFile = false;
    if (named) {
      int fd = -1;
      err = PrepareRunDir(dir_, &failed);
      if (!err) err = MakeMountPoint(path_, &fd, &failed);
      if (!err) {
        madeFile = true;
        close(fd);
      }
    }
    if (!err) {
      err = RunInNetns(
          kNewNetns,
          [this, named](const char** f) {
            h_.fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
            if (h_.fd < 0) {
              *f = "open";
              return errno;
            }
            if (named && (Faulted("create.mount") ||
                          mount("/proc/thread-self/ns/net", path_.c_str(), "none", MS_BIND,
                                nullptr) != 0)) {
              *f = "mount";
              return errno;
            }
            if (Faulted("create.socket")) {
              *f = "socket";
              return errno;
            }
            return OpenRouteSocket(&h_.sock, &h_.portid, f);
          },
          &failed);
    }
    if (!err && Faulted("create.identify")) {
      err = errno;
      failed = "NS_GET_NSTYPE";
    }
    if (!err) err = Identify(&h_, &failed);
    if (err) {
      Fail(err, failed);
      if (h_.sock >= 0) close(h_.sock);
      if (h_.fd >= 0) close(h_.fd);
      h_ = Handle{};
      if (madeFile) {
        umount2(path_.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW);
        unlink(path_.c_str());
      }
    }
  }
  Napi::Value Result(Napi::Env env) override { return HandleObject(env, h_); }

 private:
  std::string dir_, path_;
  Handle h_;
};

// `ip netns attach`: the namespace behind source (a /proc/PID/ns/net, or an fd's path) gets a
// name. The source is opened first and the bind mount made from that fd, onto the fd of the
// file just created, so neither a recycled pid nor a swapped file can redirect it.
class AttachWorker : public PromiseWorker {
 public:
  AttachWorker(Napi::Env env, std::string dir, std::string path, std::string source)
      : PromiseWorker(env),
        dir_(std::move(dir)),
        path_(std::move(path)),
        source_(std::move(source)) {}

 protected:
  void Execute() override {
    const char* failed = nullptr;
    int err = Open(source_, &h_, &failed);
    if (err) {
      Fail(err, failed);
      return;
    }
    int target = -1;
    err = PrepareRunDir(dir_, &failed);
    if (!err) err = MakeMountPoint(path_, &target, &failed);
    if (!err) {
      if (Faulted("attach.mount") ||
          mount(FdPath(h_.fd).c_str(), FdPath(target).c_str(), "none", MS_BIND, nullptr) != 0) {
        err = errno;
        failed = "mount";
      }
      close(target);
      if (err) unlink(path_.c_str());
    }
    if (err) {
      Fail(err, failed);
      close(h_.fd);
      h_ = Handle{};
    }
  }
  Napi::Value Result(Napi::Env env) override { return HandleObject(env, h_); }

 private:
  std::string dir_, path_, source_;
  Handle h_;
};

// `ip netns delete`: the name goes. The namespace itself lives on while anything holds it.
class DeleteWorker : public PromiseWorker {
 public:
  DeleteWorker(Napi::Env env, std::string path) : PromiseWorker(env), path_(std::move(path)) {}

 protected:
  void Execute() override {
    // EINVAL: not a mount point (a symlink made by hand, or a leftover file): just unlink.
    if (umount2(path_.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0 && errno != EINVAL) {
      Fail(errno, "umount2");
      return;
    }
    if (unlink(path_.c_str()) != 0) Fail(errno, "unlink");
  }

 private:
  std::string path_;
};

bool Strings(const Napi::CallbackInfo& info, size_t n, const char* usage) {
  for (size_t i = 0; i < n; ++i) {
    if (!info[i].IsString()) {
      Napi::TypeError::New(info.Env(), usage).ThrowAsJavaScriptException();
      return false;
    }
  }
  return true;
}

std::string Str(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::String>().Utf8Value();
}

}  // namespace

// nsOpen(path): { fd, dev, ino } of the network namespace file at path.
Napi::Value NsOpen(const Napi::CallbackInfo& info) {
  if (!Strings(info, 1, "nsOpen(path)")) return info.Env().Undefined();
  return (new OpenWorker(info.Env(), Str(info, 0)))->Start();
}

// nsOpenSync(path): the same, for /proc/self/ns/net, which never blocks.
Napi::Value NsOpenSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Strings(info, 1, "nsOpenSync(path)")) return env.Undefined();
  Handle h;
  const char* failed = nullptr;
  if (int err = Open(Str(info, 0), &h, &failed)) {
    Napi::Error(env, ErrnoError(env, err, failed)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return HandleObject(env, h);
}

// nsCreate(dir, path): a new namespace, named at path ('' for an anonymous one), with its socket.
Napi::Value NsCreate(const Napi::CallbackInfo& info) {
  if (!Strings(info, 2, "nsCreate(dir, path)")) return info.Env().Undefined();
  return (new CreateWorker(info.Env(), Str(info, 0), Str(info, 1)))->Start();
}

// nsAttach(dir, path, source): names the namespace at source; resolves with a handle to it.
Napi::Value NsAttach(const Napi::CallbackInfo& info) {
  if (!Strings(info, 3, "nsAttach(dir, path, source)")) return info.Env().Undefined();
  return (new AttachWorker(info.Env(), Str(info, 0), Str(info, 1), Str(info, 2)))->Start();
}

// nsDelete(path): removes a name.
Napi::Value NsDelete(const Napi::CallbackInfo& info) {
  if (!Strings(info, 1, "nsDelete(path)")) return info.Env().Undefined();
  return (new DeleteWorker(info.Env(), Str(info, 0)))->Start();
}

}  // namespace nl

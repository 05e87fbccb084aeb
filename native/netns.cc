// Network namespace handles: file descriptors on nsfs, and the names iproute2 gives them
// (bind mounts under /run/netns, that directory a shared mount), so that what `ip netns add`
// made opens here and what is made here `ip netns list` shows. A name is reached through a
// descriptor on its directory and mounted onto by descriptor, never looked up again by path
// between a check and a use.

#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

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

// Closes on every way out of a multi-step call. Keeps errno: a cleanup must not replace the
// error being reported.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) {
      int saved = errno;
      close(fd_);
      errno = saved;
    }
    fd_ = fd;
  }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

std::string FdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Fills dev and ino, and makes sure fd is a network namespace, not one of another kind.
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

// Opens name (relative to dirfd, or a path with AT_FDCWD) as a namespace. Only an nsfs file is
// ever really opened: open(2) of a FIFO waits for a writer forever, holding a pool thread, and
// nothing but nsfs is a namespace. So the file is reached with O_PATH, which opens nothing, and
// checked; setns and ioctl need a real open, made through that fd so it is the file checked.
int Open(int dirfd, const char* name, Handle* h, const char** failed) {
  Fd file(openat(dirfd, name, O_PATH | O_CLOEXEC));
  if (file.get() < 0) {
    *failed = "open";
    return errno;
  }
  struct statfs fs;
  if (fstatfs(file.get(), &fs) != 0) {
    *failed = "fstatfs";
    return errno;
  }
  if (fs.f_type != NSFS_MAGIC) {
    *failed = "fstatfs";
    return EINVAL;
  }
  h->fd = open(FdPath(file.get()).c_str(), O_RDONLY | O_CLOEXEC);
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

// The NAME of path = dir/NAME, so that a name is always looked up in the directory's fd and
// never reaches outside it.
int NameIn(const std::string& dir, const std::string& path, std::string* name,
           const char** failed) {
  if (path.size() <= dir.size() + 1 || path.compare(0, dir.size(), dir) != 0 ||
      path[dir.size()] != '/' || path.find('/', dir.size() + 1) != std::string::npos) {
    *failed = "open";
    return EINVAL;
  }
  *name = path.substr(dir.size() + 1);
  return 0;
}

// The directory of names, only if it is a real one: were it a symlink, every name made, opened
// or removed in it would be somewhere else.
int OpenRunDir(const std::string& dir, Fd* fd, const char** failed) {
  fd->reset(open(dir.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd->get() < 0) {
    *failed = "open";
    return errno;
  }
  return 0;
}

// As `ip netns add` does: the directory exists, and is a mount point of its own with shared
// propagation, so that names made in one mount namespace show in the others. Nothing is mounted
// before the directory is known to be one, so a refusal leaves nothing behind.
int PrepareRunDir(const std::string& dir, Fd* fd, const char** failed) {
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    *failed = "mkdir";
    return errno;
  }
  if (int err = OpenRunDir(dir, fd, failed)) return err;
  if (mount("", FdPath(fd->get()).c_str(), "none", MS_SHARED | MS_REC, nullptr) == 0) return 0;
  if (errno != EINVAL) {
    *failed = "mount";
    return errno;
  }
  // Not a mount point yet. The bind goes on top of the directory the fd holds, and the fd stays
  // under it: names made through it would hide beneath the new mount. So the directory is opened
  // again, on top, and must be the same one.
  struct stat was, is;
  if (fstat(fd->get(), &was) != 0) {
    *failed = "fstat";
    return errno;
  }
  if (mount(FdPath(fd->get()).c_str(), FdPath(fd->get()).c_str(), "none", MS_BIND | MS_REC,
            nullptr) != 0) {
    *failed = "mount";
    return errno;
  }
  Fd top;
  int err = OpenRunDir(dir, &top, failed);
  if (err) return err;
  if (fstat(top.get(), &is) != 0 || !SameFile(was, is)) {
    *failed = "open";
    return EBUSY;
  }
  if (mount("", FdPath(top.get()).c_str(), "none", MS_SHARED | MS_REC, nullptr) != 0) {
    err = errno;
    *failed = "mount";
    // A refused call leaves no mount of its own behind.
    umount2(FdPath(top.get()).c_str(), MNT_DETACH);
    return err;
  }
  fd->reset(top.release());
  return 0;
}

// The name's file: created here, never followed if something planted a link there, and held
// open so that the mount goes onto this very file.
int MakeMountPoint(int dirfd, const std::string& name, Fd* fd, const char** failed) {
  fd->reset(openat(dirfd, name.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0));
  if (fd->get() < 0) {
    *failed = "open";
    return errno;
  }
  return 0;
}

// Bind-mounts the namespace behind nsfd onto target, the file MakeMountPoint made for name, by
// descriptors: a file swapped for a symlink meanwhile cannot redirect it. Then name must lead to
// the namespace: a delete (or a create after it) may have taken the name in between, and a
// create that no longer owns its name fails rather than report a name someone else holds.
// *mounted is left on the mount, to undo it.
int MountName(int nsfd, int dirfd, const std::string& name, int target, Fd* mounted,
              const char** failed) {
  *failed = "mount";
  if (mount(FdPath(nsfd).c_str(), FdPath(target).c_str(), "none", MS_BIND, nullptr) != 0) {
    // ENOENT: the file was unlinked or renamed over since it was made; the kernel mounts
    // nothing on a removed file.
    return errno == ENOENT ? EBUSY : errno;
  }
  mounted->reset(openat(dirfd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  struct stat want, got;
  if (mounted->get() < 0 || fstat(mounted->get(), &got) != 0 || fstat(nsfd, &want) != 0 ||
      !SameFile(got, want)) {
    // Then the mount was already taken away with the name: nothing of it to undo.
    mounted->reset();
    return EBUSY;
  }
  return 0;
}

// Removes name if it still is the file fd holds: a name removed and made again meanwhile is
// someone else's.
void UnlinkIfSame(int dirfd, const std::string& name, int fd) {
  struct stat mine, there;
  if (fstat(fd, &mine) == 0 && fstatat(dirfd, name.c_str(), &there, AT_SYMLINK_NOFOLLOW) == 0 &&
      SameFile(mine, there)) {
    unlinkat(dirfd, name.c_str(), 0);
  }
}

class OpenWorker : public PromiseWorker {
 public:
  OpenWorker(Napi::Env env, std::string path, bool inDir, std::string dir)
      : PromiseWorker(env), path_(std::move(path)), inDir_(inDir), dir_(std::move(dir)) {}

 protected:
  void Execute() override {
    const char* failed = nullptr;
    int err = 0;
    if (!inDir_) {
      err = Open(AT_FDCWD, path_.c_str(), &h_, &failed);
    } else {
      std::string name;
      Fd dir;
      err = NameIn(dir_, path_, &name, &failed);
      if (!err) err = OpenRunDir(dir_, &dir, &failed);
      // The name itself may be a symlink made by hand into /proc/PID/ns/net: followed, as only
      // an nsfs file opens anyway.
      if (!err) err = Open(dir.get(), name.c_str(), &h_, &failed);
    }
    if (err) Fail(err, failed);
  }
  Napi::Value Result(Napi::Env env) override { return HandleObject(env, h_); }

 private:
  std::string path_;
  bool inDir_;
  std::string dir_;
  Handle h_;
};

// A new namespace, made by a thread that unshares and ends; it is held by the returned fd and,
// when named, by a bind mount. Its netlink socket is made by the same thread, saving a second.
// One namespace to create (named at path, or anonymous for an empty path), and what its making
// holds until it is done or undone.
struct Creation {
  std::string path;
  std::string name;
  int dir = -1;  // the run directory, held open by the worker for the whole batch
  Fd target, mounted;
  Handle h;
  int err = 0;
  const char* failed = nullptr;

  bool named() const { return !path.empty(); }

  // Before the namespace exists, in two steps around the batch's one preparation of the run
  // directory: its name, then its mount point, made in that directory by descriptor.
  bool Name(const std::string& dirPath) {
    if (named()) err = NameIn(dirPath, path, &name, &failed);
    return named() && !err;
  }
  void MakePoint(int dirfd, int dirErr, const char* dirFailed) {
    if (!named() || err) return;
    dir = dirfd;
    err = dirErr ? dirErr : MakeMountPoint(dir, name, &target, &failed);
    if (dirErr) failed = dirFailed;
  }

  // On the thread that has just made the namespace: its descriptor, its name, its socket.
  int Inside(const char** f) {
    h.fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (h.fd < 0) {
      *f = "open";
      return errno;
    }
    if (named()) {
      if (Faulted("create.mount")) {
        *f = "mount";
        return errno;
      }
      if (int e = MountName(h.fd, dir, name, target.get(), &mounted, f)) return e;
    }
    if (Faulted("create.socket")) {
      *f = "socket";
      return errno;
    }
    return OpenRouteSocket(&h.sock, &h.portid, f);
  }

  // After: its identity, or, if anything failed, everything it made undone.
  void Finish() {
    if (!err && Faulted("create.identify")) {
      err = errno;
      failed = "NS_GET_NSTYPE";
    }
    if (!err) err = Identify(&h, &failed);
    if (err) {
      if (h.sock >= 0) close(h.sock);
      if (h.fd >= 0) close(h.fd);
      h = Handle{};
      if (mounted.get() >= 0) umount2(FdPath(mounted.get()).c_str(), MNT_DETACH);
      if (target.get() >= 0) UnlinkIfSame(dir, name, target.get());
    }
  }
};

// Several namespaces at once: one thread per CPU, each making its share one after another
// (unshare, name, socket; then the next), as `bench/ref.c` does. A thread costs ~34 us to make
// and join; and a hundred creations held four pool threads, which link work then queued behind.
// `alone`: one namespace (nsCreate), its failure the promise's rejection.
class CreateManyWorker : public PromiseWorker {
 public:
  CreateManyWorker(Napi::Env env, std::string dir, const std::vector<std::string>& paths, bool alone = false)
      : PromiseWorker(env), dir_(std::move(dir)), alone_(alone) {
    for (const std::string& p : paths) {
      all_.emplace_back(new Creation());
      all_.back()->path = p;
    }
  }

 protected:
  void Execute() override {
    size_t n = all_.size();
    std::vector<int> nsfds(n);
    std::vector<int> results(n, 0);
    std::vector<const char*> failed(n, nullptr);
    // The run directory is made a shared mount point once for the batch (if any name in it is
    // valid), not once a name: its MS_SHARED | MS_REC walks every mount under it, so made per
    // name its cost grew with their number. Before the first namespace of a batch of 100, 500,
    // 1,000 and 2,000 (two runs each), made per name: 1.2-1.4, 7.4-7.9, 11.6-14.5 and 23-33 ms;
    // once a batch: 0.6, 7.0-25, 5.6-7.6 and 17.8 ms, what is left being each name's file.
    bool anyNamed = false;
    for (auto& c : all_) anyNamed = c->Name(dir_) || anyNamed;
    int dirErr = 0;
    const char* dirFailed = nullptr;
    if (anyNamed) dirErr = PrepareRunDir(dir_, &runDir_, &dirFailed);
    for (size_t i = 0; i < n; i++) {
      all_[i]->MakePoint(runDir_.get(), dirErr, dirFailed);
      nsfds[i] = all_[i]->err ? kSkip : kNewNetns;
    }
    unsigned cpus = static_cast<unsigned>(sysconf(_SC_NPROCESSORS_ONLN));
    RunInEach(
        nsfds.data(), n, [this](size_t i, const char** f) { return all_[i]->Inside(f); }, results.data(), failed.data(),
        cpus > 0 ? cpus : 1);
    for (size_t i = 0; i < n; i++) {
      Creation& c = *all_[i];
      if (!c.err && results[i]) {
        c.err = results[i];
        c.failed = failed[i];
      }
      c.Finish();
    }
    if (alone_ && all_[0]->err) Fail(all_[0]->err, all_[0]->failed ? all_[0]->failed : "unshare");
  }
  Napi::Value Result(Napi::Env env) override {
    if (alone_) return HandleObject(env, all_[0]->h);
    Napi::Array out = Napi::Array::New(env, all_.size());
    for (uint32_t i = 0; i < all_.size(); i++) {
      const Creation& c = *all_[i];
      out.Set(i, c.err ? ErrnoError(env, c.err, c.failed ? c.failed : "unshare") : HandleObject(env, c.h));
    }
    return out;
  }

 private:
  std::string dir_;
  bool alone_;
  Fd runDir_;  // declared before all_: the creations borrow it, and it is closed after them
  std::vector<std::unique_ptr<Creation>> all_;
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
    int err = Open(AT_FDCWD, source_.c_str(), &h_, &failed);
    if (err) {
      Fail(err, failed);
      return;
    }
    std::string name;
    Fd dir, target, mounted;
    err = NameIn(dir_, path_, &name, &failed);
    if (!err) err = PrepareRunDir(dir_, &dir, &failed);
    if (!err) err = MakeMountPoint(dir.get(), name, &target, &failed);
    if (!err) {
      if (Faulted("attach.mount")) {
        err = errno;
        failed = "mount";
      } else {
        err = MountName(h_.fd, dir.get(), name, target.get(), &mounted, &failed);
      }
      if (err) UnlinkIfSame(dir.get(), name, target.get());
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
// Given (dev, ino), only while the name still leads to that namespace: a name deleted and made
// again meanwhile is another namespace's.
class DeleteWorker : public PromiseWorker {
 public:
  DeleteWorker(Napi::Env env, std::string path, bool checkId, double dev, double ino)
      : PromiseWorker(env), path_(std::move(path)), checkId_(checkId), dev_(dev), ino_(ino) {}

 protected:
  void Execute() override {
    const char* failed = nullptr;
    size_t slash = path_.rfind('/');
    std::string name;
    Fd dir;
    std::string dirPath = slash == std::string::npos ? "" : path_.substr(0, slash);
    int err = NameIn(dirPath, path_, &name, &failed);
    if (!err) err = OpenRunDir(dirPath.empty() ? "/" : dirPath, &dir, &failed);
    if (err) {
      Fail(err, failed);
      return;
    }
    Fd file(openat(dir.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    struct stat st, dirSt;
    struct statfs fs;
    if (file.get() < 0 || fstat(file.get(), &st) != 0 || fstat(dir.get(), &dirSt) != 0 ||
        fstatfs(file.get(), &fs) != 0) {
      Fail(errno, file.get() < 0 ? "open" : "fstat");
      return;
    }
    if (checkId_ && !Names(dir.get(), name, st)) {
      Fail(ESTALE, "fstat");
      return;
    }
    if (fs.f_type == NSFS_MAGIC) {
      if (umount2(FdPath(file.get()).c_str(), MNT_DETACH) != 0) {
        Fail(errno, "umount2");
        return;
      }
    } else if (!(S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) || st.st_dev != dirSt.st_dev) {
      // Not a namespace, nor a file left by a failed mount, nor a symlink made by hand (say, a
      // tmpfs mounted on a directory there): not ours to unmount or remove.
      Fail(EINVAL, "fstatfs");
      return;
    }
    if (unlinkat(dir.get(), name.c_str(), 0) != 0) Fail(errno, "unlink");
  }

 private:
  // Whether the name (st, as found) leads to the namespace (dev_, ino_); a symlink made by hand
  // names the namespace it leads to, as opening the name follows it.
  bool Names(int dirfd, const std::string& name, struct stat st) const {
    if (S_ISLNK(st.st_mode)) {
      Fd to(openat(dirfd, name.c_str(), O_PATH | O_CLOEXEC));
      if (to.get() < 0 || fstat(to.get(), &st) != 0) return false;
    }
    return static_cast<double>(st.st_dev) == dev_ && static_cast<double>(st.st_ino) == ino_;
  }

  std::string path_;
  bool checkId_;
  double dev_, ino_;
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

// nsOpen(path, dir?): { fd, dev, ino } of the network namespace file at path; with dir, path is
// dir/NAME and dir must be a real directory.
Napi::Value NsOpen(const Napi::CallbackInfo& info) {
  const char* usage = "nsOpen(path, dir?)";
  bool inDir = info.Length() > 1 && !info[1].IsUndefined();
  if (!Strings(info, inDir ? 2 : 1, usage)) return info.Env().Undefined();
  return (new OpenWorker(info.Env(), Str(info, 0), inDir, inDir ? Str(info, 1) : ""))->Start();
}

// nsOpenSync(path): the same, for /proc/self/ns/net, which never blocks.
Napi::Value NsOpenSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Strings(info, 1, "nsOpenSync(path)")) return env.Undefined();
  Handle h;
  const char* failed = nullptr;
  if (int err = Open(AT_FDCWD, Str(info, 0).c_str(), &h, &failed)) {
    Napi::Error(env, ErrnoError(env, err, failed)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return HandleObject(env, h);
}

// nsCreate(dir, path): a new namespace, named at path ('' for an anonymous one), with its socket.
Napi::Value NsCreate(const Napi::CallbackInfo& info) {
  if (!Strings(info, 2, "nsCreate(dir, path)")) return info.Env().Undefined();
  return (new CreateManyWorker(info.Env(), Str(info, 0), {Str(info, 1)}, true))->Start();
}

// nsCreateMany(dir, [path...]): several, made together (see CreateManyWorker); resolves with,
// per path, its handle or its failure.
Napi::Value NsCreateMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsArray()) {
    Napi::TypeError::New(env, "nsCreateMany(dir, paths)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array list = info[1].As<Napi::Array>();
  std::vector<std::string> paths;
  for (uint32_t i = 0; i < list.Length(); i++) {
    if (!list.Get(i).IsString()) {
      Napi::TypeError::New(env, "nsCreateMany(dir, paths)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    paths.push_back(list.Get(i).As<Napi::String>().Utf8Value());
  }
  return (new CreateManyWorker(env, info[0].As<Napi::String>().Utf8Value(), paths))->Start();
}

// nsAttach(dir, path, source): names the namespace at source; resolves with a handle to it.
Napi::Value NsAttach(const Napi::CallbackInfo& info) {
  if (!Strings(info, 3, "nsAttach(dir, path, source)")) return info.Env().Undefined();
  return (new AttachWorker(info.Env(), Str(info, 0), Str(info, 1), Str(info, 2)))->Start();
}

// nsDelete(path, dev?, ino?): removes a name; given (dev, ino), only while it names that
// namespace (else ESTALE).
Napi::Value NsDelete(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "nsDelete(path, dev?, ino?)";
  if (!Strings(info, 1, usage)) return env.Undefined();
  bool checkId = info.Length() > 1 && !info[1].IsUndefined();
  if (checkId && !(info[1].IsNumber() && info[2].IsNumber())) {
    Napi::TypeError::New(env, usage).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  double dev = checkId ? info[1].As<Napi::Number>().DoubleValue() : 0;
  double ino = checkId ? info[2].As<Napi::Number>().DoubleValue() : 0;
  return (new DeleteWorker(env, Str(info, 0), checkId, dev, ino))->Start();
}

}  // namespace nl

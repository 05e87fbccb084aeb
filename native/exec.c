/*
 * netns-link-exec: enters a network namespace and execs a command, as `ip netns exec` does.
 *
 *   netns-link-exec [-s STATUSFD] [-n NAME] [-g] FD -- COMMAND [ARG...]
 *
 * FD is the namespace's descriptor, passed in by the parent; it is closed before the exec, so
 * the command inherits nothing of the library. With -n NAME (a namespace under /run/netns), the
 * command also gets a private mount namespace in which /sys describes the new network namespace
 * and each /etc/netns/NAME/FILE is bound over /etc/FILE where /etc/FILE exists (others are
 * skipped, as `ip netns exec` does). Without a name, only the network namespace changes (as
 * `nsenter --net`). With -g the command leads a process group of its own, so that a signal sent
 * to the group reaches everything it starts.
 *
 * The helper's own failures (bad arguments, setns, unshare, mount) exit with status 255, as
 * `ip netns exec` does, and are reported as one line "ERRNO SYSCALL[ ARGUMENT]\n" on STATUSFD
 * (on stderr, as a sentence, without -s). STATUSFD is close-on-exec: the parent sees end-of-file
 * on it with nothing written once the command runs. A command that cannot be executed (not
 * found, not executable) exits 127 with a message on stderr, as a shell's does.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

enum { HELPER_FAILED = 255, EXEC_FAILED = 127 };

static int status_fd = -1;

/* Reports one of the helper's own failures (errno is the reason) and returns HELPER_FAILED. */
static int fail(const char *syscall, const char *arg) {
  int err = errno;
  char line[PATH_MAX + 64];
  int n = snprintf(line, sizeof line, "%d %s%s%s", err, syscall, arg ? " " : "", arg ? arg : "");
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof line - 1) n = (int)sizeof line - 2;
  for (int i = 0; i < n; i++) {
    if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f) line[i] = '?'; /* one line, always */
  }
  line[n++] = '\n';
  if (status_fd < 0 || write(status_fd, line, (size_t)n) != (ssize_t)n) {
    fprintf(stderr, "netns-link-exec: %s%s%s: %s\n", syscall, arg ? " " : "", arg ? arg : "", strerror(err));
  }
  return HELPER_FAILED;
}

static int usage(const char *why) {
  errno = EINVAL;
  return fail("usage", why);
}

static int parse_fd(const char *s, int *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < 0 || v > INT_MAX) return -1;
  *out = (int)v;
  return 0;
}

static int bind_etc(const char *name) {
  char dir[PATH_MAX];
  if (snprintf(dir, sizeof dir, "/etc/netns/%s", name) >= (int)sizeof dir) return 0;
  DIR *d = opendir(dir);
  if (!d) return 0; /* nothing to bind */
  struct dirent *e;
  int rc = 0;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char src[PATH_MAX], dst[PATH_MAX];
    if (snprintf(src, sizeof src, "%s/%s", dir, e->d_name) >= (int)sizeof src) continue;
    if (snprintf(dst, sizeof dst, "/etc/%s", e->d_name) >= (int)sizeof dst) continue;
    /* As ip netns exec: a file with no counterpart in /etc has nothing to cover; skip it. */
    struct stat st;
    if (stat(dst, &st) != 0) {
      if (errno == ENOENT) continue;
      rc = fail("stat", dst);
      break;
    }
    if (mount(src, dst, "none", MS_BIND, NULL) != 0) {
      rc = fail("bind mount", src);
      break;
    }
  }
  closedir(d);
  return rc;
}

static int private_mounts(const char *name) {
  if (unshare(CLONE_NEWNS) != 0) return fail("unshare", "CLONE_NEWNS");
  /* Nothing mounted here may propagate back to the parent's mount namespace. */
  if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) != 0) return fail("mount", "/ MS_SLAVE");
  unsigned long flags = 0;
  if (umount2("/sys", MNT_DETACH) != 0) {
    struct statvfs st;
    /* It could not go: overlay it; a read-only sysfs can only be shadowed read-only. */
    if (statvfs("/sys", &st) == 0 && (st.f_flag & ST_RDONLY)) flags = MS_RDONLY;
  }
  if (mount(name, "/sys", "sysfs", flags, NULL) != 0) return fail("mount", "/sys");
  return bind_etc(name);
}

int main(int argc, char **argv) {
  const char *name = NULL;
  int group = 0;
  int opt;
  opterr = 0;
  while ((opt = getopt(argc, argv, "+s:n:g")) != -1) {
    switch (opt) {
      case 's':
        if (parse_fd(optarg, &status_fd) != 0) {
          status_fd = -1;
          return usage("bad status descriptor");
        }
        if (fcntl(status_fd, F_SETFD, FD_CLOEXEC) != 0) {
          status_fd = -1;
          return fail("fcntl", "status descriptor");
        }
        break;
      case 'n':
        name = optarg;
        break;
      case 'g':
        group = 1;
        break;
      default:
        return usage("netns-link-exec [-s STATUSFD] [-n NAME] [-g] FD -- COMMAND [ARG...]");
    }
  }
  if (argc - optind < 3 || strcmp(argv[optind + 1], "--") != 0) {
    return usage("netns-link-exec [-s STATUSFD] [-n NAME] [-g] FD -- COMMAND [ARG...]");
  }
  int fd;
  if (parse_fd(argv[optind], &fd) != 0) return usage("bad namespace descriptor");
  if (group && setpgid(0, 0) != 0) return fail("setpgid", NULL);
  if (setns(fd, CLONE_NEWNET) != 0) return fail("setns", NULL);
  close(fd);
  if (name && name[0] != '\0' && private_mounts(name) != 0) return HELPER_FAILED;
  char **command = &argv[optind + 2];
  execvp(command[0], command);
  fprintf(stderr, "netns-link-exec: exec %s: %s\n", command[0], strerror(errno));
  return EXEC_FAILED;
}

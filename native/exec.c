/*
 * netns-link-exec: enters a network namespace and execs a command, as `ip netns exec` does.
 *
 *   netns-link-exec FD NAME -- COMMAND [ARG...]
 *
 * FD is the namespace's descriptor, passed in by the parent; it is closed before the exec, so
 * the command inherits nothing of the library. With a NAME (a namespace under /run/netns), the
 * command also gets a private mount namespace in which /sys describes the new network namespace
 * and each /etc/netns/NAME/FILE is bound over /etc/FILE. With an empty NAME, only the network
 * namespace changes (as `nsenter --net`).
 *
 * Exit status 127 with a message on stderr when something fails before the exec.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

static int fail(const char *what, const char *arg) {
  fprintf(stderr, "netns-link-exec: %s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "", strerror(errno));
  return 127;
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
  if (argc < 5 || strcmp(argv[3], "--") != 0) {
    fprintf(stderr, "usage: netns-link-exec FD NAME -- COMMAND [ARG...]\n");
    return 127;
  }
  char *end;
  long fd = strtol(argv[1], &end, 10);
  if (*end != '\0' || fd < 0 || fd > INT_MAX) {
    fprintf(stderr, "netns-link-exec: bad descriptor %s\n", argv[1]);
    return 127;
  }
  if (setns((int)fd, CLONE_NEWNET) != 0) return fail("setns", argv[1]);
  close((int)fd);
  if (argv[2][0] != '\0' && private_mounts(argv[2]) != 0) return 127;
  execvp(argv[4], &argv[4]);
  return fail("exec", argv[4]);
}

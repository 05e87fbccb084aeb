/*
 * netns-link-cni: the CNI plugins' executable, installed by `netns-link cni install` under the
 * type names netns-link-bridge and netns-link-ptp (the name it is run by says which).
 *
 * A runtime execs it with the CNI_* environment and the network configuration on stdin. It
 * forwards the call to the agent (`netns-link cni serve`) on its Unix socket, and relays the
 * answer: the agent's stdout on stdout, its exit status as its own. When no agent answers (no
 * socket, or one nobody listens on), it runs the call itself: it execs node on the library's
 * plugin entry (plain mode), with stdin untouched, so the runtime sees the same answer either way.
 *
 * Where the socket, node and the entry are was recorded by `cni install` in a trailer appended to
 * this file (ELF loaders ignore what follows the program's segments):
 *
 *   SOCKET \0 NODE \0 ENTRY \0   u32 length of those (little-endian)   "NLCNI\0v1"
 *
 * To the agent, on one stream connection (then shutdown of the writing side):
 *
 *   "NLCNI1\0" TYPE \0 PID \0 NETNS \0 (NAME=VALUE \0)* \0 STDIN...
 *
 * where PID is this process (the agent acts in its network namespace, "the runtime's") and NETNS
 * is "DEV:INODE" of /proc/self/ns/net, which the agent checks against /proc/PID/ns/net. The
 * agent answers "STATUS\n" then the plugin's stdout, and closes. A connection the agent drops
 * before its status line ends the call with CNI error 11 (try again later): it is not rerun here,
 * since the agent may have done part of it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

static const char MAGIC[8] = {'N', 'L', 'C', 'N', 'I', 0, 'v', '1'};
enum { TRAILER_MAX = 3 * PATH_MAX };

/* A CNI error object on stdout, exit status 1 (the spec's form; the call's version is unknown here). */
static int cni_error(int code, const char *what, int err) {
  char msg[PATH_MAX + 256];
  snprintf(msg, sizeof msg, "netns-link-cni: %s%s%s", what, err ? ": " : "", err ? strerror(err) : "");
  printf("{\"cniVersion\":\"1.1.0\",\"code\":%d,\"msg\":\"", code);
  for (const char *p = msg; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  printf("\"}\n");
  fflush(stdout);
  return 1;
}

/* Reads the trailer: three NUL-terminated strings into buf; 0, or -1 with errno. */
static int read_trailer(char *buf, size_t size, const char **sock, const char **node, const char **entry) {
  int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  unsigned char tail[12];
  off_t end = lseek(fd, 0, SEEK_END);
  if (end < (off_t)sizeof tail || pread(fd, tail, sizeof tail, end - (off_t)sizeof tail) != (ssize_t)sizeof tail || memcmp(tail + 4, MAGIC, sizeof MAGIC) != 0) {
    close(fd);
    errno = ENOEXEC;
    return -1;
  }
  uint32_t len = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 | (uint32_t)tail[3] << 24;
  if (len == 0 || len >= size || (off_t)len > end - (off_t)sizeof tail || pread(fd, buf, len, end - (off_t)sizeof tail - (off_t)len) != (ssize_t)len || buf[len - 1] != 0) {
    close(fd);
    errno = ENOEXEC;
    return -1;
  }
  close(fd);
  buf[len] = 0;
  const char *p = buf, *fields[3];
  for (int i = 0; i < 3; i++) {
    if (p >= buf + len) {
      errno = ENOEXEC;
      return -1;
    }
    fields[i] = p;
    p += strlen(p) + 1;
  }
  *sock = fields[0];
  *node = fields[1];
  *entry = fields[2];
  return 0;
}

static int write_all(int fd, const void *data, size_t n) {
  const char *p = data;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Writes a string with its NUL. */
static int put(int fd, const char *s) {
  return write_all(fd, s, strlen(s) + 1);
}

int main(int argc, char **argv) {
  (void)argc;
  /* A runtime that stops reading must not kill us with SIGPIPE before we can answer. */
  signal(SIGPIPE, SIG_IGN);
  const char *self = strrchr(argv[0], '/');
  self = self ? self + 1 : argv[0];
  const char *type;
  if (strcmp(self, "netns-link-bridge") == 0) type = "bridge";
  else if (strcmp(self, "netns-link-ptp") == 0) type = "ptp";
  else return cni_error(999, "run as netns-link-bridge or netns-link-ptp, not under another name", 0);

  static char trailer[TRAILER_MAX + 1];
  const char *sock_path, *node, *entry;
  if (read_trailer(trailer, sizeof trailer, &sock_path, &node, &entry) != 0) return cni_error(999, "this file has no installation record; run netns-link cni install", errno);

  int sock = -1;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (sock_path[0] && strlen(sock_path) < sizeof sa.sun_path) {
    memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
    sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock >= 0 && connect(sock, (struct sockaddr *)&sa, sizeof sa) != 0) {
      close(sock);
      sock = -1;
    }
  }
  if (sock < 0) {
    /* Plain mode: no agent answers. node runs the call; stdin is still unread. */
    char *args[] = {(char *)node, (char *)entry, (char *)type, NULL};
    execve(node, args, environ);
    return cni_error(999, "no agent answers and node cannot be run", errno);
  }

  struct stat ns;
  if (stat("/proc/self/ns/net", &ns) != 0) return cni_error(999, "cannot stat /proc/self/ns/net", errno);
  char head[96];
  snprintf(head, sizeof head, "%ld", (long)getpid());
  char nsid[64];
  snprintf(nsid, sizeof nsid, "%llu:%llu", (unsigned long long)ns.st_dev, (unsigned long long)ns.st_ino);
  if (write_all(sock, "NLCNI1", 7) != 0 || put(sock, type) != 0 || put(sock, head) != 0 || put(sock, nsid) != 0) return cni_error(11, "the agent did not take the call; try again", errno);
  for (char **e = environ; *e; e++) {
    if (put(sock, *e) != 0) return cni_error(11, "the agent did not take the call; try again", errno);
  }
  if (write_all(sock, "", 1) != 0) return cni_error(11, "the agent did not take the call; try again", errno);
  /* VERSION from a terminal: no configuration is coming (plain mode does the same). */
  const char *command = getenv("CNI_COMMAND");
  if (!(command && strcmp(command, "VERSION") == 0 && isatty(0))) {
    char buf[65536];
    for (;;) {
      ssize_t n = read(0, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (write_all(sock, buf, (size_t)n) != 0) return cni_error(11, "the agent did not take the call; try again", errno);
    }
  }
  shutdown(sock, SHUT_WR);

  /* The status line, then the plugin's stdout. */
  char buf[65536];
  size_t have = 0;
  int status = -1;
  for (;;) {
    ssize_t n = read(sock, buf + have, sizeof buf - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    have += (size_t)n;
    char *nl = memchr(buf, '\n', have);
    if (nl) {
      *nl = 0;
      char *endp;
      long v = strtol(buf, &endp, 10);
      if (endp == buf || *endp || v < 0 || v > 255) return cni_error(999, "the agent's answer is malformed", 0);
      status = (int)v;
      size_t rest = have - (size_t)(nl + 1 - buf);
      if (write_all(1, nl + 1, rest) != 0) return status ? status : 1;
      break;
    }
    if (have == sizeof buf) return cni_error(999, "the agent's answer is malformed", 0);
  }
  if (status < 0) return cni_error(11, "the agent ended the call before answering; try again", 0);
  for (;;) {
    ssize_t n = read(sock, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (write_all(1, buf, (size_t)n) != 0) break;
  }
  close(sock);
  return status;
}

// Linked into the sanitized developer builds only (CMakeLists.txt, NETNS_LINK_SANITIZE), never
// into build/Release or a prebuild. gcc's UBSan runtime, loaded beside ASan's, does not apply
// UBSAN_OPTIONS (gcc 12: neither log_path nor verbosity has an effect), so its reports go to
// stderr, and one from a child whose stderr a test swallowed would go unseen by test:asan. Once
// the runtime is up (the addon is loaded, the helper starts), this gives it UBSAN_OPTIONS'
// log_path.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

__attribute__((constructor)) static void UbsanLogPath(void) {
  const char* options = getenv("UBSAN_OPTIONS");
  const char* at = options;
  while (at && (at = strstr(at, "log_path=")) && at != options && at[-1] != ':') ++at;
  if (!at) return;
  at += strlen("log_path=");
  char path[4096];
  size_t n = strcspn(at, ":");
  if (n == 0 || n >= sizeof path) return;
  memcpy(path, at, n);
  path[n] = '\0';
  void* ubsan = dlopen("libubsan.so.1", RTLD_NOW | RTLD_NOLOAD);
  if (!ubsan) return;
  void (*set)(const char*) = (void (*)(const char*))dlsym(ubsan, "__sanitizer_set_report_path");
  if (set) set(path);
  dlclose(ubsan);
}

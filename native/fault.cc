#include "fault.h"

#include <errno.h>

#include <atomic>
#include <mutex>
#include <string>

namespace nl {

namespace {
std::atomic<bool> armed{false};
std::mutex lock;
std::string armedSite;
int armedErrno = 0;
}  // namespace

bool Faulted(const char* site) {
  if (!armed.load(std::memory_order_relaxed)) return false;
  std::lock_guard<std::mutex> hold(lock);
  if (!armed.load(std::memory_order_relaxed) || armedSite != site) return false;
  armed.store(false, std::memory_order_relaxed);
  errno = armedErrno;
  return true;
}

void ArmFault(const char* site, int err) {
  std::lock_guard<std::mutex> hold(lock);
  armedSite = site;
  armedErrno = err;
  armed.store(err != 0, std::memory_order_relaxed);
}

}  // namespace nl

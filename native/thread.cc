#include "thread.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>

#include <atomic>
#include <vector>

#include "fault.h"

namespace nl {

namespace {

std::atomic<unsigned long> threads{0}, sendCalls{0}, messagesSent{0}, recvCalls{0}, dropped{0}, answered{0}, deferred{0}, direct{0}, steered{0};

bool Same(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

// Whether the calling thread already is in the namespace behind nsfd: entering it again would
// need CAP_SYS_ADMIN for nothing, and keep a user without privileges from even reading.
// Looking up /proc/thread-self/ns/net costs ~38 us (a socket's whole creation, thread
// included, ~95 us), so it is looked up only when nsfd is the process's namespace as read
// once at the start: a thread made by the pool, which never changes namespace, is in that one.
// The lookup still decides, so a thread that is elsewhere is never taken to be there.
bool AlreadyIn(int nsfd) {
  static const struct stat start = [] {
    struct stat s{};
    if (stat("/proc/self/ns/net", &s) != 0) s.st_ino = 0;
    return s;
  }();
  struct stat want, have;
  if (fstat(nsfd, &want) != 0) return false;
  if (start.st_ino != 0 && !Same(want, start)) return false;
  return stat("/proc/thread-self/ns/net", &have) == 0 && Same(want, have);
}

struct EachJob {
  const int* nsfds;
  size_t first, end;
  const std::function<int(size_t, const char**)>* fn;
  int* results;
  const char** failed;
};

void* EnterEach(void* arg) {
  EachJob* job = static_cast<EachJob*>(arg);
  for (size_t i = job->first; i < job->end; i++) {
    int nsfd = job->nsfds[i];
    job->failed[i] = nullptr;
    if (nsfd == kSkip) {
      job->results[i] = 0;
      continue;
    }
    int rc = Faulted("enter")         ? -1
             : nsfd == kNewNetns ? unshare(CLONE_NEWNET)
             : AlreadyIn(nsfd)   ? 0
                                 : setns(nsfd, CLONE_NEWNET);
    if (rc != 0) {
      job->results[i] = errno;
      job->failed[i] = nsfd == kNewNetns ? "unshare" : "setns";
      continue;
    }
    job->results[i] = (*job->fn)(i, &job->failed[i]);
  }
  return nullptr;
}

}  // namespace

void RunInEach(const int* nsfds, size_t n, const std::function<int(size_t, const char**)>& fn, int* results, const char** failed, unsigned count) {
  if (count < 1) count = 1;
  if (count > n) count = n ? static_cast<unsigned>(n) : 1;
  std::vector<EachJob> jobs(count);
  std::vector<pthread_t> made(count);
  std::vector<bool> started(count, false);
  for (unsigned k = 0; k < count; k++) {
    jobs[k] = EachJob{nsfds, n * k / count, n * (k + 1) / count, &fn, results, failed};
    // pthread_create, not std::thread: the addon is built without C++ exceptions, and a
    // failure to make a thread must come back as an errno.
    int err = pthread_create(&made[k], nullptr, EnterEach, &jobs[k]);
    if (err != 0) {
      for (size_t i = jobs[k].first; i < jobs[k].end; i++) {
        results[i] = err;
        failed[i] = "pthread_create";
      }
      continue;
    }
    started[k] = true;
  }
  for (unsigned k = 0; k < count; k++) {
    if (!started[k]) continue;
    pthread_join(made[k], nullptr);
    threads.fetch_add(1, std::memory_order_relaxed);
  }
}

int RunInNetns(int nsfd, const std::function<int(const char**)>& fn, const char** failed) {
  int result = 0;
  const char* why = nullptr;
  RunInEach(&nsfd, 1, [&fn](size_t, const char** f) { return fn(f); }, &result, &why);
  if (result != 0) *failed = why;
  return result;
}

Counters ReadCounters() {
  return Counters{threads.load(), sendCalls.load(), messagesSent.load(), recvCalls.load(),
                  dropped.load(), answered.load(), deferred.load(), direct.load(), steered.load()};
}
void CountSend(unsigned long messages) {
  sendCalls.fetch_add(1, std::memory_order_relaxed);
  messagesSent.fetch_add(messages, std::memory_order_relaxed);
}
void CountRecv() { recvCalls.fetch_add(1, std::memory_order_relaxed); }
void CountDropped() { dropped.fetch_add(1, std::memory_order_relaxed); }
void CountQuick(bool now) { (now ? answered : deferred).fetch_add(1, std::memory_order_relaxed); }
void CountDirect() { direct.fetch_add(1, std::memory_order_relaxed); }
void CountSteered() { steered.fetch_add(1, std::memory_order_relaxed); }

}  // namespace nl

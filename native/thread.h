// Namespace entry happens only on short-lived threads made for it: the JS main thread and the
// libuv pool threads never change network namespace, and a thread that entered one simply ends,
// so nothing ever has to switch back (a failed switch back would poison a reused thread).
#pragma once

#include <functional>

namespace nl {

// Runs fn on a new thread that first enters the network namespace behind nsfd, or a brand-new
// namespace when nsfd is kNewNetns. Returns 0 or an errno; *failed names the failing syscall.
constexpr int kNewNetns = -1;
int RunInNetns(int nsfd, const std::function<int(const char** failed)>& fn, const char** failed);

// Counters for tests and the benchmark.
struct Counters {
  unsigned long threads;
  unsigned long sendCalls;
  unsigned long messagesSent;
  unsigned long recvCalls;
  unsigned long repliesDropped;
  unsigned long quickAnswered;  // quick batches answered while the caller waited
  unsigned long quickDeferred;  // quick batches that completed through the event loop
};
Counters ReadCounters();
void CountSend(unsigned long messages);
void CountRecv();
void CountDropped();
void CountQuick(bool answered);

}  // namespace nl

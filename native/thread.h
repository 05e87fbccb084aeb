// Namespace entry happens only on short-lived threads made for it: the JS main thread and the
// libuv pool threads never change network namespace, and a thread that entered one simply ends
// (or goes on to the next one of its list, then ends), so nothing ever has to switch back (a
// failed switch back would poison a reused thread).
#pragma once

#include <functional>

namespace nl {

// Runs fn on a new thread that first enters the network namespace behind nsfd, or a brand-new
// namespace when nsfd is kNewNetns (RunInEach below, for one). Returns 0 or an errno; *failed
// names the failing syscall.
constexpr int kNewNetns = -1;
int RunInNetns(int nsfd, const std::function<int(const char** failed)>& fn, const char** failed);

// Runs fn(i) for each of n namespaces on new threads (`threads` of them, each taking a slice
// in order), each entering its namespaces one after another and ending after the last: a
// thread costs ~34 us to make and join, entering a namespace ~6 us. An nsfd of kNewNetns is a
// brand-new namespace (unshare), kSkip none (results[i] 0, fn(i) not run). results[i] is 0 or
// an errno, failed[i] the failing syscall; a namespace that cannot be entered fails alone (the
// thread stays where it was, and fn(i) is not run).
constexpr int kSkip = -2;
void RunInEach(const int* nsfds, size_t n, const std::function<int(size_t i, const char** failed)>& fn, int* results, const char** failed, unsigned threads = 1);

// Counters for tests and the benchmark.
struct Counters {
  unsigned long threads;
  unsigned long sendCalls;
  unsigned long messagesSent;
  unsigned long recvCalls;
  unsigned long repliesDropped;
  unsigned long quickAnswered;  // quick batches answered while the caller waited
  unsigned long quickDeferred;  // quick batches that completed through the event loop
  unsigned long quickDirect;    // quick batches the calling thread exchanged itself
  unsigned long quickSteered;   // times the I/O thread was moved off the caller's CPU
};
Counters ReadCounters();
void CountSend(unsigned long messages);
void CountRecv();
void CountDropped();
void CountQuick(bool answered);
void CountDirect();
void CountSteered();

}  // namespace nl

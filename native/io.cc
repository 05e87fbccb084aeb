// Quick requests (addresses, routes, neighbours, rules, gets). The kernel does an rtnetlink
// request inside the sender's sendmsg, 10-30 us of work when its rtnl lock is free, but it waits
// there for as long as another holds the lock (milliseconds to seconds while it dismantles
// namespaces). So:
//
// - A small exchange the caller waits for is made by the caller itself, as C makes it, while
//   such exchanges are over within directLimitNs. One that is not (the lock was busy, or the
//   thread was preempted) sends the next ones to the I/O thread, so that the event loop is held
//   at most once by a wait for the lock, until the I/O thread has done kDirectAgain of them in
//   a row within the limit (the kernel holds the lock for milliseconds at a time: while it
//   dismantled 120 namespaces, a 2 ms timer's longest gap was 11-43 ms, against 15-26 ms with
//   every exchange on the I/O thread; test/event-loop.test.ts). Why not the I/O thread for all
//   (W3 one at a time, 1,000 /32 on lo, bench/floor-w3.js): on a 2-vCPU VM with one CPU-bound
//   process beside it, the I/O thread alone took 119 us an add, 5.9x C, because it and the
//   waiting caller spin on both cores and the scheduler preempts them.
// - Anything else quick (a chunk of a burst, a larger exchange, any while the lock is slow) goes
//   to one I/O thread per Node environment. Handing a request to a sleeping thread and back costs
//   two wakeups, 100-130 us, on that VM, so this thread stays hot, spinning for a while after
//   each job, and the caller, when it found the thread hot, waits a bounded moment for the answer
//   and settles the promise at once, with no event-loop turn. A request that takes longer
//   completes through a thread-safe function, as a pool job would.
// - The two threads must not share a CPU. On the project's 2-vCPU VM the kernel often woke one
//   of them on the CPU of the other, which was running, while the second CPU idled, and there
//   it waited: the I/O thread woken by a burst's first chunk, for the caller to finish encoding
//   the burst (1-2 ms); the JS thread woken by a burst's last answer, for the I/O thread's 2 ms
//   spin to end. So a caller that hands a job to the I/O thread while it sleeps, or while it was
//   last seen on the caller's own CPU, moves it off that CPU (its affinity without that CPU,
//   given back as it takes the job), and after an answer handed over through the event loop the
//   thread spins with sched_yield, not pause. W3 Promise.all (1,000 adds, then 1,000 deletes),
//   the code before and after alternating with C pipelined in one sandbox, medians of 16
//   rounds, three runs: adds 1.20-1.24x -> 1.06-1.13x C, deletes 1.11-1.32x -> 1.05-1.08x.
//   Timed in the addon (eight bursts of adds each way), from a burst's start to the I/O
//   thread's first exchange: 0.3-0.4 ms in four, 1.1-1.9 ms in four; now 0.3-0.6 ms. From its
//   last exchange to the caller's resuming: 0.06-0.07 ms in three, 1.4-2.1 ms in five (the
//   spin); now 0.06-0.14 ms.

#include "io.h"

#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "exchange.h"
#include "socket.h"
#include "thread.h"
#include "worker.h"

namespace nl {

namespace {

// The thread stays hot this long after a job. Measured: at 300 us a quarter of one-at-a-time
// requests found it asleep while the JIT warmed up; at 2 ms, a tenth, then almost none. The cost
// is a core spinning up to 2 ms after the last request of a burst.
std::atomic<long> threadSpinNs{2000 * 1000};
std::atomic<long> callerSpinNs{100 * 1000};  // the caller waits at most this long
// A direct exchange over this long sends the next ones to the I/O thread (0: never direct).
std::atomic<long> directLimitNs{1000 * 1000};
// Made directly only up to this size (about 30 address or route requests): a longer exchange
// would hold the loop past the limit by its own work.
constexpr size_t kDirectBytes = 2048;
// In a row within the limit on the I/O thread before the caller makes them again.
constexpr unsigned kDirectAgain = 8;

enum State : int { kPending, kDone, kAsync };

// A request's buffer stays alive while the caller waits (it is an argument of the call), so a
// job answered in place needs neither a promise nor a reference: those are made only when the
// answer is left to come later.
struct Job {
  Job(int fd, uint32_t portid, Napi::Buffer<uint8_t> requests)
      : exchange(fd, portid, requests.Data(), requests.Length()), bytes(requests.Length()) {}
  Exchange exchange;
  size_t bytes;
  std::atomic<int> state{kPending};
  napi_deferred deferred = nullptr;
  Napi::Reference<Napi::Buffer<uint8_t>> keep;
};

long NowNs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

inline void Relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Settles a job's promise (made when it went the slow way, or now) and frees the job.
Napi::Value Settle(Napi::Env env, Job* job) {
  Napi::EscapableHandleScope scope(env);
  napi_value promise = nullptr;
  napi_status status = job->deferred ? napi_ok : napi_create_promise(env, &job->deferred, &promise);
  if (status == napi_ok) status = SettleExchange(env, job->deferred, job->exchange);
  delete job;
  NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  return promise ? scope.Escape(promise) : Napi::Value();
}

class IoThread {
 public:
  explicit IoThread(Napi::Env env) {
    tsfn_ = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "netns-link io", 0, 1);
    tsfn_.Unref(env);  // referenced only while a job completes the slow way
    thread_ = std::thread([this] { Loop(); });
  }

  ~IoThread() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
    tsfn_.Release();
  }

  // True when the job finished while the caller waited: settle it now. With wait false the
  // caller goes on at once (a chunk of a burst: the caller has more to encode meanwhile).
  bool Submit(Napi::Env env, Job* job, Napi::Buffer<uint8_t> requests, napi_value* promise, bool wait) {
    if (wait && Direct(job->bytes)) {
      long start = NowNs();
      job->exchange.Run();
      if (NowNs() - start > directLimitNs.load(std::memory_order_relaxed)) {
        direct_ = false;
        inLimit_.store(0, std::memory_order_relaxed);
      }
      CountDirect();
      return true;
    }
    bool hot;
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(job);
      hot = !sleeping_;
      if (!hot || ioCpu_.load(std::memory_order_relaxed) == sched_getcpu()) SteerAway(tid_.load(std::memory_order_acquire));
    }
    queued_.fetch_add(1, std::memory_order_release);
    if (hot && wait) {
      long until = NowNs() + callerSpinNs.load(std::memory_order_relaxed);
      while (job->state.load(std::memory_order_acquire) == kPending && NowNs() < until) Relax();
    } else {
      cv_.notify_one();  // a sleeping thread takes a wakeup to come back: do not wait for it
    }
    int expected = kPending;
    if (job->state.compare_exchange_strong(expected, kAsync, std::memory_order_acq_rel)) {
      // The I/O thread reads only the exchange and the state until it hands the job back to
      // this thread; the request must outlive the call now, and the answer needs a promise.
      job->keep = Napi::Persistent(requests);
      if (napi_create_promise(env, &job->deferred, promise) != napi_ok) *promise = nullptr;
      if (slow_++ == 0) tsfn_.Ref(env);
      CountQuick(false);
      return false;
    }
    CountQuick(true);
    return true;
  }

 private:
  // Whether the caller makes this exchange itself: small, the last ones within the limit, and
  // the I/O thread idle (a socket's chunks queued there must go first, and in order).
  bool Direct(size_t bytes) {
    long limit = directLimitNs.load(std::memory_order_relaxed);
    if (limit <= 0 || bytes > kDirectBytes) return false;
    if (!direct_) {
      if (inLimit_.load(std::memory_order_relaxed) < kDirectAgain) return false;
      direct_ = true;
    }
    return queued_.load(std::memory_order_relaxed) == finished_.load(std::memory_order_acquire);
  }

  // With mu_ held, on the JS thread, a job just queued: the I/O thread (asleep, or last seen on
  // this CPU) is moved off the caller's CPU, so that it runs beside the caller, not after it
  // (see the top of this file). Its affinity is kept to be given back; a thread allowed only
  // one CPU (the user's taskset, a cpuset) is left alone.
  void SteerAway(pid_t tid) {
    if (steered_ || tid <= 0) return;
    int cpu = sched_getcpu();
    if (cpu < 0 || sched_getaffinity(tid, sizeof saved_, &saved_) != 0) return;
    if (!CPU_ISSET(cpu, &saved_) || CPU_COUNT(&saved_) < 2) return;
    cpu_set_t away = saved_;
    CPU_CLR(cpu, &away);
    steered_ = sched_setaffinity(tid, sizeof away, &away) == 0;
    if (steered_) CountSteered();
  }

  // On the I/O thread: where it runs, for SteerAway. Written only when it changes: the line is
  // the one the caller reads queued_ and finished_ from for every exchange it makes itself,
  // and a store each turn of the spin would take it from the caller's cache each time.
  void SeenOn(int cpu) {
    if (ioCpu_.load(std::memory_order_relaxed) != cpu) ioCpu_.store(cpu, std::memory_order_relaxed);
  }

  // With mu_ held, on the I/O thread, as it takes a job: its affinity as it was.
  void Restore() {
    if (!steered_) return;
    sched_setaffinity(0, sizeof saved_, &saved_);
    steered_ = false;
  }

  void Completed(Napi::Env env, Job* job) {
    Napi::HandleScope scope(env);
    Settle(env, job);
    if (--slow_ == 0) tsfn_.Unref(env);
  }

  Job* Next() {
    long idle = NowNs();
    for (;;) {
      if (queued_.load(std::memory_order_acquire) != taken_) {
        std::lock_guard<std::mutex> lock(mu_);
        Restore();
        SeenOn(sched_getcpu());
        Job* job = queue_.front();
        queue_.pop_front();
        ++taken_;
        return job;
      }
      if (NowNs() - idle < threadSpinNs.load(std::memory_order_relaxed)) {
        // After an answer handed over through the event loop, the JS thread it woke may have
        // been put on this CPU (see the top of this file): a pause would keep it waiting.
        if (yield_) sched_yield();
        else Relax();
        SeenOn(sched_getcpu());
        continue;
      }
      std::unique_lock<std::mutex> lock(mu_);
      sleeping_ = true;
      cv_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      sleeping_ = false;
      if (queue_.empty()) return nullptr;  // stopping
      idle = NowNs();
    }
  }

  void Loop() {
    pthread_setname_np(pthread_self(), "netns-link io");  // as top -H and /proc/PID/task show it
    tid_.store(static_cast<pid_t>(syscall(SYS_gettid)), std::memory_order_release);
    while (Job* job = Next()) {
      yield_ = false;
      long start = NowNs();
      job->exchange.Run();
      // Only exchanges the caller could have made itself say whether it may again.
      if (job->bytes <= kDirectBytes) {
        if (NowNs() - start <= directLimitNs.load(std::memory_order_relaxed)) {
          inLimit_.fetch_add(1, std::memory_order_relaxed);
        } else {
          inLimit_.store(0, std::memory_order_relaxed);
        }
      }
      finished_.fetch_add(1, std::memory_order_release);
      int expected = kPending;
      if (!job->state.compare_exchange_strong(expected, kDone, std::memory_order_acq_rel)) {
        tsfn_.NonBlockingCall(job, [this](Napi::Env env, Napi::Function, Job* j) { Completed(env, j); });
        yield_ = true;
      }
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job*> queue_;
  std::atomic<unsigned long> queued_{0};
  unsigned long taken_ = 0;  // the I/O thread's own count
  std::atomic<unsigned long> finished_{0};  // jobs whose exchange is over: their socket is free
  std::atomic<unsigned> inLimit_{0};        // the I/O thread's small exchanges in a row within the limit
  bool direct_ = true;                      // JS thread only: whether small exchanges are made in place
  bool sleeping_ = false;
  bool stopping_ = false;
  std::atomic<pid_t> tid_{0};    // the I/O thread's, once it runs
  std::atomic<int> ioCpu_{-1};   // the CPU it was last seen on, taking a job or spinning
  bool steered_ = false;         // under mu_: moved off the caller's CPU, `saved_` to restore
  cpu_set_t saved_;              // under mu_
  bool yield_ = false;           // I/O thread only: its last job was answered through the event loop
  unsigned slow_ = 0;  // JS thread only
  Napi::ThreadSafeFunction tsfn_;
  std::thread thread_;
};

}  // namespace

// quickTimings(callerNs, threadNs, directNs): for tests, which must see each path taken on a
// loaded machine too (directNs 0: every quick exchange to the I/O thread). Returns the previous
// values.
Napi::Value QuickTimings(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::atomic<long>* knobs[] = {&callerSpinNs, &threadSpinNs, &directLimitNs};
  Napi::Array previous = Napi::Array::New(env, 3);
  for (uint32_t i = 0; i < 3; i++) {
    previous.Set(i, static_cast<double>(knobs[i]->load()));
    if (info[i].IsNumber()) knobs[i]->store(info[i].As<Napi::Number>().Int64Value());
  }
  return previous;
}

Napi::Value TransactQuick(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsBuffer()) {
    Napi::TypeError::New(env, "transactQuick(fd, portid, buffer)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  IoThread* io = env.GetInstanceData<IoThread>();
  if (!io) {
    io = new IoThread(env);
    env.SetInstanceData(io);
  }
  Napi::Buffer<uint8_t> requests = info[2].As<Napi::Buffer<uint8_t>>();
  Job* job = new Job(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Uint32Value(), requests);
  bool wait = !(info.Length() > 3 && info[3].IsBoolean() && !info[3].As<Napi::Boolean>().Value());
  napi_value promise = nullptr;
  if (!io->Submit(env, job, requests, &promise, wait)) return Napi::Value(env, promise);
  // Answered while the caller waited: the answer itself, no promise; a failure rejects one.
  if (!job->exchange.err()) {
    Napi::Value answer = Answer(env, job->exchange);
    delete job;
    return answer;
  }
  return Settle(env, job);
}

}  // namespace nl

#include "threadpool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace tl {
namespace {

class Pool {
 public:
  explicit Pool(int n_threads) { start(n_threads); }
  ~Pool() { stop(); }

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int n_threads) {
    std::lock_guard<std::mutex> call(call_mutex_);
    stop();
    start(n_threads);
  }

  void run(int n_tasks, const std::function<void(int)>& fn) {
    if (n_tasks <= 0) return;
    std::lock_guard<std::mutex> call(call_mutex_);  // one parallel region at a time (several Node workers may call)
    if (workers_.empty() || n_tasks == 1) {
      for (int i = 0; i < n_tasks; i++) fn(i);
      return;
    }
    fn_.store(&fn, std::memory_order_relaxed);
    n_tasks_.store(n_tasks, std::memory_order_relaxed);
    next_.store(0, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    // Every worker checks in and out of every region: none can still be inside this one (holding `fn`,
    // or taking a task index) when the next region resets the counters.
    pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    work();
    while (done_.load(std::memory_order_acquire) < n_tasks || pending_.load(std::memory_order_acquire) > 0) {
#if defined(__x86_64__)
      __builtin_ia32_pause();
#endif
    }
    fn_.store(nullptr, std::memory_order_relaxed);
  }

 private:
  void start(int n_threads) {
    quit_.store(false);
    // The generation is read here, not in the new thread: a stop() right after start() must not be missed.
    uint64_t gen = generation_.load(std::memory_order_acquire);
    for (int i = 1; i < n_threads; i++) workers_.emplace_back([this, gen] { loop(gen); });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_.store(true);
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  void work() {
    for (;;) {
      int i = next_.fetch_add(1, std::memory_order_acq_rel);
      if (i >= n_tasks_.load(std::memory_order_acquire)) return;
      (*fn_.load(std::memory_order_acquire))(i);
      done_.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  void loop(uint64_t seen) {
    for (;;) {
      // Spin briefly (kernels come in quick succession), then sleep.
      auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
      while (generation_.load(std::memory_order_acquire) == seen && std::chrono::steady_clock::now() < until) {
#if defined(__x86_64__)
        __builtin_ia32_pause();
#endif
      }
      if (generation_.load(std::memory_order_acquire) == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return quit_.load() || generation_.load(std::memory_order_acquire) != seen; });
      }
      seen = generation_.load(std::memory_order_acquire);
      if (quit_.load()) return;
      work();
      pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  std::vector<std::thread> workers_;
  std::mutex call_mutex_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> next_{0};
  std::atomic<int> done_{0};
  std::atomic<int> pending_{0};
  std::atomic<const std::function<void(int)>*> fn_{nullptr};
  std::atomic<int> n_tasks_{0};
  std::atomic<bool> quit_{false};
};

int default_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

Pool& pool() {
  static Pool instance(default_threads());
  return instance;
}

}  // namespace

void parallel_for(int n_tasks, const std::function<void(int)>& fn) { pool().run(n_tasks, fn); }
void set_threads(int n) { pool().resize(n < 1 ? 1 : n); }
int get_threads() { return pool().size(); }

}  // namespace tl

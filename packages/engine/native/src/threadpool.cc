#include "threadpool.h"

#include <algorithm>
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
    for (int first = 0; first < n_tasks; first += MAX_TASKS) {
      int n = std::min(MAX_TASKS, n_tasks - first);
      std::function<void(int)> part = [&](int i) { fn(first + i); };
      region(n, first == 0 && n == n_tasks ? fn : part);
    }
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

  // A region's tasks are claimed through one 64-bit ticket: generation (24 bits) | next index (20) |
  // task count (20). A worker that wakes late holds an old generation and can claim nothing of a
  // newer region; a task it did claim belongs to the running region, which cannot end before it does.
  static constexpr int MAX_TASKS = (1 << 20) - 1;
  static uint64_t ticket(uint64_t gen, uint64_t next, uint64_t n) { return ((gen & 0xFFFFFF) << 40) | (next << 20) | n; }

  void region(int n_tasks, const std::function<void(int)>& fn) {
    fn_.store(&fn, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    uint64_t gen;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      gen = generation_.load(std::memory_order_relaxed) + 1;
      ticket_.store(ticket(gen, 0, static_cast<uint64_t>(n_tasks)), std::memory_order_release);
      generation_.store(gen, std::memory_order_release);
    }
    cv_.notify_all();
    work(gen);
    while (done_.load(std::memory_order_acquire) < n_tasks) {
#if defined(__x86_64__)
      __builtin_ia32_pause();
#endif
    }
  }

  void work(uint64_t gen) {
    for (;;) {
      uint64_t t = ticket_.load(std::memory_order_acquire);
      for (;;) {
        uint64_t next = (t >> 20) & 0xFFFFF;
        uint64_t n = t & 0xFFFFF;
        if ((t >> 40) != (gen & 0xFFFFFF) || next >= n) return;
        if (ticket_.compare_exchange_weak(t, t + (uint64_t{1} << 20), std::memory_order_acq_rel, std::memory_order_acquire)) break;
      }
      int i = static_cast<int>((t >> 20) & 0xFFFFF);
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
      work(seen);
    }
  }

  std::vector<std::thread> workers_;
  std::mutex call_mutex_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> ticket_{0};
  std::atomic<int> done_{0};
  std::atomic<const std::function<void(int)>*> fn_{nullptr};
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

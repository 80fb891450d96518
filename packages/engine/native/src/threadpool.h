// A small persistent thread pool. parallel_for(n, fn) runs fn(0..n-1) on all threads (the caller
// included) and returns when every task is done. Tasks must write disjoint outputs: results then do
// not depend on which thread ran which task, so they are bit-identical for any thread count.
#pragma once
#include <functional>

namespace tl {

void parallel_for(int n_tasks, const std::function<void(int)>& fn);
void set_threads(int n);
int get_threads();

}  // namespace tl

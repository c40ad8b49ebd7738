// The k worst elements of an output as the comparison meets them one by one: a heap of at most
// k entries whose top is the least bad one kept, so that n elements cost O(n log k) and no copy
// of the output. "Worse" is a larger score; between equal scores the element met first (the
// lower index) is worse, as the single worst element has always been chosen.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace bnconf::conformance {

struct ScoredElement {
  double score = 0;       // error / bound; +inf for an element out of its bound without a ratio
  std::size_t index = 0;  // row-major position
  double error = 0;
};

class WorstElements {
 public:
  explicit WorstElements(std::size_t k) : k_(k) { kept_.reserve(k); }

  void offer(const ScoredElement& e) {
    if (k_ == 0) return;
    if (kept_.size() < k_) {
      kept_.push_back(e);
      std::push_heap(kept_.begin(), kept_.end(), worse);
    } else if (e.score > kept_.front().score) {  // equal score: the one kept came first
      std::pop_heap(kept_.begin(), kept_.end(), worse);
      kept_.back() = e;
      std::push_heap(kept_.begin(), kept_.end(), worse);
    }
  }

  // The kept elements, worst first.
  std::vector<ScoredElement> worst_first() const {
    std::vector<ScoredElement> sorted = kept_;
    std::sort(sorted.begin(), sorted.end(), worse);
    return sorted;
  }

 private:
  // a before b: a is worse. As the heap's order it puts the least bad on top.
  static bool worse(const ScoredElement& a, const ScoredElement& b) {
    return a.score > b.score || (a.score == b.score && a.index < b.index);
  }
  std::size_t k_;
  std::vector<ScoredElement> kept_;
};

}  // namespace bnconf::conformance

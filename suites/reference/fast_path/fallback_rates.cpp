// How often the reference's fast path falls back, per data class: the table of docs/accuracy.md
// ("Measured fallback rates"). For every class it runs forward_train and backward_train in both
// layouts on the fast path with the widest instruction set of this CPU, reads the fast path's
// counters (bnconf/reference/execution.hpp), and checks every output against the exact path bit
// for bit.
//
//   bnconf_fallback_rates                 prints the Markdown table
//   bnconf_fallback_rates --write FILE    replaces the table's generated block in FILE
//   bnconf_fallback_rates --check FILE    exit 0 iff FILE's block is what it prints now, 77 (skip)
//                                         when FILE was generated with another instruction set
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bnconf/reference/batch_norm.hpp"
#include "bnconf/reference/execution.hpp"
#include "bnconf/reference/spec.hpp"

namespace {

using namespace bnconf::reference;

// Deterministic uniform doubles in [0, 1) from a counter (splitmix64, top 53 bits).
double uniform(std::uint64_t i) {
  std::uint64_t z = i * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1p-53;
}

// Standard normal by Box-Muller from two counters.
double normal(std::uint64_t i) {
  const double u1 = 1.0 - uniform(2 * i);
  const double u2 = uniform(2 * i + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

// Value of the j-th element of channel c (in logical order, so both layouts hold the same
// values) of a class, i = c * M + j its counter; `dy` selects the gradient.
using Generator = std::function<double(std::size_t c, std::size_t j, std::size_t i, bool dy)>;

struct DataClass {
  const char* name;
  const char* description;
  Shape shape;
  Generator value;
};

double mean_of(std::size_t c) { return 0.5 * static_cast<double>(c) - 1.0; }

std::vector<DataClass> classes() {
  const Shape shape{16, 8, 32, 32};  // 16,384 values per channel
  return {
      {"normal", "per-channel N(mean, std), mean -1 .. 2.5, std 0.5 .. 2", shape,
       [](std::size_t c, std::size_t, std::size_t i, bool dy) {
         return dy ? normal(i + 77) : mean_of(c) + (0.5 + 0.25 * c) * normal(i);
       }},
      {"offset", "mean 1e8 times the std in magnitude", shape,
       [](std::size_t c, std::size_t, std::size_t i, bool dy) {
         return dy ? normal(i + 77) : 1e8 * (c % 2 ? 1.0 : -1.0) + normal(i);
       }},
      {"constant", "every channel one value (var = 0); dy normal", shape,
       [](std::size_t c, std::size_t, std::size_t i, bool dy) {
         return dy ? normal(i + 77) : 0.1 + 3.7 * static_cast<double>(c);
       }},
      {"cancelling", "x and dy in pairs v, -v (exact mean 0, sum dy = 0)", shape,
       [](std::size_t, std::size_t j, std::size_t i, bool dy) {
         const double v = normal((i / 2) + (dy ? 1000003 : 0));
         return j % 2 ? -v : v;
       }},
      {"subnormal", "magnitudes about 2^-1060 (subnormal)", shape,
       [](std::size_t, std::size_t, std::size_t i, bool dy) {
         return dy ? normal(i + 77) : 0x1p-1060 * normal(i);
       }},
      {"wide range", "magnitudes log-uniform over 1e-30 .. 1e30, random signs", shape,
       [](std::size_t, std::size_t, std::size_t i, bool dy) {
         if (dy) return normal(i + 77);
         const double magnitude = std::pow(10.0, 60.0 * uniform(3 * i) - 30.0);
         return uniform(3 * i + 1) < 0.5 ? -magnitude : magnitude;
       }},
      {"non-finite", "normal with one inf or NaN in every fourth channel", shape,
       [](std::size_t c, std::size_t j, std::size_t i, bool dy) {
         if (!dy && c % 4 == 0 && j == 100) {
           return c % 8 ? std::numeric_limits<double>::infinity()
                        : std::numeric_limits<double>::quiet_NaN();
         }
         return dy ? normal(i + 77) : normal(i);
       }},
      {"huge M", "one channel of 8 x 1024 x 1024 = 2^23 normal values", Shape{8, 1, 1024, 1024},
       [](std::size_t, std::size_t, std::size_t i, bool dy) {
         return dy ? normal(i + 77) : 3.0 + normal(i);
       }},
  };
}

// The class's tensor stored in `layout`.
Tensor make(const DataClass& data, Layout layout, bool dy) {
  Tensor t = make_tensor(data.shape, layout);
  const std::size_t channels = data.shape[1];
  std::size_t inner = 1;
  for (std::size_t axis = 2; axis < data.shape.size(); ++axis) inner *= data.shape[axis];
  const std::size_t per_channel = t.size() / channels;
  for (std::size_t s = 0; s < t.size(); ++s) {
    // Storage order: channels-first (N, C, inner), channels-last (N, inner, C); j is the
    // element's position in its channel in logical (N, inner) order.
    std::size_t c, j;
    if (layout == Layout::channels_first) {
      c = (s / inner) % channels;
      j = (s / (inner * channels)) * inner + s % inner;
    } else {
      c = s % channels;
      j = s / channels;
    }
    t.data()[s] = data.value(c, j, c * per_channel + j, dy);
  }
  return t;
}

struct Bits {
  std::vector<std::vector<std::uint64_t>> values;
  void add(const double* data, std::size_t count) {
    values.emplace_back(count);
    std::memcpy(values.back().data(), data, count * sizeof(double));
  }
};

Bits run(const DataClass& data, Layout layout, Path path, FastPathCounters* counters) {
  const Tensor x = make(data, layout, false);
  const Tensor dy = make(data, layout, true);
  const std::size_t channels = data.shape[1];
  const BatchNormSpec spec = preset("pytorch");
  AffineParams params = default_affine(channels);
  for (std::size_t c = 0; c < channels; ++c) params.bias(c) = 0.125 * static_cast<double>(c);
  const RunningStats running = default_running_stats(channels);
  ExecutionOptions options = execution_options();
  options.path = path;
  options.isa = best_isa();
  ScopedExecutionOptions scoped(options);
  reset_fast_path_counters();
  Bits bits;
  const auto train = forward_train(spec, x, params, running);
  bits.add(train.y.data(), train.y.size());
  bits.add(train.batch_mean.data(), channels);
  bits.add(train.batch_var.data(), channels);
  bits.add(train.saved_invstd.data(), channels);
  bits.add(train.running->mean.data(), channels);
  bits.add(train.running->var.data(), channels);
  const auto backward = backward_train(spec, x, dy, params);
  bits.add(backward.dx.data(), backward.dx.size());
  bits.add(backward.dweight.data(), channels);
  bits.add(backward.dbias.data(), channels);
  if (counters != nullptr) *counters = fast_path_counters();
  return bits;
}

std::string percent(std::uint64_t part, std::uint64_t whole) {
  if (whole == 0) return "-";
  char text[32];
  const double p = 100.0 * static_cast<double>(part) / static_cast<double>(whole);
  if (part == 0) return "0";
  std::snprintf(text, sizeof text, p >= 0.1 ? "%.1f %%" : "%.2g %%", p);
  return text;
}

std::string table() {
  std::ostringstream out;
  out << "Instruction set: " << to_string(best_isa())
      << ". Per class: forward_train then backward_train, both layouts.\n\n";
  out << "| class | data | reductions to the exact path | terms with a residual | element "
         "values by the scalar formula | bits = exact path |\n";
  out << "|---|---|---:|---:|---:|---|\n";
  for (const DataClass& data : classes()) {
    FastPathCounters total{};
    std::uint64_t elements = 0;
    bool identical = true;
    for (const Layout layout : {Layout::channels_first, Layout::channels_last}) {
      FastPathCounters c{};
      const Bits fast = run(data, layout, Path::fast, &c);
      const Bits exact = run(data, layout, Path::exact, nullptr);
      identical = identical && fast.values == exact.values;
      total.channels_fast += c.channels_fast;
      total.channels_fallback += c.channels_fallback;
      total.residual_terms += c.residual_terms;
      total.elements_vector += c.elements_vector;
      total.elements_guarded += c.elements_guarded;
      std::size_t count = 1;
      for (const std::size_t extent : data.shape) count *= extent;
      elements += 2 * count;  // one pass of sums per operation
    }
    out << "| " << data.name << " | " << data.description << " | "
        << percent(total.channels_fallback, total.channels_fast + total.channels_fallback) << " | "
        << percent(total.residual_terms, elements) << " | "
        << percent(total.elements_guarded, total.elements_vector) << " | "
        << (identical ? "yes" : "NO") << " |\n";
  }
  return out.str();
}

constexpr const char* kBegin = "<!-- generated: bnconf_fallback_rates -->\n";
constexpr const char* kEnd = "<!-- end generated -->";

std::optional<std::string> read(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode.empty()) {
    std::fputs(table().c_str(), stdout);
    return 0;
  }
  if ((mode != "--write" && mode != "--check") || argc != 3) {
    std::fprintf(stderr, "usage: %s [--write FILE | --check FILE]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[2];
  const auto text = read(path);
  if (!text) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return 2;
  }
  const std::size_t begin = text->find(kBegin);
  const std::size_t end = begin == std::string::npos ? begin : text->find(kEnd, begin);
  if (end == std::string::npos) {
    std::fprintf(stderr, "%s has no block %s", path.c_str(), kBegin);
    return 2;
  }
  const std::size_t body = begin + std::strlen(kBegin);
  const std::string current = text->substr(body, end - body);
  const std::string isa_line = "Instruction set: " + std::string(to_string(best_isa())) + ".";
  if (mode == "--check" && current.rfind(isa_line, 0) != 0) {
    std::printf("%s: generated with another instruction set than this CPU's best (%s); skipped\n",
                path.c_str(), std::string(to_string(best_isa())).c_str());
    return 77;
  }
  const std::string fresh = table();
  if (mode == "--check") {
    if (current == fresh) return 0;
    std::printf(
        "%s: the fallback-rate table is stale; run bnconf_fallback_rates --write %s\n"
        "--- in the file\n%s--- now\n%s",
        path.c_str(), path.c_str(), current.c_str(), fresh.c_str());
    return 1;
  }
  std::ofstream out(path);
  out << text->substr(0, body) << fresh << text->substr(end);
  return out ? 0 : 2;
}

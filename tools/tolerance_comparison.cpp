// bnconf_tolerance_comparison: the measured comparison of docs/tolerances.md, section 11.
//
// For each pass rule (bnconf's error model and the fixed rules of ONNX, torch.testing, WebNN and
// benchdnn) and each backend — the correct ones (reference, cpu-f32, the plain-C example) and
// every mutant of cpu-f32 (suites/material/, one real bug each) — runs the committed fixtures
// through the runner exactly as `bnconf run --backend B --rule R` does, and prints Markdown:
//   (a) rules x correct backends: cases failed (false failures; the error model must have 0),
//   (b) mutants x rules: cases failing each mutant that pass the unmutated cpu-f32 under the
//       same rule (0 = missed), and a kill-rate row,
//   (c) the error model alone: per mutant, cases failing it and the weakest catching case.
// A case counts as failing when it is executed (not unsupported) and does not pass.
//
// Usage: bnconf_tolerance_comparison [--jobs N] [--timeout SECONDS] [--fixtures PATH]...
//   --jobs N: runs in N worker processes (default 2); each run forks a process per case anyway.
// Progress goes to stderr, the tables to stdout.
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bnconf/conformance/runner.hpp"
#include "comparison_backends.hpp"

namespace {

namespace conf = bnconf::conformance;
using bnconf::tools::kCorrectBackends;
using bnconf::tools::kMutants;
using bnconf::tools::NamedBackend;
using conf::CaseStatus;

const std::vector<std::string> kRules{"model", "onnx", "torch", "webnn", "benchdnn"};

struct Job {
  NamedBackend backend;
  bool correct = false;
  std::string rule;
};

// What one run gives the tables.
struct Outcome {
  std::size_t total = 0, unsupported = 0, failing = 0;
  std::size_t fail = 0, crash = 0, timeout = 0, backend_error = 0;
  std::string first_failing = "-";
  std::string weakest = "-";  // the failing case closest to passing
  double weakest_ratio = 0;   // its worst error / bound (inf: non-finite or misbehaviour)
  std::string error;          // the run could not be done
  std::vector<std::string> failing_ids;
  std::size_t executed() const { return total - unsupported; }
};

// How far out of bound a failing case is: the largest error/bound of its failed outputs
// (infinity for non-finite mismatches, missing outputs, or misbehaviour without outputs).
double out_of_bound_ratio(const conf::CaseResult& r) {
  double worst = 0;
  bool any = false;
  for (const auto& o : r.outputs) {
    if (o.passed) continue;
    any = true;
    const double ratio = (o.bound > 0 && std::isfinite(o.error)) ? o.error / o.bound : INFINITY;
    worst = std::max(worst, ratio);
  }
  return any ? worst : INFINITY;
}

Outcome run_job(const Job& job, const std::vector<std::string>& fixtures, double timeout) {
  Outcome out;
  try {
    conf::RunOptions options;
    options.fixtures = fixtures;
    options.timeout_seconds = timeout;
    options.rule = *conf::tolerance_rule_from_string(job.rule);
    const conf::Report report =
        conf::run_backend(conf::Backend::open(job.backend.name_or_path), options);
    const auto counts = report.counts();
    out.total = report.results().size();
    out.unsupported = counts.at(CaseStatus::unsupported);
    out.fail = counts.at(CaseStatus::fail);
    out.crash = counts.at(CaseStatus::crash);
    out.timeout = counts.at(CaseStatus::timeout);
    out.backend_error = counts.at(CaseStatus::backend_error);
    out.failing = out.fail + out.crash + out.timeout + out.backend_error;
    double weakest = INFINITY;
    for (const auto& r : report.results()) {
      if (r.status == CaseStatus::pass || r.status == CaseStatus::unsupported) continue;
      if (out.first_failing == "-") out.first_failing = r.id;
      out.failing_ids.push_back(r.id);
      const double ratio = r.status == CaseStatus::fail ? out_of_bound_ratio(r) : INFINITY;
      if (out.weakest == "-" || ratio < weakest) {
        weakest = ratio;
        out.weakest = r.id;
      }
    }
    out.weakest_ratio = weakest;
    if (!report.info().load_errors.empty()) out.error = report.info().load_errors.front();
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

// One line per outcome between the worker processes and the parent.
std::string clean(std::string text) {
  for (char& c : text) {
    if (c == '\t' || c == '\n') c = ' ';
  }
  return text.empty() ? "-" : text;
}

std::string serialise(std::size_t job, const Outcome& o) {
  std::ostringstream line;
  line.precision(17);
  line << job << '\t' << o.total << '\t' << o.unsupported << '\t' << o.failing << '\t' << o.fail
       << '\t' << o.crash << '\t' << o.timeout << '\t' << o.backend_error << '\t'
       << clean(o.first_failing) << '\t' << clean(o.weakest) << '\t' << o.weakest_ratio << '\t'
       << clean(o.error) << '\t';
  for (const auto& id : o.failing_ids) line << id << ' ';  // ids have no blanks
  line << '\n';
  return line.str();
}

bool deserialise(const std::string& line, std::size_t& job, Outcome& o) {
  std::istringstream in(line);
  std::string ratio;
  in >> job >> o.total >> o.unsupported >> o.failing >> o.fail >> o.crash >> o.timeout >>
      o.backend_error;
  in.ignore(1);
  if (!std::getline(in, o.first_failing, '\t') || !std::getline(in, o.weakest, '\t') ||
      !std::getline(in, ratio, '\t') || !std::getline(in, o.error, '\t'))
    return false;
  for (std::string id; in >> id;) o.failing_ids.push_back(id);
  o.weakest_ratio = std::strtod(ratio.c_str(), nullptr);
  if (o.error == "-") o.error.clear();
  return true;
}

bool write_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + sent, bytes.size() - sent);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Runs every job in `workers` processes (job i in worker i % workers).
std::vector<Outcome> run_all(const std::vector<Job>& jobs, std::size_t workers,
                             const std::vector<std::string>& fixtures, double timeout) {
  std::vector<Outcome> outcomes(jobs.size());
  std::vector<bool> done(jobs.size(), false);
  std::vector<pollfd> pipes;
  std::vector<pid_t> children;
  std::fflush(nullptr);
  for (std::size_t w = 0; w < workers; ++w) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    const pid_t child = ::fork();
    if (child < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (child == 0) {
      ::close(fds[0]);
      for (const auto& p : pipes) ::close(p.fd);
      for (std::size_t j = w; j < jobs.size(); j += workers) {
        if (!write_all(fds[1], serialise(j, run_job(jobs[j], fixtures, timeout)))) ::_exit(2);
      }
      ::_exit(0);
    }
    ::close(fds[1]);
    pipes.push_back(pollfd{fds[0], POLLIN, 0});
    children.push_back(child);
  }
  std::vector<std::string> pending(workers);
  std::size_t finished = 0, open = workers;
  char chunk[4096];
  while (open > 0) {
    if (::poll(pipes.data(), pipes.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    }
    for (std::size_t w = 0; w < workers; ++w) {
      if (pipes[w].fd < 0 || !(pipes[w].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(pipes[w].fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(pipes[w].fd);
        pipes[w].fd = -1;
        --open;
        continue;
      }
      pending[w].append(chunk, static_cast<std::size_t>(n));
      for (std::size_t end; (end = pending[w].find('\n')) != std::string::npos;) {
        const std::string line = pending[w].substr(0, end);
        pending[w].erase(0, end + 1);
        std::size_t j = 0;
        Outcome o;
        if (!deserialise(line, j, o) || j >= jobs.size())
          throw std::runtime_error("garbled result from a worker: " + line);
        outcomes[j] = o;
        done[j] = true;
        std::fprintf(stderr, "[%zu/%zu] %-32s %-9s %zu of %zu executed cases failing%s%s\n",
                     ++finished, jobs.size(), jobs[j].backend.label, jobs[j].rule.c_str(),
                     o.failing, o.executed(), o.error.empty() ? "" : "; error: ", o.error.c_str());
      }
    }
  }
  for (pid_t child : children) {
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
  }
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    if (!done[j])
      throw std::runtime_error(std::string("no result for ") + jobs[j].backend.label + " under " +
                               jobs[j].rule + " (a worker died)");
  }
  return outcomes;
}

std::string ratio_text(double ratio) {
  if (!std::isfinite(ratio)) return "non-finite or misbehaviour";
  char text[32];
  std::snprintf(text, sizeof text, ratio < 10 ? "%.2f×" : "%.3g×", ratio);
  return text;
}

std::string percent(std::size_t part, std::size_t whole) {
  char text[64];
  std::snprintf(text, sizeof text, "%zu/%zu (%.0f%%)", part, whole,
                whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return text;
}

// Failing count, with what is not a plain `fail` spelt out.
std::string failing_cell(const Outcome& o) {
  if (!o.error.empty()) return "error: " + o.error;
  std::string cell = std::to_string(o.failing);
  std::string extra;
  if (o.crash) extra += std::to_string(o.crash) + " crash ";
  if (o.timeout) extra += std::to_string(o.timeout) + " timeout ";
  if (o.backend_error) extra += std::to_string(o.backend_error) + " backend_error ";
  if (!extra.empty()) cell += " (" + extra.substr(0, extra.size() - 1) + ")";
  return cell;
}

std::string rule_heading(const std::string& rule) {
  const auto parsed = conf::tolerance_rule_from_string(rule);
  return "`" + rule + "` (" + conf::to_string(*parsed) + ")";
}

void print_tables(const std::vector<Job>& jobs, const std::vector<Outcome>& outcomes) {
  // index[label][rule] -> job
  std::map<std::string, std::map<std::string, std::size_t>> index;
  for (std::size_t j = 0; j < jobs.size(); ++j) index[jobs[j].backend.label][jobs[j].rule] = j;
  const auto& any = outcomes.front();

  std::cout << "(a) Correct backends: cases failed (false failures), of the cases each executes\n"
            << "(" << any.total << " committed cases; the rest are unsupported by the backend).\n\n"
            << "| rule |";
  for (const auto& b : kCorrectBackends) {
    const Outcome& o = outcomes[index[b.label]["model"]];
    std::cout << " " << b.label << " (" << o.executed() << " cases) |";
  }
  std::cout << "\n|---|";
  for (std::size_t i = 0; i < std::size(kCorrectBackends); ++i) std::cout << "---:|";
  std::cout << "\n";
  for (const auto& rule : kRules) {
    std::cout << "| " << rule_heading(rule) << " |";
    for (const auto& b : kCorrectBackends)
      std::cout << " " << failing_cell(outcomes[index[b.label][rule]]) << " |";
    std::cout << "\n";
  }

  std::cout << "\nFalse failures, first cases:\n\n";
  for (const auto& rule : kRules) {
    for (const auto& b : kCorrectBackends) {
      const Outcome& o = outcomes[index[b.label][rule]];
      if (o.failing_ids.empty()) continue;
      std::cout << "- " << b.label << " under `" << rule << "` (" << o.failing_ids.size() << "):";
      for (std::size_t i = 0; i < o.failing_ids.size() && i < 4; ++i)
        std::cout << (i ? ", `" : " `") << o.failing_ids[i] << "`";
      std::cout << (o.failing_ids.size() > 4 ? ", ...\n" : "\n");
    }
  }

  // A mutant is judged against its own unmutated source: a case that fails cpu-f32 under a rule
  // too (a false failure) says nothing about the bug.
  std::cout << "\n(b) Mutants of cpu-f32: cases that fail the mutant but pass the unmutated "
               "cpu-f32 under the same rule (0 = the bug is missed); in parentheses, every case "
               "failing the mutant, false failures of cpu-f32 included. Of "
            << outcomes[index[kMutants[0].label]["model"]].executed() << " executed cases.\n\n"
            << "| mutant |";
  for (const auto& rule : kRules) std::cout << " " << rule << " |";
  std::cout << "\n|---|";
  for (std::size_t i = 0; i < kRules.size(); ++i) std::cout << "---:|";
  std::cout << "\n";
  std::map<std::string, std::size_t> caught;
  for (const auto& m : kMutants) {
    std::cout << "| " << m.label << " |";
    for (const auto& rule : kRules) {
      const Outcome& o = outcomes[index[m.label][rule]];
      const Outcome& control = outcomes[index["cpu-f32"][rule]];
      if (!o.error.empty()) {
        std::cout << " " << failing_cell(o) << " |";
        continue;
      }
      const std::set<std::string> control_failing(control.failing_ids.begin(),
                                                  control.failing_ids.end());
      std::size_t catching = 0;
      for (const auto& id : o.failing_ids) catching += !control_failing.contains(id);
      if (catching > 0) ++caught[rule];
      std::cout << " " << (catching == 0 ? "**0** (missed)" : std::to_string(catching));
      if (o.failing != catching) std::cout << " (" << failing_cell(o) << ")";
      std::cout << " |";
    }
    std::cout << "\n";
  }
  std::cout << "| **kill rate** |";
  for (const auto& rule : kRules)
    std::cout << " **" << percent(caught[rule], std::size(kMutants)) << "** |";
  std::cout << "\n";

  std::cout << "\n(c) The error model (`model`): cases failing each mutant; the weakest is the "
               "failing case closest to passing (largest error/bound of its failed outputs).\n\n"
            << "| mutant | cases failing | first failing case | weakest failing case | its "
               "error/bound |\n|---|---:|---|---|---:|\n";
  for (const auto& m : kMutants) {
    const Outcome& o = outcomes[index[m.label]["model"]];
    std::cout << "| " << m.label << " | " << failing_cell(o) << " of " << o.executed() << " | "
              << (o.failing ? "`" + o.first_failing + "`" : "–") << " | "
              << (o.failing ? "`" + o.weakest + "`" : "–") << " | "
              << (o.failing ? ratio_text(o.weakest_ratio) : "–") << " |\n";
  }
  std::cout << "| **kill rate** | **" << percent(caught["model"], std::size(kMutants))
            << "** | | | |\n";
}

int usage(const char* why) {
  std::cerr << "bnconf_tolerance_comparison: " << why
            << "\nusage: bnconf_tolerance_comparison [--jobs N] [--timeout SECONDS] "
               "[--fixtures PATH]...\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t workers = 2;
  double timeout = 60;
  std::vector<std::string> fixtures;  // empty: the committed set
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return usage(("missing value after " + arg).c_str());
    const std::string value = argv[++i];
    if (arg == "--jobs") {
      workers = std::strtoul(value.c_str(), nullptr, 10);
      if (workers == 0) return usage("--jobs needs a positive number");
    } else if (arg == "--timeout") {
      timeout = std::strtod(value.c_str(), nullptr);
      if (!(timeout > 0)) return usage("--timeout needs a positive number of seconds");
    } else if (arg == "--fixtures") {
      fixtures.push_back(value);
    } else {
      return usage(("unknown option " + arg).c_str());
    }
  }

  std::vector<Job> jobs;
  for (const auto& rule : kRules) {
    for (const auto& b : kCorrectBackends) jobs.push_back({b, true, rule});
    for (const auto& m : kMutants) jobs.push_back({m, false, rule});
  }
  try {
    const std::vector<Outcome> outcomes = run_all(jobs, workers, fixtures, timeout);
    print_tables(jobs, outcomes);
  } catch (const std::exception& e) {
    std::cerr << "bnconf_tolerance_comparison: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

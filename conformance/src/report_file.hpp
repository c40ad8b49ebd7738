// One report destination for the length of a run. It refuses a path that exists and is not a
// regular file (a device node, a FIFO, a directory, a symbolic link: rename(2) would replace
// the node itself), holds an exclusive lock (flock(2) on "<path>.lock", kept while the run
// lasts) so that two runs cannot write one report and silently replace each other's, and
// rewrites the file atomically: an exclusive temporary beside it (mkstemp(3), O_EXCL), written,
// then rename(2)d over it. A write that fails (a full disk, a removed
// directory, a file-size limit) removes its temporary and leaves the last complete report.
#pragma once

#include <string>

namespace bnconf::conformance {

class ReportFile {
 public:
  // Checks the destination and takes the lock; throws std::runtime_error naming the path.
  explicit ReportFile(std::string path);
  ReportFile(const ReportFile&) = delete;
  ReportFile& operator=(const ReportFile&) = delete;
  ~ReportFile();  // releases the lock and removes the lock file

  // Replaces the file with `text`; throws std::runtime_error "<path>: cannot be written: <why>
  // (the previous version is kept)".
  void write(const std::string& text) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string lock_path_;
  int lock_fd_ = -1;
};

// Throws std::runtime_error unless `path` is absent or a regular file.
void check_report_destination(const std::string& path);

}  // namespace bnconf::conformance

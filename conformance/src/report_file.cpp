#include "report_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "bnconf/conformance/report.hpp"

namespace bnconf::conformance {
namespace {

std::string kind_of(mode_t mode) {
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

[[noreturn]] void cannot_write(const std::string& path, int error) {
  throw std::runtime_error(path + ": cannot be written: " + std::strerror(error) +
                           " (the previous version is kept)");
}

bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

void check_report_destination(const std::string& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return;
    throw std::runtime_error(path + ": cannot be examined: " + std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) {
    throw std::runtime_error(path + ": is " + kind_of(info.st_mode) +
                             "; a report replaces only a regular file");
  }
}

void create_report_directories(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return;
  std::error_code error;
  std::filesystem::create_directories(parent, error);
  if (error) {
    throw std::runtime_error(path + ": cannot create its directory " + parent.string() + ": " +
                             error.message());
  }
}

void write_atomically(const std::string& path, const std::string& text) {
  check_report_destination(path);
  std::vector<char> name(path.begin(), path.end());
  const std::string suffix = ".tmp.XXXXXX";
  name.insert(name.end(), suffix.begin(), suffix.end());
  name.push_back('\0');
  // mkstemp(3): a new file of our own (O_CREAT | O_EXCL), never someone else's.
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) cannot_write(path, errno);
  const std::string temporary(name.data());
  int error = 0;
  // No fsync(2): the rename is atomic for every process that reads the report, a killed run
  // included; syncing after every case would cost more than the case.
  if (::fchmod(fd, 0644) != 0 || !write_all(fd, text)) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && ::rename(temporary.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temporary.c_str());
    cannot_write(path, error);
  }
}

ReportFile::ReportFile(std::string path) : path_(std::move(path)), lock_path_(path_ + ".lock") {
  create_report_directories(path_);
  check_report_destination(path_);
  check_report_destination(lock_path_);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const int fd = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
      throw std::runtime_error(path_ + ": cannot create its lock file " + lock_path_ + ": " +
                               std::strerror(errno));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      ::close(fd);
      if (error == EWOULDBLOCK) {
        throw std::runtime_error(path_ + ": another bnconf run is writing this report (" +
                                 lock_path_ + " is locked)");
      }
      throw std::runtime_error(path_ + ": cannot lock " + lock_path_ + ": " + std::strerror(error));
    }
    // The lock file may have been removed (and made anew) by the run that held it between our
    // open and our flock: the lock counts only on the file the path names now.
    struct stat held {
    }, named{};
    if (::fstat(fd, &held) == 0 && ::stat(lock_path_.c_str(), &named) == 0 &&
        held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
      lock_fd_ = fd;
      return;
    }
    ::close(fd);
  }
  throw std::runtime_error(path_ + ": cannot lock " + lock_path_ + " (it keeps being replaced)");
}

ReportFile::~ReportFile() {
  if (lock_fd_ >= 0) {
    ::unlink(lock_path_.c_str());
    ::close(lock_fd_);
  }
}

void ReportFile::write(const std::string& text) const { write_atomically(path_, text); }

}  // namespace bnconf::conformance

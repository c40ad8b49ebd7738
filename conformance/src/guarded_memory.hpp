// The memory the ABI engine hands a backend: every buffer in a mapping of its own,
//
//   [guard page][canary >= 64 B][payload, 64-byte aligned][canary >= 64 B][guard page]
//
// with PROT_NONE guard pages (mprotect(2)), so that an access far outside a buffer faults at
// once and small overruns are seen in the canaries. Outputs start filled with the "unwritten"
// poison (all-ones bytes), so that elements a backend never wrote are counted, not judged as the
// NaN those bytes also encode. After its call a buffer is retired: filled with a second poison,
// made PROT_NONE and kept mapped until the case ends, so that a thread of the backend still
// writing (or reading) after the call returned faults instead of landing in another buffer, and
// a write that got through anyway shows as a changed second poison. A fault on any of these
// pages is described by a SIGSEGV/SIGBUS handler into the case's violations (isolation.hpp)
// before the process dies.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

namespace bnconf::conformance {

class GuardedBuffer {
 public:
  enum class Role { input, output };
  static constexpr unsigned char kCanaryByte = 0xA5;
  static constexpr unsigned char kUnwrittenByte = 0xFF;  // a NaN in every dtype
  static constexpr unsigned char kRetiredByte = 0x5A;

  GuardedBuffer() = default;
  // Throws std::bad_alloc when the mapping cannot be made.
  GuardedBuffer(std::size_t bytes, const std::string& name, Role role);
  GuardedBuffer(GuardedBuffer&& other) noexcept;
  GuardedBuffer& operator=(GuardedBuffer&& other) noexcept;
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;
  ~GuardedBuffer();

  void* data() { return payload_; }
  const void* data() const { return payload_; }
  std::size_t bytes() const { return bytes_; }
  const std::string& name() const { return name_; }  // "output y", "input x"

  // "" when both canaries are intact, else "N byte(s) past the end and M byte(s) before the
  // start".
  std::string canary_damage() const;
  // Elements of `element_bytes` bytes that still hold the unwritten poison.
  std::size_t unwritten(std::size_t element_bytes) const;

  // After the call: the second poison over the whole interior, then PROT_NONE.
  void retire();
  // For a retired buffer: whether the second poison is intact (it is made readable to check).
  bool retired_intact();

 private:
  void release();
  unsigned char* map_ = nullptr;  // the whole mapping, guard pages included
  std::size_t map_bytes_ = 0;
  unsigned char* payload_ = nullptr;
  std::size_t bytes_ = 0;
  std::string name_;
  int slot_ = -1;  // in the fault handler's table
};

// The buffers of a case: those of the call in progress, then those of past calls, retired and
// kept mapped until the case ends (the most recent kKeepRetired; older ones are checked and
// unmapped, which bounds the mappings of a long sequence).
class GuardedArena {
 public:
  static constexpr std::size_t kKeepRetired = 256;

  GuardedBuffer& allocate(std::size_t bytes, const std::string& name, GuardedBuffer::Role role);
  // Retires every buffer of the call in progress.
  void end_call();
  // Buffers whose second poison changed after their call ("output y written after its call
  // returned"), checking every retired buffer; call when the case ends.
  std::vector<std::string> late_writes();

 private:
  void check_and_drop_oldest();
  std::deque<GuardedBuffer> live_;
  std::deque<GuardedBuffer> retired_;
  std::vector<std::string> late_;
};

// In a case's process: describes faults on guarded pages as violations (sigaction(2) with
// SA_SIGINFO on SIGSEGV and SIGBUS, on an alternate stack so that a stack overflow is handled
// too; SA_RESETHAND, so that the fault, run again, kills the process as before).
void install_guard_fault_handler();

}  // namespace bnconf::conformance

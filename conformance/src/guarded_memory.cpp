#include "guarded_memory.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <new>

#include "bnconf/conformance/isolation.hpp"

namespace bnconf::conformance {
namespace {

constexpr std::size_t kCanary = 64;
constexpr std::size_t kAlignment = 64;

std::size_t page_size() {
  static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

// What the fault handler knows of each mapping. Plain memory written by the engine's thread and
// read by a handler on any thread: a slot is filled before `used` is set (release) and read
// after `used` is seen (acquire).
struct Slot {
  std::atomic<bool> used{false};
  std::atomic<bool> retired{false};
  std::uintptr_t map_begin = 0, map_end = 0, payload_begin = 0, payload_end = 0;
  char name[80] = {};
};
constexpr int kSlots = 1024;  // > GuardedArena::kKeepRetired + the buffers of one call
Slot g_slots[kSlots];

int take_slot(const unsigned char* map, std::size_t map_bytes, const unsigned char* payload,
              std::size_t bytes, const std::string& name) {
  for (int i = 0; i < kSlots; ++i) {
    Slot& slot = g_slots[i];
    if (slot.used.load(std::memory_order_acquire)) continue;
    slot.map_begin = reinterpret_cast<std::uintptr_t>(map);
    slot.map_end = slot.map_begin + map_bytes;
    slot.payload_begin = reinterpret_cast<std::uintptr_t>(payload);
    slot.payload_end = slot.payload_begin + bytes;
    const std::size_t length = std::min(name.size(), sizeof slot.name - 1);
    std::memcpy(slot.name, name.data(), length);
    slot.name[length] = '\0';
    slot.retired.store(false, std::memory_order_relaxed);
    slot.used.store(true, std::memory_order_release);
    return i;
  }
  return -1;  // still guarded; a fault on it is then reported by its signal only
}

// Async-signal-safe formatting for the handler: no allocation, no stdio.
class Line {
 public:
  Line& operator<<(const char* text) {
    for (; *text && length_ + 1 < sizeof text_; ++text) text_[length_++] = *text;
    text_[length_] = '\0';
    return *this;
  }
  Line& operator<<(std::uintptr_t n) {
    char digits[24];
    int count = 0;
    do {
      digits[count++] = static_cast<char>('0' + n % 10);
      n /= 10;
    } while (n && count < 24);
    while (count > 0 && length_ + 1 < sizeof text_) text_[length_++] = digits[--count];
    text_[length_] = '\0';
    return *this;
  }
  const char* text() const { return text_; }

 private:
  char text_[256] = {};
  std::size_t length_ = 0;
};

// Whether the faulting access was a write, where the machine context says (x86-64: bit 1 of the
// page-fault error code); otherwise unknown.
const char* access_of(void* context) {
#if defined(__x86_64__) && defined(REG_ERR)
  const auto* uc = static_cast<const ucontext_t*>(context);
  return (uc->uc_mcontext.gregs[REG_ERR] & 2) ? "wrote to" : "read from";
#else
  (void)context;
  return "accessed";
#endif
}

void on_fault(int, siginfo_t* info, void* context) {
  const auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
  for (const Slot& slot : g_slots) {
    if (!slot.used.load(std::memory_order_acquire)) continue;
    if (address < slot.map_begin || address >= slot.map_end) continue;
    Line line;
    if (slot.retired.load(std::memory_order_relaxed)) {
      line << access_of(context) << " " << slot.name << " after its call returned";
    } else if (address < slot.payload_begin) {
      line << access_of(context) << " the guard page " << (slot.payload_begin - address)
           << " bytes before the start of " << slot.name;
    } else {
      line << access_of(context) << " the guard page " << (address - slot.payload_end + 1)
           << " bytes past the end of " << slot.name;
    }
    note_violation(line.text());
    break;
  }
  // SA_RESETHAND restored the default action: returning runs the access again, which now kills
  // the process by the same signal.
}

}  // namespace

GuardedBuffer::GuardedBuffer(std::size_t bytes, const std::string& name, Role role)
    : bytes_(bytes), name_((role == Role::output ? "output " : "input ") + name) {
  const std::size_t page = page_size();
  const std::size_t rounded = round_up(bytes, kAlignment);
  const std::size_t inner = round_up(rounded + 2 * kCanary, page);
  map_bytes_ = inner + 2 * page;
  void* map =
      ::mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) throw std::bad_alloc();
  map_ = static_cast<unsigned char*>(map);
  ::mprotect(map_, page, PROT_NONE);
  ::mprotect(map_ + page + inner, page, PROT_NONE);
  unsigned char* interior = map_ + page;
  // The payload is 64-byte aligned and ends at least kCanary bytes before the back guard page.
  payload_ = interior + inner - kCanary - rounded;
  std::memset(interior, kCanaryByte, inner);
  std::memset(payload_, role == Role::output ? kUnwrittenByte : 0, bytes);
  slot_ = take_slot(map_, map_bytes_, payload_, bytes, name_);
}

GuardedBuffer::GuardedBuffer(GuardedBuffer&& other) noexcept { *this = std::move(other); }

GuardedBuffer& GuardedBuffer::operator=(GuardedBuffer&& other) noexcept {
  if (this != &other) {
    release();
    map_ = std::exchange(other.map_, nullptr);
    map_bytes_ = std::exchange(other.map_bytes_, 0);
    payload_ = std::exchange(other.payload_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
    name_ = std::move(other.name_);
    slot_ = std::exchange(other.slot_, -1);
  }
  return *this;
}

GuardedBuffer::~GuardedBuffer() { release(); }

void GuardedBuffer::release() {
  if (slot_ >= 0) g_slots[slot_].used.store(false, std::memory_order_release);
  slot_ = -1;
  if (map_) ::munmap(map_, map_bytes_);
  map_ = nullptr;
}

std::string GuardedBuffer::canary_damage() const {
  if (!map_) return "";
  const unsigned char* interior = map_ + page_size();
  const unsigned char* end = map_ + map_bytes_ - page_size();
  const auto damaged = [](const unsigned char* from, const unsigned char* to) {
    return static_cast<std::size_t>(
        std::count_if(from, to, [](unsigned char b) { return b != kCanaryByte; }));
  };
  const std::size_t before = damaged(interior, payload_);
  const std::size_t after = damaged(payload_ + bytes_, end);
  if (before + after == 0) return "";
  return std::to_string(after) + " byte(s) past the end and " + std::to_string(before) +
         " byte(s) before the start";
}

std::size_t GuardedBuffer::unwritten(std::size_t element_bytes) const {
  if (!payload_ || element_bytes == 0) return 0;
  std::size_t count = 0;
  for (std::size_t offset = 0; offset + element_bytes <= bytes_; offset += element_bytes) {
    count += std::all_of(payload_ + offset, payload_ + offset + element_bytes,
                         [](unsigned char b) { return b == kUnwrittenByte; });
  }
  return count;
}

void GuardedBuffer::retire() {
  if (!map_) return;
  unsigned char* interior = map_ + page_size();
  const std::size_t inner = map_bytes_ - 2 * page_size();
  std::memset(interior, kRetiredByte, inner);
  if (slot_ >= 0) g_slots[slot_].retired.store(true, std::memory_order_relaxed);
  ::mprotect(interior, inner, PROT_NONE);
}

bool GuardedBuffer::retired_intact() {
  if (!map_) return true;
  unsigned char* interior = map_ + page_size();
  const std::size_t inner = map_bytes_ - 2 * page_size();
  ::mprotect(interior, inner, PROT_READ);
  const bool intact =
      std::all_of(interior, interior + inner, [](unsigned char b) { return b == kRetiredByte; });
  ::mprotect(interior, inner, PROT_NONE);
  return intact;
}

GuardedBuffer& GuardedArena::allocate(std::size_t bytes, const std::string& name,
                                      GuardedBuffer::Role role) {
  return live_.emplace_back(bytes, name, role);
}

void GuardedArena::end_call() {
  for (auto& buffer : live_) {
    buffer.retire();
    retired_.push_back(std::move(buffer));
  }
  live_.clear();
  while (retired_.size() > kKeepRetired) check_and_drop_oldest();
}

void GuardedArena::check_and_drop_oldest() {
  GuardedBuffer& oldest = retired_.front();
  if (!oldest.retired_intact())
    late_.push_back(oldest.name() + " was written after its call returned");
  retired_.pop_front();
}

std::vector<std::string> GuardedArena::late_writes() {
  for (auto& buffer : retired_) {
    if (!buffer.retired_intact()) {
      late_.push_back(buffer.name() + " was written after its call returned");
    }
  }
  std::vector<std::string> found = std::move(late_);
  late_.clear();
  found.erase(std::unique(found.begin(), found.end()), found.end());
  return found;
}

void install_guard_fault_handler() {
  static char alternate_stack[1 << 16];
  stack_t stack{};
  stack.ss_sp = alternate_stack;
  stack.ss_size = sizeof alternate_stack;
  ::sigaltstack(&stack, nullptr);
  struct sigaction action {};
  action.sa_sigaction = on_fault;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGSEGV, &action, nullptr);
  ::sigaction(SIGBUS, &action, nullptr);
}

}  // namespace bnconf::conformance

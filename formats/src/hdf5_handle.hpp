// RAII ownership of HDF5 identifiers and the few typed helpers the fixture I/O needs.
//
// The C API is used directly so that every failure is a return code we turn into a message that
// names the file, the object and the field (the library's own error stack printing is switched
// off while bnconf reads or writes).
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bnconf::formats::hdf5 {

// An HDF5 error with the location it concerns, e.g. "fixtures/core.h5: case core.x: field eps".
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, -1)), closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept {
    reset();
    id_ = std::exchange(other.id_, -1);
    closer_ = other.closer_;
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  void reset() {
    if (id_ >= 0 && closer_) closer_(id_);
    id_ = -1;
  }
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

// Silences HDF5's automatic error printing for the lifetime of the object.
class QuietErrors {
 public:
  QuietErrors();
  ~QuietErrors();
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;

 private:
  H5E_auto2_t saved_function_ = nullptr;
  void* saved_data_ = nullptr;
};

// HDF5 files held in memory (the core driver without a backing store): a file's bytes opened
// read-only, and a new file whose bytes image_bytes returns once written. Each gets a name of its
// own, as the library refuses to open one name twice.
Handle open_image(const std::string& bytes);
Handle create_image();
std::string image_bytes(hid_t file);

// Object-creation properties that keep files byte-reproducible: no modification times.
Handle group_creation_properties();
Handle dataset_creation_properties(const std::vector<hsize_t>& dims);

Handle create_group(hid_t parent, const std::string& name);
bool has_link(hid_t parent, const std::string& name);
std::vector<std::string> member_names(hid_t group);

void write_string_attribute(hid_t object, const std::string& name, const std::string& value);
void write_string_list_attribute(hid_t object, const std::string& name,
                                 const std::vector<std::string>& values);
void write_double_attribute(hid_t object, const std::string& name, double value);
void write_int_attribute(hid_t object, const std::string& name, std::int64_t value);
void write_int_list_attribute(hid_t object, const std::string& name,
                              const std::vector<std::int64_t>& values);

// Why a dataset of `elements` elements cannot really hold them, checked before any allocation:
// "" when its stored bytes can; otherwise "declares N elements but stores M bytes" (a dataset
// declared and never written, or cut short). Chunked datasets may be compressed.
std::string storage_problem(hid_t dataset, std::size_t elements);

// Readers return nullopt when the attribute is absent and throw Error (with `where` in the
// message; "" when the caller's error names the place) when it exists with the wrong type or
// size.
std::optional<std::string> read_string_attribute(hid_t object, const std::string& name,
                                                 const std::string& where);
std::optional<std::vector<std::string>> read_string_list_attribute(hid_t object,
                                                                   const std::string& name,
                                                                   const std::string& where);
std::optional<double> read_double_attribute(hid_t object, const std::string& name,
                                            const std::string& where);
std::optional<std::int64_t> read_int_attribute(hid_t object, const std::string& name,
                                               const std::string& where);
std::optional<std::vector<std::int64_t>> read_int_list_attribute(hid_t object,
                                                                 const std::string& name,
                                                                 const std::string& where);

}  // namespace bnconf::formats::hdf5

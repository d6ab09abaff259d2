// A JSON document on disk of the form HEAD ARRAY TAIL whose ARRAY grows one element at a time
// (the JSON report's "tests"), written so that after every call the file is the whole, valid
// document, and so that adding an element costs O(element), not O(file):
//
//   append(e):     claims the bytes the file grows by with spaces past its end (trailing
//                  whitespace is valid JSON), then writes ",\n" + e (or "\n" + e for the first),
//                  the array's closing bracket and the tail at the end of the last element
//                  (pwrite), cuts the file there (ftruncate) and fdatasync()s it. Nothing of the
//                  earlier elements is kept in memory.
//   rewrite(h, t): a new head and tail (the run's context, agents, end): writes h, the elements
//                  copied from the current file in chunks, and t to PATH.tmp, fsync()s it and
//                  rename()s it over PATH (atomic). O(file) time once, O(chunk) memory.
//
// The array is laid out as nlohmann's dump(2) lays out a member of the top-level object: "[]"
// empty, else "[\n" e0 ",\n" e1 ... "\n  ]" (elements come indented by the caller).
//
// Contract: after every call, returned or thrown, PATH is a valid document: the new one, or the
// one before the call when it failed (a full disk, a quota, an I/O error: append() fails before
// touching the document when the file cannot grow, and puts the old closing back when the
// overwrite itself fails; rewrite() leaves PATH alone and removes PATH.tmp). A kill between two
// calls leaves a valid document; a SIGKILL in the middle of append()'s one pwrite of one element
// (or a power loss before its fdatasync) can leave a partial one, as any in-place write can. The
// first rewrite() must come before any append(). A path that cannot be written throws
// ConfigError naming it and the OS reason; later I/O errors throw Error; both start with `where`
// ("json report 'r.json'") and name the OS reason ("No space left on device").
#pragma once

#include <cstdint>
#include <string>

namespace fabcheck::reports {

class GrowingJsonFile {
 public:
  GrowingJsonFile(std::string path, std::string where) : path_(std::move(path)), where_(std::move(where)) {}
  ~GrowingJsonFile();
  GrowingJsonFile(const GrowingJsonFile&) = delete;
  GrowingJsonFile& operator=(const GrowingJsonFile&) = delete;

  void rewrite(const std::string& head, const std::string& tail);
  void append(const std::string& element);

  size_t elements() const { return count_; }
  size_t heldBytes() const { return tail_.size(); }  // what it keeps in memory: the tail's text

 private:
  void copyElements(int to, uint64_t from, uint64_t to_end) const;

  std::string path_, where_;
  std::string tail_;
  int fd_ = -1;               // PATH, open for reading and writing, after the first rewrite()
  uint64_t array_at_ = 0;     // offset of the array's '['
  uint64_t elements_end_ = 0; // offset just after the last element (array_at_ + 1 with none)
  size_t count_ = 0;
};

}  // namespace fabcheck::reports

// The core's argument errors, in plain C++: the binding turns TypeError into a JS TypeError and RangeError into a
// JS RangeError (binding/errors.h), so the core needs no Node-API to say what was wrong with its input.
#pragma once

#include <stdexcept>
#include <string>

namespace seq2seq {

// A value of the wrong kind or shape (JS: TypeError).
class TypeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// A value outside its allowed range (JS: RangeError).
class RangeError : public std::out_of_range {
 public:
  using std::out_of_range::out_of_range;
};

}  // namespace seq2seq

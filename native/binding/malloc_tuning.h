// glibc's malloc tuned for tensors: what the process's large allocations cost (see malloc_tuning.cc).
#pragma once

#include <string>

namespace seq2seq {

// Once per process: unless the user tuned malloc (MALLOC_*_ environment variables) or asked for glibc's defaults
// (SEQ2SEQ_MALLOC=default), large blocks are kept in the heap instead of being returned to the system at each free.
void TuneMalloc();

// What TuneMalloc did ("glibc: mmap threshold 64 MiB, trim threshold 256 MiB"), or why it did nothing.
std::string MallocTuning();

}  // namespace seq2seq

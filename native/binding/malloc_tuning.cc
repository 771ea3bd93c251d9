#include "binding/malloc_tuning.h"

#include <cstdlib>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace seq2seq {

namespace {

std::string tuning = "not tuned";

}  // namespace

// Why: glibc serves blocks above its mmap threshold (128 KiB, raised only as far as the sizes it has seen freed) with
// mmap and gives the top of the heap back once 128 KiB are free there, so a training step's activations and
// gradients (megabytes each, allocated and freed every step) are page-faulted in anew at every step: a profile of
// hidden-512 attention training showed 9% of its time in page faults and 4% in malloc, and training took 1.3-1.6x
// longer than with the thresholds below. Memory stays flat: freed blocks are reused by the next step.
// The top pad: jobs run on threads of their own, whose allocations come from glibc's per-thread arenas, made of
// heaps of at most 64 MiB; a block that does not fit the arena's heap opens another one, which glibc deletes
// (munmap) as soon as it is empty again unless the pad asks it to keep that much, so a decoder step's [rows x
// vocabulary] log-probabilities were page-faulted in anew at every step (beam 5, batch 64, 8,000 pieces: 640,000
// faults and 2.4x the CPU time of a run with the pad). The pad is address space, not memory: pages are resident
// only once written.
void TuneMalloc() {
  static std::once_flag once;
  std::call_once(once, [] {
#if defined(__GLIBC__)
    const char* choice = std::getenv("SEQ2SEQ_MALLOC");
    if (choice && std::string(choice) == "default") {
      tuning = "glibc defaults (SEQ2SEQ_MALLOC=default)";
      return;
    }
    for (const char* name : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"}) {
      if (std::getenv(name)) {
        tuning = std::string("as the environment sets it (") + name + ")";
        return;
      }
    }
    const bool done = mallopt(M_MMAP_THRESHOLD, 64 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, 256 << 20) == 1 &&
                      mallopt(M_TOP_PAD, 64 << 20) == 1;
    tuning = done ? "glibc: mmap threshold 64 MiB, trim threshold 256 MiB, top pad 64 MiB"
                  : "glibc refused the tuning (mallopt)";
#else
    tuning = "not glibc: the allocator's own defaults";
#endif
  });
}

std::string MallocTuning() { return tuning; }

}  // namespace seq2seq

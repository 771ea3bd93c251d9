// Threads for the background jobs, kept and reused: a job runs on an idle one, or on a new one when all are busy (jobs
// never wait for each other). libtorch sets up a thread's intra-op parallelism on its first parallel loop, and with
// more than one thread that rebuilds its global thread pool (at::set_num_threads recreates caffe2's pthreadpool):
// creating and joining threads, milliseconds on a busy machine. A decoding job on a new thread paid that on every
// call; a kept thread pays it once (and keeps its OpenMP team).
#pragma once

#include <functional>

namespace seq2seq {

// Runs `work` on a job thread; throws std::system_error when no thread can be started.
void RunOnJobThread(std::function<void()> work);

}  // namespace seq2seq

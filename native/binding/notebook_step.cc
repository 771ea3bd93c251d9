// notebookStep: the fused notebook step (seq2seq/notebook_step.h) for one sentence, on the JS thread.
#include "seq2seq/notebook_step.h"

#include <vector>

#include "binding/addon.h"
#include "binding/convert.h"
#include "binding/job_use.h"
#include "binding/parts_from_js.h"
#include "binding/wrap.h"

namespace seq2seq {

namespace {

// notebookStep(parts, source: number[], target: number[], sos, eos, device) -> the sentence's summed loss
// parts: { encoderEmbedding, encoderLstm, decoderEmbedding, decoderLstm, decoderDense, encoderOpt, decoderOpt }
Napi::Value NotebookStepJS(const Napi::CallbackInfo& info) {
  // It writes the parameters on this thread: refused while a background job uses any of the parts.
  std::vector<Napi::ObjectReference> objects;
  Seq2SeqParts parts = PartsFrom(info[0], /*withOptimizers=*/true, &objects);
  for (const auto& use : UsesOf(info.Env(), objects)) use->CheckUnused(info.Env());
  const double loss = NotebookStep(parts, ToShape(info[1], "source"), ToShape(info[2], "target"), ToInt(info[3], "sos"),
                                   ToInt(info[4], "eos"), ToDevice(info[5]));
  return Napi::Number::New(info.Env(), loss);
}

}  // namespace

void InitNotebookStep(Napi::Env env, Napi::Object exports) {
  exports.Set("notebookStep", Napi::Function::New(env, &Guarded<&NotebookStepJS>, "notebookStep"));
}

}  // namespace seq2seq

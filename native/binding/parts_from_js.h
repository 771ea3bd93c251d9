// The modules and optimizers of one encoder-decoder model, taken from the JS objects that own them.
#pragma once

#include <napi.h>

#include <vector>

#include "seq2seq/parts.h"

namespace seq2seq {

// parts: { encoderEmbedding, encoderLstm, decoderEmbedding, decoderLstm, decoderDense, attention?, encoderOpt?,
// decoderOpt?, encoderInt8?, decoderInt8? }, attention: { kind, inputFeed, query?, key?, v?, W?, combine? } (the
// Linears its kind has). Checks that encoder and decoder fit together. When `keepAlive` is given, it receives a
// reference to every JS object used, so that work on another thread can rely on them until it ends.
Seq2SeqParts PartsFrom(const Napi::Value& value, bool withOptimizers,
                       std::vector<Napi::ObjectReference>* keepAlive = nullptr);

}  // namespace seq2seq

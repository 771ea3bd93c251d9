// SentencePiece (subword vocabularies) in plain C++: a trained model and the trainer, with every SentencePiece
// failure as a C++ exception carrying SentencePiece's own message.
//
// Debian's libsentencepiece carries its own protobuf-lite (3.14) and exports its symbols, while libtorch links the
// system libprotobuf (3.21): linked into one object the two bind to each other's functions, and loading aborts
// ("compiled against version 3.14.0 of the Protocol Buffer runtime") or crashes. So the code that calls
// SentencePiece (sentencepiece_model.cc) is a library of its own, seq2seq_sentencepiece.so beside the addon,
// opened on first use with dlopen(RTLD_LOCAL | RTLD_DEEPBIND) so that it and libsentencepiece see only their own
// symbols; the addon reaches it through the abstract classes below (sentencepiece_library.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace seq2seq::subword {

// A trained SentencePiece model (sentencepiece::SentencePieceProcessor), immutable once built: encoding and
// decoding may run on several threads at once.
class SentencePieceModel {
 public:
  virtual ~SentencePieceModel() = default;

  // Parses a serialized ModelProto (a .model file's bytes); throws std::invalid_argument with SentencePiece's
  // message when the bytes are not a usable model.
  static std::unique_ptr<SentencePieceModel> FromBytes(std::string_view bytes);

  // Every piece, in id order.
  virtual const std::vector<std::string>& Pieces() const = 0;
  // The special pieces' ids, -1 when the model has none.
  virtual int UnkId() const = 0;
  virtual int BosId() const = 0;
  virtual int EosId() const = 0;
  virtual int PadId() const = 0;

  // Each text as pieces (no sentence markers).
  virtual std::vector<std::vector<std::string>> EncodeAsPieces(const std::vector<std::string>& texts) const = 0;
  // Each piece list back to text.
  virtual std::vector<std::string> DecodePieces(const std::vector<std::vector<std::string>>& pieces) const = 0;
  // The serialized ModelProto: what a .model file holds.
  virtual std::string Serialized() const = 0;
};

// SentencePieceTrainer's settings. The special pieces are fixed: <unk> = 0, <sos> = 1, <eos> = 2, no padding
// piece, so that a model's ids are the indices of the network's vocabularies.
struct TrainOptions {
  int vocabSize = 8000;
  std::string modelType = "unigram";  // "unigram" or "bpe"
  double characterCoverage = 0.9995;  // SentencePiece's default; allowed: 0.98 to 1
  int threads = 1;
  // Seeds SentencePiece's random generator (process-wide in SentencePiece), used only to sample maxSentences of
  // a larger input.
  std::optional<uint32_t> seed;
  // At most this many sentences are used, a random sample when there are more.
  int64_t maxSentences = 10'000'000;
};

// Trains a model on sentences held in memory (no files) and returns it serialized. Empty sentences are skipped.
// Throws std::invalid_argument for options or input SentencePiece would refuse, std::runtime_error for other
// trainer failures, with SentencePiece's message.
std::string TrainSentencePiece(const std::vector<std::string>& sentences, const TrainOptions& options);

// SentencePiece's version when the addon was built with it.
std::optional<std::string> SentencePieceVersion();
// Where the build found SentencePiece ("pkg-config: /usr/include, /usr/lib/x86_64-linux-gnu"), or empty.
std::string SentencePieceSource();

// Thrown by every function above when the addon was built without SentencePiece.
extern const char* const kBuiltWithoutSentencePiece;

// The entry point of seq2seq_sentencepiece.so (the symbol kLibraryEntry): one object per process.
class SentencePieceLibrary {
 public:
  virtual ~SentencePieceLibrary() = default;
  virtual std::unique_ptr<SentencePieceModel> Load(std::string_view bytes) const = 0;
  virtual std::string Train(const std::vector<std::string>& sentences, const TrainOptions& options) const = 0;
};
inline constexpr const char* kLibraryEntry = "seq2seq_sentencepiece_library";
using LibraryEntry = const SentencePieceLibrary* (*)();

}  // namespace seq2seq::subword

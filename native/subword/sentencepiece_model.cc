// The code that calls SentencePiece: built into seq2seq_sentencepiece.so, a library of its own that the addon opens
// on first use (see sentencepiece_model.h for why), linked with libsentencepiece and libsentencepiece_train.
#include "subword/sentencepiece_model.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace seq2seq::subword {

namespace {

// SentencePiece's statuses read "Internal: ./src/file.cc(123) [condition] message": keep the message, or the
// condition when there is none.
std::string StatusMessage(const sentencepiece::util::Status& status) {
  std::string text = status.error_message();
  const auto open = text.find(") [");
  if (open != std::string::npos) {
    const auto close = text.find("] ", open);
    if (close != std::string::npos && close + 2 < text.size()) return text.substr(close + 2);
    const auto end = text.rfind(']');
    if (end != std::string::npos && end > open + 3) return text.substr(open + 3, end - open - 3);
  }
  return text;
}

class ProcessorModel final : public SentencePieceModel {
 public:
  explicit ProcessorModel(std::string_view bytes) {
    if (bytes.empty()) throw std::invalid_argument("not a SentencePiece model: no bytes");
    const auto status = processor_.LoadFromSerializedProto(absl::string_view(bytes.data(), bytes.size()));
    if (!status.ok()) {
      const std::string detail = StatusMessage(status);
      throw std::invalid_argument(detail.find("ParseFromArray") != std::string::npos
                                      ? "not a SentencePiece model: the bytes are not a serialized ModelProto"
                                      : "not a usable SentencePiece model: " + detail);
    }
    const int size = processor_.GetPieceSize();
    if (size <= 0) throw std::invalid_argument("not a usable SentencePiece model: it has no pieces");
    pieces_.reserve(size);
    for (int id = 0; id < size; ++id) pieces_.push_back(processor_.IdToPiece(id));
  }

  const std::vector<std::string>& Pieces() const override { return pieces_; }
  int UnkId() const override { return processor_.unk_id(); }
  int BosId() const override { return processor_.bos_id(); }
  int EosId() const override { return processor_.eos_id(); }
  int PadId() const override { return processor_.pad_id(); }

  std::vector<std::vector<std::string>> EncodeAsPieces(const std::vector<std::string>& texts) const override {
    std::vector<std::vector<std::string>> out(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
      const auto status = processor_.Encode(texts[i], &out[i]);
      if (!status.ok())
        throw std::runtime_error("SentencePiece could not encode text " + std::to_string(i) + ": " +
                                 StatusMessage(status));
    }
    return out;
  }

  std::vector<std::string> DecodePieces(const std::vector<std::vector<std::string>>& pieces) const override {
    std::vector<std::string> out(pieces.size());
    for (size_t i = 0; i < pieces.size(); ++i) {
      const auto status = processor_.Decode(pieces[i], &out[i]);
      if (!status.ok())
        throw std::runtime_error("SentencePiece could not decode piece list " + std::to_string(i) + ": " +
                                 StatusMessage(status));
    }
    return out;
  }

  std::string Serialized() const override {
    const auto bytes = processor_.serialized_model_proto();
    return std::string(bytes.data(), bytes.size());
  }

 private:
  sentencepiece::SentencePieceProcessor processor_;
  std::vector<std::string> pieces_;
};

// The sentences in memory, empty ones skipped.
class VectorIterator final : public sentencepiece::SentenceIterator {
 public:
  explicit VectorIterator(const std::vector<std::string>& sentences) : sentences_(sentences) { Skip(); }
  bool done() const override { return at_ >= sentences_.size(); }
  void Next() override {
    ++at_;
    Skip();
  }
  const std::string& value() const override { return sentences_[at_]; }
  sentencepiece::util::Status status() const override { return sentencepiece::util::Status(); }

 private:
  void Skip() {
    while (at_ < sentences_.size() && sentences_[at_].empty()) ++at_;
  }
  const std::vector<std::string>& sentences_;
  size_t at_ = 0;
};

// Every check SentencePiece would make with a bare or aborting message, made first with a clear one.
void CheckTrainInput(const std::vector<std::string>& sentences, const TrainOptions& o) {
  size_t usable = 0;
  for (const auto& s : sentences) usable += s.empty() ? 0 : 1;
  if (usable == 0) {
    throw std::invalid_argument(sentences.empty() ? "no sentences to train SentencePiece on"
                                                  : "no sentences to train SentencePiece on: all " +
                                                        std::to_string(sentences.size()) + " are empty");
  }
  // <unk>, <sos> and <eos> take ids 0 to 2: the vocabulary needs room for them and at least one piece.
  if (o.vocabSize < 4) {
    throw std::invalid_argument("vocabSize must be at least 4 (<unk>, <sos>, <eos> and one piece), got " +
                                std::to_string(o.vocabSize));
  }
  if (o.modelType != "unigram" && o.modelType != "bpe") {
    throw std::invalid_argument("modelType must be \"unigram\" or \"bpe\", got \"" + o.modelType + "\"");
  }
  if (!(o.characterCoverage >= 0.98 && o.characterCoverage <= 1.0)) {
    throw std::invalid_argument("characterCoverage must be from 0.98 to 1 (SentencePiece's range), got " +
                                std::to_string(o.characterCoverage));
  }
  if (o.threads < 1 || o.threads > 1024) {
    throw std::invalid_argument("threads must be from 1 to 1024, got " + std::to_string(o.threads));
  }
  if (o.maxSentences < 1) {
    throw std::invalid_argument("maxSentences must be at least 1, got " + std::to_string(o.maxSentences));
  }
  if (o.seed && *o.seed == 0xFFFFFFFFu) {
    throw std::invalid_argument("seed must be below 4294967295 (SentencePiece reserves that value)");
  }
}

class Library final : public SentencePieceLibrary {
 public:
  std::unique_ptr<SentencePieceModel> Load(std::string_view bytes) const override {
    return std::make_unique<ProcessorModel>(bytes);
  }

  std::string Train(const std::vector<std::string>& sentences, const TrainOptions& o) const override {
    CheckTrainInput(sentences, o);
    if (o.seed) sentencepiece::SetRandomGeneratorSeed(*o.seed);
    // The map form of Train logs nothing before minloglevel takes effect (the string form logs its command line).
    const std::unordered_map<std::string, std::string> args = {
        {"minloglevel", "3"},
        {"vocab_size", std::to_string(o.vocabSize)},
        {"model_type", o.modelType},
        {"character_coverage", std::to_string(o.characterCoverage)},
        {"num_threads", std::to_string(o.threads)},
        {"input_sentence_size", std::to_string(o.maxSentences)},
        {"shuffle_input_sentence", "true"},
        // A small corpus may not hold vocabSize unigram pieces: fewer is better than failing.
        {"hard_vocab_limit", o.modelType == "unigram" ? "false" : "true"},
        {"unk_id", "0"},
        {"bos_id", "1"},
        {"eos_id", "2"},
        {"pad_id", "-1"},
        {"unk_piece", "<unk>"},
        {"bos_piece", "<sos>"},
        {"eos_piece", "<eos>"},
    };
    VectorIterator iterator(sentences);
    std::string model;
    const auto status = sentencepiece::SentencePieceTrainer::Train(args, &iterator, &model);
    if (!status.ok()) {
      std::string message = StatusMessage(status);
      if (message.find("!sentences_.empty()") != std::string::npos) {
        message = "no usable sentences (SentencePiece skips sentences longer than 4192 bytes)";
      }
      if (message.find("Vocabulary size too high") != std::string::npos ||
          message.find("Vocabulary size is too high") != std::string::npos) {
        message += o.modelType == "bpe" ? " BPE cannot make more pieces than the corpus's merges allow: choose a "
                                          "smaller vocabSize, or train on more text."
                                        : " Choose a smaller vocabSize.";
      }
      throw std::invalid_argument("SentencePiece training failed: " + message);
    }
    return model;
  }
};

}  // namespace

}  // namespace seq2seq::subword

// The library's one entry point, looked up by name (kLibraryEntry) after dlopen.
extern "C" __attribute__((visibility("default"))) const seq2seq::subword::SentencePieceLibrary*
seq2seq_sentencepiece_library() {
  static const seq2seq::subword::Library library;
  return &library;
}

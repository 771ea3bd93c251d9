// Opens seq2seq_sentencepiece.so (sentencepiece_model.cc) beside the addon on first use, with its own symbol scope
// (see sentencepiece_model.h), and forwards to it. Built into the core; without SentencePiece
// (SEQ2SEQ_WITH_SENTENCEPIECE undefined) every entry throws kBuiltWithoutSentencePiece.
#include <dlfcn.h>

#include <mutex>
#include <stdexcept>
#include <string>

#include "subword/sentencepiece_model.h"

namespace seq2seq::subword {

const char* const kBuiltWithoutSentencePiece =
    "seq2seq-node was built without SentencePiece: install libsentencepiece-dev (Debian/Ubuntu: sudo apt-get "
    "install libsentencepiece-dev) and run npm rebuild seq2seq-node";

namespace {

#ifdef SEQ2SEQ_WITH_SENTENCEPIECE
constexpr const char* kLibraryFile = "seq2seq_sentencepiece.so";

// The folder of the object this function is in: the addon (seq2seq.node), which the library sits beside.
std::string AddonFolder() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&AddonFolder), &info) == 0 || info.dli_fname == nullptr) return ".";
  const std::string path = info.dli_fname;
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

const SentencePieceLibrary& Library() {
  static std::once_flag once;
  static const SentencePieceLibrary* library = nullptr;
  static std::string error;
  std::call_once(once, [] {
    const std::string path = AddonFolder() + "/" + kLibraryFile;
    // RTLD_DEEPBIND: libsentencepiece's protobuf-lite binds to itself even where the process has made libtorch's
    // libprotobuf global. Never closed: models may outlive any one user.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (handle == nullptr) {
      const char* why = dlerror();
      error = "cannot load SentencePiece (" + path + "): " + (why ? why : "unknown error") +
              "; reinstall libsentencepiece-dev and run npm rebuild seq2seq-node";
      return;
    }
    const auto entry = reinterpret_cast<LibraryEntry>(dlsym(handle, kLibraryEntry));
    if (entry == nullptr) {
      error = path + " has no " + kLibraryEntry + ": run npm rebuild seq2seq-node";
      return;
    }
    library = entry();
  });
  if (library == nullptr) throw std::runtime_error(error);
  return *library;
}
#else
[[noreturn]] const SentencePieceLibrary& Library() { throw std::runtime_error(kBuiltWithoutSentencePiece); }
#endif

}  // namespace

std::unique_ptr<SentencePieceModel> SentencePieceModel::FromBytes(std::string_view bytes) {
  return Library().Load(bytes);
}

std::string TrainSentencePiece(const std::vector<std::string>& sentences, const TrainOptions& options) {
  return Library().Train(sentences, options);
}

std::optional<std::string> SentencePieceVersion() {
#ifdef SEQ2SEQ_SENTENCEPIECE_VERSION
  return std::string(SEQ2SEQ_SENTENCEPIECE_VERSION);
#else
  return std::nullopt;
#endif
}

std::string SentencePieceSource() {
#ifdef SEQ2SEQ_SENTENCEPIECE_SOURCE
  return SEQ2SEQ_SENTENCEPIECE_SOURCE;
#else
  return "";
#endif
}

}  // namespace seq2seq::subword

#include "distributed/connect_deadline.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

namespace seq2seq {

namespace {

// The addresses `host` resolves to, as sockaddr bytes with `port`.
std::vector<sockaddr_storage> Resolve(const std::string& host, int port) {
  std::vector<sockaddr_storage> out;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return out;
  for (auto* a = found; a != nullptr; a = a->ai_next) {
    sockaddr_storage s{};
    std::memcpy(&s, a->ai_addr, a->ai_addrlen);
    out.push_back(s);
  }
  freeaddrinfo(found);
  return out;
}

// c10d connects through dual-stack IPv6 sockets: an IPv4 peer shows as ::ffff:a.b.c.d; compare it as IPv4.
sockaddr_storage Unmapped(const sockaddr_storage& s) {
  if (s.ss_family != AF_INET6) return s;
  const auto& v6 = reinterpret_cast<const sockaddr_in6&>(s);
  if (!IN6_IS_ADDR_V4MAPPED(&v6.sin6_addr)) return s;
  sockaddr_storage out{};
  auto& v4 = reinterpret_cast<sockaddr_in&>(out);
  v4.sin_family = AF_INET;
  v4.sin_port = v6.sin6_port;
  std::memcpy(&v4.sin_addr, &v6.sin6_addr.s6_addr[12], 4);
  return out;
}

bool SameEndpoint(const sockaddr_storage& first, const sockaddr_storage& second) {
  const sockaddr_storage a = Unmapped(first);
  const sockaddr_storage b = Unmapped(second);
  if (a.ss_family != b.ss_family) return false;
  if (a.ss_family == AF_INET) {
    const auto& x = reinterpret_cast<const sockaddr_in&>(a);
    const auto& y = reinterpret_cast<const sockaddr_in&>(b);
    return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr;
  }
  if (a.ss_family == AF_INET6) {
    const auto& x = reinterpret_cast<const sockaddr_in6&>(a);
    const auto& y = reinterpret_cast<const sockaddr_in6&>(b);
    return x.sin6_port == y.sin6_port && std::memcmp(&x.sin6_addr, &y.sin6_addr, sizeof x.sin6_addr) == 0;
  }
  return false;
}

// Shuts down (both ways) every socket of this process whose peer is one of `peers`.
void ShutDownSocketsTo(const std::vector<sockaddr_storage>& peers) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return;
  while (const dirent* entry = readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == dirfd(dir)) continue;
    struct stat st {};
    if (fstat(static_cast<int>(fd), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    if (getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &length) != 0) continue;
    for (const auto& p : peers) {
      if (SameEndpoint(peer, p)) {
        shutdown(static_cast<int>(fd), SHUT_RDWR);
        break;
      }
    }
  }
  closedir(dir);
}

}  // namespace

ConnectDeadline::ConnectDeadline(std::string host, int port, std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  thread_ = std::thread([this, deadline] { Watch(deadline); });
}

ConnectDeadline::~ConnectDeadline() { Finish(); }

bool ConnectDeadline::Finish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
  }
  done_.notify_all();
  if (thread_.joinable()) thread_.join();
  return fired_;
}

void ConnectDeadline::Watch(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (done_.wait_until(lock, deadline, [this] { return finished_; })) return;
  // Under the lock: Finish() cannot report success while the sockets are being shut down.
  fired_ = true;
  ShutDownSocketsTo(Resolve(host_, port_));
}

}  // namespace seq2seq

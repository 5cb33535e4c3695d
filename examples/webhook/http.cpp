#include "http.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <string_view>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

namespace webhook {

namespace {

constexpr size_t kMaxHeader = 16 * 1024;
constexpr size_t kMaxBody = 1024 * 1024;

Response err(int status, std::string_view what) {
  return {status, fmt::format("{{\"error\":\"{}\"}}", what)};
}

// recv() that retries on EINTR; returns bytes read, 0 on EOF or timeout/error.
size_t recv_some(int fd, char* buf, size_t len) {
  for (;;) {
    ssize_t n = recv(fd, buf, len, 0);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return 0;
  }
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client went away; nothing left to tell it
    data.remove_prefix(static_cast<size_t>(n));
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 500: return "Internal Server Error";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

bool read_request(int fd, Request& req, Response& error) {
  std::string buf;
  size_t header_end;
  char chunk[4096];
  while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
    if (buf.size() > kMaxHeader) {
      error = err(413, "headers too large");
      return false;
    }
    size_t n = recv_some(fd, chunk, sizeof chunk);
    if (n == 0) {
      error = {0, ""};
      return false;
    }
    buf.append(chunk, n);
  }
  std::string_view head(buf.data(), header_end);
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) {
    error = err(400, "malformed request line");
    return false;
  }
  req.method = std::string(line.substr(0, sp1));
  req.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  std::string_view version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    error = err(505, "only HTTP/1.0 and HTTP/1.1");
    return false;
  }
  if (auto q = req.target.find('?'); q != std::string::npos) req.target.resize(q);

  size_t pos = eol == std::string_view::npos ? head.size() : eol + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string_view::npos) end = head.size();
    std::string_view h = head.substr(pos, end - pos);
    size_t colon = h.find(':');
    if (colon == std::string_view::npos) {
      error = err(400, "malformed header");
      return false;
    }
    req.headers[lower(std::string(h.substr(0, colon)))] = trim(h.substr(colon + 1));
    pos = end + 2;
  }

  if (req.headers.count("transfer-encoding")) {
    error = err(411, "chunked bodies are not supported; send Content-Length");
    return false;
  }
  size_t length = 0;
  if (auto it = req.headers.find("content-length"); it != req.headers.end()) {
    try {
      size_t used = 0;
      unsigned long long v = std::stoull(it->second, &used);
      if (used != it->second.size()) throw std::invalid_argument("trailing text");
      length = v;
    } catch (const std::exception&) {
      error = err(400, "bad Content-Length");
      return false;
    }
  }
  if (length > kMaxBody) {
    error = err(413, "body larger than 1 MiB");
    return false;
  }
  if (auto it = req.headers.find("expect"); it != req.headers.end() && lower(it->second) == "100-continue")
    send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n");

  req.body = buf.substr(header_end + 4);
  while (req.body.size() < length) {
    size_t n = recv_some(fd, chunk, std::min(sizeof chunk, length - req.body.size()));
    if (n == 0) {
      error = {0, ""};
      return false;
    }
    req.body.append(chunk, n);
  }
  req.body.resize(length);
  return true;
}

void write_response(int fd, const Response& resp) {
  std::string body = resp.body + "\n";
  send_all(fd, fmt::format("HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n"
                           "Connection: close\r\n\r\n{}",
                           resp.status, reason_phrase(resp.status), body.size(), body));
}

}  // namespace webhook

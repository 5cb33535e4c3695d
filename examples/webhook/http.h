// Just enough HTTP/1.1 for a webhook receiver: one request per connection,
// Content-Length bodies, "Connection: close" answers.
#pragma once

#include <map>
#include <string>

namespace webhook {

struct Request {
  std::string method;
  std::string target;                         // path, query removed
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
};

struct Response {
  int status = 200;
  std::string body;  // JSON text
};

// Reads one request from the connected socket `fd` (which has a receive timeout).
// On a malformed, oversized or unsupported request returns false and sets `error`
// to the answer to send (400, 411, 413, 505); if the peer went away, error.status is 0.
bool read_request(int fd, Request& req, Response& error);

// Sends `resp` with Content-Type: application/json and Connection: close.
void write_response(int fd, const Response& resp);

std::string_view reason_phrase(int status);

}  // namespace webhook

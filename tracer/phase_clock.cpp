#include "tracer/phase_clock.h"

namespace syscribe::tracer {

PhaseClock::PhaseClock(const std::string& first, const std::string& source) {
  clock_gettime(CLOCK_MONOTONIC, &start_);
  names_.push_back(first);
  marks_.push_back(ev::Mark{first, 0.0, source});
}

double PhaseClock::now() const {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec - start_.tv_sec) + static_cast<double>(t.tv_nsec - start_.tv_nsec) * 1e-9;
}

uint32_t PhaseClock::index_of_locked(const std::string& name) {
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<uint32_t>(i);
  names_.push_back(name);
  return static_cast<uint32_t>(names_.size() - 1);
}

void PhaseClock::switch_to(const std::string& name, const std::string& source) {
  std::lock_guard lock(mu_);
  uint32_t idx = index_of_locked(name);
  marks_.push_back(ev::Mark{name, now(), source});
  current_.store(idx, std::memory_order_release);
}

std::string PhaseClock::name(uint32_t index) const {
  std::lock_guard lock(mu_);
  return index < names_.size() ? names_[index] : std::string("?");
}

std::vector<ev::Mark> PhaseClock::marks() const {
  std::lock_guard lock(mu_);
  return marks_;
}

size_t PhaseClock::count() const {
  std::lock_guard lock(mu_);
  return names_.size();
}

}  // namespace syscribe::tracer

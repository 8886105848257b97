#include "supervisors/restart_window.hpp"

namespace xyn::supervisors {

bool restart_window::add_restart(clock::time_point now) {
  if (intensity_ < 0) return true;
  while (!restarts_.empty() && now - restarts_.front() >= period_) restarts_.pop_front();
  restarts_.push_back(now);
  if (restarts_.size() > static_cast<std::size_t>(intensity_)) return false;
  return true;
}

}  // namespace xyn::supervisors

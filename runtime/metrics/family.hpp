#pragma once
// family.hpp — one metric name with its label names, and a child metric per combination of
// label values (Prometheus' "metric family"). Looking a child up takes a mutex; callers on hot
// paths look it up once and keep the reference, which stays valid as long as the registry.
// The registry writes each family out under its HELP and TYPE lines.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace xyn::metrics {

using label_values = std::vector<std::string>;

enum class metric_type { counter, gauge, histogram };
const char* to_string(metric_type t);

// What the registry needs of any family: its identity and its text.
class family_base {
 public:
  family_base(std::string name, std::string help, metric_type type,
              std::vector<std::string> label_names)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        label_names_(std::move(label_names)) {}
  virtual ~family_base() = default;
  family_base(const family_base&) = delete;
  family_base& operator=(const family_base&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  metric_type type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Appends the sample lines of every child (no HELP/TYPE), children ordered by label values.
  virtual void write_samples(std::string& out) const = 0;

 private:
  std::string name_;
  std::string help_;
  metric_type type_;
  std::vector<std::string> label_names_;
};

template <class Metric>
class family : public family_base {
 public:
  using factory = std::function<std::unique_ptr<Metric>()>;
  // Writes one child's samples: (out, family name, label names, label values, child).
  using writer =
      std::function<void(std::string&, const family_base&, const label_values&, const Metric&)>;

  family(std::string name, std::string help, metric_type type, std::vector<std::string> label_names,
         factory make, writer write)
      : family_base(std::move(name), std::move(help), type, std::move(label_names)),
        make_(std::move(make)),
        write_(std::move(write)) {}

  // The child for these label values (one per label name, in order), created at 0 on first
  // use. Throws std::invalid_argument when the number of values is wrong.
  Metric& with(const label_values& values = {}) {
    if (values.size() != label_names().size())
      throw std::invalid_argument("metric " + name() + " takes " +
                                  std::to_string(label_names().size()) + " label values, not " +
                                  std::to_string(values.size()));
    std::lock_guard lock(mu_);
    auto& slot = children_[values];
    if (!slot) slot = make_();
    return *slot;
  }

  void write_samples(std::string& out) const override {
    std::lock_guard lock(mu_);
    for (const auto& [values, child] : children_) write_(out, *this, values, *child);
  }

 private:
  factory make_;
  writer write_;
  mutable std::mutex mu_;
  std::map<label_values, std::unique_ptr<Metric>> children_;
};

}  // namespace xyn::metrics

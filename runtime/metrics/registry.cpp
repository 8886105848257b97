#include "runtime/metrics/registry.hpp"

#include <map>
#include <set>
#include <stdexcept>

#include "runtime/metrics/text_format.hpp"

namespace xyn::metrics {

const char* to_string(metric_type t) {
  switch (t) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
  }
  return "untyped";
}

namespace {

void check_names(const std::string& name, const std::vector<std::string>& label_names) {
  if (!valid_metric_name(name)) throw std::invalid_argument("invalid metric name '" + name + "'");
  std::set<std::string> seen;
  for (const auto& l : label_names) {
    if (!valid_label_name(l))
      throw std::invalid_argument("metric " + name + ": invalid label name '" + l + "'");
    if (!seen.insert(l).second)
      throw std::invalid_argument("metric " + name + ": label '" + l + "' given twice");
  }
}

template <class Metric>
void write_single_value(std::string& out, const family_base& f, const label_values& values,
                        const Metric& m) {
  append_sample(out, f.name(), format_labels(f.label_names(), values), m.value());
}

void write_histogram(std::string& out, const family_base& f, const label_values& values,
                     const histogram& h) {
  auto s = h.read();
  auto bucket = f.name() + "_bucket";
  for (size_t i = 0; i < s.upper.size(); ++i)
    append_sample(out, bucket,
                  format_labels(f.label_names(), values, "le", format_value(s.upper[i])),
                  static_cast<double>(s.cumulative[i]));
  auto labels = format_labels(f.label_names(), values);
  append_sample(out, f.name() + "_sum", labels, s.sum);
  append_sample(out, f.name() + "_count", labels, static_cast<double>(s.count));
}

}  // namespace

struct registry::impl {
  mutable std::mutex mu;
  std::vector<std::unique_ptr<family_base>> families;  // registration order
  std::map<std::string, family_base*> by_name;
  std::map<std::string, bucket_bounds> bounds_of;  // histogram families
  std::vector<std::function<void()>> collectors;

  // The family already registered as `name` when its shape matches; nullptr when there is
  // none. Throws on a clash. REQUIRES: mu held.
  family_base* existing(const std::string& name, metric_type type,
                        const std::vector<std::string>& label_names) const {
    auto it = by_name.find(name);
    if (it == by_name.end()) return nullptr;
    if (it->second->type() != type || it->second->label_names() != label_names)
      throw std::invalid_argument("metric " + name +
                                  " is already registered with another type or labels");
    return it->second;
  }

  template <class Metric>
  family<Metric>& add(const std::string& name, const std::string& help, metric_type type,
                      const std::vector<std::string>& label_names,
                      typename family<Metric>::factory make,
                      typename family<Metric>::writer write) {
    auto f = std::make_unique<family<Metric>>(name, help, type, label_names, std::move(make),
                                              std::move(write));
    auto& out = *f;
    by_name[name] = f.get();
    families.push_back(std::move(f));
    return out;
  }

  // A counter or gauge family: registered once, the same one handed back after that.
  template <class Metric>
  family<Metric>& add_single_value(const std::string& name, const std::string& help,
                                   metric_type type, const std::vector<std::string>& label_names) {
    check_names(name, label_names);
    std::lock_guard lock(mu);
    if (auto* f = existing(name, type, label_names)) return static_cast<family<Metric>&>(*f);
    return add<Metric>(
        name, help, type, label_names, [] { return std::make_unique<Metric>(); },
        write_single_value<Metric>);
  }
};

registry::registry() : impl_(std::make_unique<impl>()) {}
registry::~registry() = default;

family<counter>& registry::add_counter(const std::string& name, const std::string& help,
                                       const std::vector<std::string>& label_names) {
  return impl_->add_single_value<counter>(name, help, metric_type::counter, label_names);
}

family<gauge>& registry::add_gauge(const std::string& name, const std::string& help,
                                   const std::vector<std::string>& label_names) {
  return impl_->add_single_value<gauge>(name, help, metric_type::gauge, label_names);
}

family<histogram>& registry::add_histogram(const std::string& name, const std::string& help,
                                           const std::vector<std::string>& label_names,
                                           const bucket_bounds& bounds) {
  check_names(name, label_names);
  for (const auto& l : label_names)
    if (l == "le") throw std::invalid_argument("histogram " + name + ": 'le' is a reserved label");
  if (std::string why = check_bounds(bounds); !why.empty())
    throw std::invalid_argument("histogram " + name + ": " + why);
  std::lock_guard lock(impl_->mu);
  if (auto* f = impl_->existing(name, metric_type::histogram, label_names)) {
    if (impl_->bounds_of[name] != bounds)
      throw std::invalid_argument("histogram " + name +
                                  " is already registered with other buckets");
    return static_cast<family<histogram>&>(*f);
  }
  impl_->bounds_of[name] = bounds;
  auto shared = std::make_shared<const bucket_bounds>(bounds);
  return impl_->add<histogram>(
      name, help, metric_type::histogram, label_names,
      [shared] { return std::make_unique<histogram>(shared); }, write_histogram);
}

void registry::on_collect(std::function<void()> fn) {
  std::lock_guard lock(impl_->mu);
  impl_->collectors.push_back(std::move(fn));
}

std::string registry::expose() const {
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard lock(impl_->mu);
    collectors = impl_->collectors;
  }
  for (auto& c : collectors) c();
  std::string out;
  std::lock_guard lock(impl_->mu);
  for (const auto& f : impl_->families) {
    out += "# HELP ";
    out += f->name();
    out += ' ';
    out += escape_help(f->help());
    out += "\n# TYPE ";
    out += f->name();
    out += ' ';
    out += to_string(f->type());
    out += '\n';
    f->write_samples(out);
  }
  return out;
}

}  // namespace xyn::metrics

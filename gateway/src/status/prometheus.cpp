#include "status/prometheus.h"

#include <charconv>
#include <cmath>

namespace yard::status {
namespace {

bool isNameStart(char c, bool colon_ok) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_ok && c == ':');
}

bool isNameChar(char c, bool colon_ok) {
  return isNameStart(c, colon_ok) || (c >= '0' && c <= '9');
}

bool validName(std::string_view name, bool colon_ok) {
  if (name.empty() || !isNameStart(name.front(), colon_ok)) return false;
  for (char c : name)
    if (!isNameChar(c, colon_ok)) return false;
  return true;
}

void appendEscaped(std::string& out, std::string_view text, bool quote_too) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote_too && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void appendValue(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else if (std::trunc(value) == value && std::fabs(value) < 9007199254740992.0) {
    out += std::to_string(static_cast<long long>(value));
  } else {
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, ec == std::errc() ? end : buffer);
  }
}

bool labelsValid(const MetricFamily& family) {
  for (const auto& sample : family.samples)
    for (const auto& [name, value] : sample.labels)
      if (!isValidLabelName(name)) return false;
  return true;
}

}  // namespace

bool isValidMetricName(std::string_view name) { return validName(name, true); }

bool isValidLabelName(std::string_view name) {
  return validName(name, false) && name.substr(0, 2) != "__";
}

std::string sanitizeMetricName(std::string_view name) {
  std::string out(name);
  for (size_t i = 0; i < out.size(); ++i)
    if (!(i == 0 ? isNameStart(out[i], true) : isNameChar(out[i], true))) out[i] = '_';
  return out.empty() ? "_" : out;
}

std::string renderPrometheus(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const auto& family : families) {
    if (!isValidMetricName(family.name) || !labelsValid(family)) continue;
    out += "# HELP " + family.name + " ";
    appendEscaped(out, family.help, false);
    out += "\n# TYPE " + family.name +
           (family.type == MetricType::kCounter ? " counter\n" : " gauge\n");
    for (const auto& sample : family.samples) {
      out += family.name;
      if (!sample.labels.empty()) {
        out += '{';
        for (size_t i = 0; i < sample.labels.size(); ++i) {
          if (i) out += ',';
          out += sample.labels[i].first + "=\"";
          appendEscaped(out, sample.labels[i].second, true);
          out += '"';
        }
        out += '}';
      }
      out += ' ';
      appendValue(out, sample.value);
      out += '\n';
    }
  }
  return out;
}

}  // namespace yard::status

#include "domain/tzif.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace dynamo_es::detail {
namespace {

constexpr std::size_t header_size = 44;
constexpr std::size_t max_file_size = 1 << 20;

// Big-endian reads with bounds checks; `ok` turns false on the first read past the end.
class byte_reader {
 public:
  explicit byte_reader(std::string_view bytes) : bytes_(bytes) {}

  std::int64_t read(std::size_t width) {
    if (!ok || bytes_.size() - pos_ < width) {
      ok = false;
      return 0;
    }
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i) {
      value = (value << 8) | static_cast<unsigned char>(bytes_[pos_ + i]);
    }
    pos_ += width;
    if (width == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(value));
    return static_cast<std::int64_t>(value);
  }

  void skip(std::size_t count) {
    if (!ok || bytes_.size() - pos_ < count) {
      ok = false;
      return;
    }
    pos_ += count;
  }

  [[nodiscard]] std::size_t position() const { return pos_; }
  [[nodiscard]] std::string_view rest() const { return bytes_.substr(pos_); }

  bool ok = true;

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

struct tzif_counts {
  std::size_t isut = 0, isstd = 0, leap = 0, time = 0, type = 0, chars = 0;

  [[nodiscard]] std::size_t data_size(std::size_t time_width) const {
    return time * time_width + time + type * 6 + chars + leap * (time_width + 4) + isstd + isut;
  }
};

bool read_header(byte_reader& in, char& version, tzif_counts& counts) {
  const std::string_view magic = in.rest().substr(0, 4);
  if (magic != "TZif") return false;
  in.skip(4);
  version = static_cast<char>(in.read(1));
  in.skip(15);
  counts.isut = static_cast<std::size_t>(in.read(4));
  counts.isstd = static_cast<std::size_t>(in.read(4));
  counts.leap = static_cast<std::size_t>(in.read(4));
  counts.time = static_cast<std::size_t>(in.read(4));
  counts.type = static_cast<std::size_t>(in.read(4));
  counts.chars = static_cast<std::size_t>(in.read(4));
  return in.ok && counts.type > 0 && counts.type <= 256 && counts.time <= max_file_size;
}

bool safe_zone_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '/' ||
      name.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '_' || c == '-' || c == '+';
  });
}

}  // namespace

std::optional<tzif_zone> tzif_zone::load(std::string_view name) {
  if (!safe_zone_name(name)) return std::nullopt;
  const char* dir = std::getenv("TZDIR");
  std::string path = (dir != nullptr && *dir != '\0') ? dir : "/usr/share/zoneinfo";
  path += '/';
  path += name;
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::string bytes(max_file_size, '\0');
  file.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(file.gcount()));
  return parse(bytes);
}

std::optional<tzif_zone> tzif_zone::parse(std::string_view bytes) {
  byte_reader in{bytes};
  char version = 0;
  tzif_counts counts;
  if (!read_header(in, version, counts)) return std::nullopt;
  std::size_t time_width = 4;
  if (version >= '2') {
    // Skip the 32-bit block: the second header and 64-bit data follow it.
    in.skip(counts.data_size(4));
    if (!read_header(in, version, counts)) return std::nullopt;
    time_width = 8;
  }

  tzif_zone zone;
  zone.transitions_.reserve(counts.time);
  for (std::size_t i = 0; i < counts.time; ++i) zone.transitions_.push_back(in.read(time_width));
  for (std::size_t i = 0; i < counts.time; ++i) {
    const auto type = static_cast<std::uint8_t>(in.read(1));
    if (type >= counts.type) return std::nullopt;
    zone.transition_types_.push_back(type);
  }
  for (std::size_t i = 0; i < counts.type; ++i) {
    zone.type_offsets_.push_back(static_cast<std::int32_t>(in.read(4)));
    in.skip(2);  // isdst, abbreviation index
  }
  in.skip(counts.chars + counts.leap * (time_width + 4) + counts.isstd + counts.isut);
  if (!in.ok || !std::is_sorted(zone.transitions_.begin(), zone.transitions_.end())) {
    return std::nullopt;
  }
  if (time_width == 8) {
    // Footer: "\n<POSIX TZ string>\n"; an empty string means "no rule".
    const std::string_view rest = in.rest();
    if (rest.size() >= 2 && rest.front() == '\n') {
      const std::size_t end = rest.find('\n', 1);
      if (end != std::string_view::npos) {
        zone.footer_ = posix_tz_rule::parse(rest.substr(1, end - 1));
      }
    }
  }
  return zone;
}

std::int32_t tzif_zone::offset_at(std::int64_t utc_seconds) const {
  if (transitions_.empty() || utc_seconds >= transitions_.back()) {
    if (footer_) return footer_->offset_at(utc_seconds);
  }
  if (transitions_.empty() || utc_seconds < transitions_.front()) {
    return type_offsets_.front();  // RFC 8536: type 0 applies before the first transition
  }
  const auto after = std::upper_bound(transitions_.begin(), transitions_.end(), utc_seconds);
  const auto index = static_cast<std::size_t>(std::distance(transitions_.begin(), after) - 1);
  return type_offsets_[transition_types_[index]];
}

std::int64_t tzif_zone::utc_from_local(std::int64_t local_seconds) const {
  // Two refinement steps find the offset in effect just before the wall-clock time.
  const std::int32_t guess = offset_at(local_seconds);
  return local_seconds - offset_at(local_seconds - guess);
}

}  // namespace dynamo_es::detail

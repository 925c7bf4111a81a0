// Fuzz target: the TZif reader and the POSIX TZ rule parser (src/domain/tzif.*, posix_tz.*),
// which date_time uses for named zones (`2014-01-01T12:00:00 Europe/Amsterdam`). The files come
// from the system's zoneinfo, not from users, but the reader is a binary parser we wrote, so it
// gets the same treatment as the decoders.
//
// The input is read both as a TZif file and as a POSIX TZ string. The offsets of accepted inputs
// are queried at instants within years 0000-9999, the only ones date_time can ask for. The offsets
// themselves are not checked: a TZif file may hold any (date_time rejects offsets of 100 h or
// more); what must not happen is a crash, an out-of-bounds read or undefined behaviour.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "domain/posix_tz.hpp"
#include "domain/tzif.hpp"

namespace {

// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z, widened by a day for local-time queries.
constexpr std::int64_t earliest = -62167219200 - 86400;
constexpr std::int64_t latest = 253402300799 + 86400;

// A few fixed instants plus some taken from the input, folded into [earliest, latest].
template <typename Visit>
void for_each_instant(std::string_view input, Visit&& visit) {
  for (const std::int64_t t :
       {earliest, std::int64_t{-2208988800}, std::int64_t{0}, std::int64_t{1394633839},
        std::int64_t{2147483647}, std::int64_t{4102444800}, latest}) {
    visit(t);
  }
  constexpr std::uint64_t span = static_cast<std::uint64_t>(latest - earliest) + 1;
  for (std::size_t i = 0; i + 8 <= input.size() && i < 64; i += 8) {
    std::uint64_t raw = 0;
    std::memcpy(&raw, input.data() + i, 8);
    visit(earliest + static_cast<std::int64_t>(raw % span));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using dynamo_es::detail::posix_tz_rule;
  using dynamo_es::detail::tzif_zone;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (const auto zone = tzif_zone::parse(input)) {
    for_each_instant(input, [&](std::int64_t t) {
      (void)zone->offset_at(t);
      (void)zone->utc_from_local(t);
    });
  }
  if (const auto rule = posix_tz_rule::parse(input)) {
    for_each_instant(input, [&](std::int64_t t) { (void)rule->offset_at(t); });
  }
  return 0;
}

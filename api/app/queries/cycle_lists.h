#pragma once
// Private to api/app's queries: the cycles a list names (list_cycles, get_board, get_statistics,
// get_unit_record), checked, read and seen as of a point, and the names of their units.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "api/app/queries/as_of.h"

namespace thidua::api {

// Which cycles (empty = any).
struct cycle_filter {
  std::string organizer_id;
  std::string series;
  std::uint32_t year = 0;
  std::string number;
};

// The filter, checked ("<query>.organizer_id" … name a bad one), its cluster number normalized.
result<cycle_filter> checked_cycle_filter(const std::string& query, const std::string& organizer_id,
                                          const std::string& series, std::uint32_t year,
                                          const std::string& number);

// The cycles the filter names that the reader may read (the catalog's order), as of a point; the answer's
// as_of_position and folded_events are set.
result<std::vector<domain::pb::CycleView>> readable_cycles(const query_context& c, const cycle_filter& f,
                                                           const as_of_point& as_of, pb::QueryResult& out);

// Units' names in force on a day (the name registered, or the latest rename by then), read once each.
class unit_names {
 public:
  unit_names(const query_context& c, std::string day) : c_(c), day_(std::move(day)) {}
  result<std::string> of(const std::string& unit);

 private:
  const query_context& c_;
  std::string day_;
  std::map<std::string, std::string> names_;
};

}  // namespace thidua::api

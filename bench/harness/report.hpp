#pragma once

// Printing: the header (machine, endpoint, settings) and the result rows, as an aligned table or
// as JSON Lines (one object per row, with the fields first).

#include <iosfwd>
#include <string>
#include <vector>

#include "measurement.hpp"
#include "workload.hpp"

namespace dynamo_es::bench {

/// The machine the client runs on.
struct machine_info {
  long nproc = 0;
  std::string cpu_model;
  std::string kernel;
  std::string load_average;  ///< "1.02 0.88 0.75" at the start
};

[[nodiscard]] machine_info describe_machine();

class report {
 public:
  report(std::ostream& out, const bench_config& config, machine_info machine);

  /// The header (table mode only: JSON lines carry the machine in every row).
  void header();
  /// The rows of one workload.
  void rows(const std::vector<result_row>& rows);

 private:
  void table_row(const result_row& row);
  void json_row(const result_row& row);

  std::ostream& out_;
  const bench_config& config_;
  machine_info machine_;
  bool table_header_printed_ = false;
};

}  // namespace dynamo_es::bench

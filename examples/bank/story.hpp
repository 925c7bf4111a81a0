#pragma once

// How the demo talks: numbered steps, indented lines, and checks that decide the exit code (so
// the demo doubles as a smoke test).

#include <iostream>
#include <string>

namespace bank {

class story {
 public:
  explicit story(std::ostream& out = std::cout) : out_(out) {}

  /// "\n[3] Title"
  void step(const std::string& title) { out_ << "\n[" << ++steps_ << "] " << title << "\n"; }
  /// An indented line of the current step.
  void say(const std::string& line) { out_ << "    " << line << "\n"; }
  /// "check: <what> ... ok" or "... FAILED"; returns `holds`.
  bool check(bool holds, const std::string& what) {
    out_ << "    check: " << what << (holds ? " ... ok" : " ... FAILED") << "\n";
    if (!holds) ++failures_;
    ++checks_;
    return holds;
  }

  [[nodiscard]] int checks() const noexcept { return checks_; }
  [[nodiscard]] int failures() const noexcept { return failures_; }

 private:
  std::ostream& out_;
  int steps_ = 0;
  int checks_ = 0;
  int failures_ = 0;
};

}  // namespace bank

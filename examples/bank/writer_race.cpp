#include "writer_race.hpp"

#include <barrier>
#include <cstddef>
#include <exception>
#include <thread>

namespace bank {

std::vector<race_outcome> race(const std::string& account_id, std::vector<race_writer> writers) {
  std::vector<race_outcome> outcomes(writers.size());
  // Everyone has loaded before anyone appends: that is what makes it a race every time rather
  // than only when the scheduler happens to interleave the threads.
  std::barrier all_loaded(static_cast<std::ptrdiff_t>(writers.size()));
  std::vector<std::jthread> threads;
  for (std::size_t i = 0; i < writers.size(); ++i) {
    threads.emplace_back([&, i] {
      auto& writer = writers[i];
      auto& outcome = outcomes[i];
      outcome.name = writer.name;
      outcome.intent = writer.intent;
      bool arrived = false;
      try {
        auto current = writer.commands->load(account_id);
        outcome.loaded_version = current.version();
        writer.decide(current);
        all_loaded.arrive_and_wait();
        arrived = true;
        try {
          outcome.committed = writer.commands->save(current);
          outcome.won_first_try = true;
          outcome.retry_attempts = 0;
          return;
        } catch (const dynamo_es::duplicate_playhead& e) {
          outcome.conflicts = e.conflicts();
          outcome.cancellation_reasons = e.cancellation_reasons();
          outcome.conflict_table = e.table();
        }
        // Lost: load the version the winner left and decide again.
        const auto retried = writer.commands->execute(account_id, writer.decide);
        outcome.committed = retried.appended;
        outcome.retry_attempts = retried.attempts;
      } catch (const std::exception& e) {
        outcome.error = e.what();
        if (!arrived) all_loaded.arrive_and_drop();  // never leave the other writer waiting
      }
    });
  }
  threads.clear();  // joins
  return outcomes;
}

}  // namespace bank

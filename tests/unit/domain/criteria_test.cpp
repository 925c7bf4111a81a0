// Broadway Criteria (contract §2.3, CR-1..CR-4).

#include "dynamo_es/criteria.hpp"

#include <gtest/gtest.h>

#include "dynamo_es/event_store_errors.hpp"

namespace dynamo_es {
namespace {

domain_message message(std::string id, std::string class_name) {
  return domain_message(id, 0, metadata(), {std::move(class_name), "[]"}, date_time::now());
}

const std::string start = "Broadway\\EventStore\\Management\\Testing\\Start";
const std::string middle = "Broadway\\EventStore\\Management\\Testing\\Middle";
const std::string end = "Broadway\\EventStore\\Management\\Testing\\End";
const std::string start_type = "Broadway.EventStore.Management.Testing.Start";
const std::string end_type = "Broadway.EventStore.Management.Testing.End";

TEST(criteria, cr1_create_matches_anything) {
  const criteria any = criteria::create();
  EXPECT_TRUE(any.is_matched_by(message("A", start)));
  EXPECT_TRUE(any.is_matched_by(message("B", middle)));
}

TEST(criteria, cr2_ids_restrict_to_those_aggregates) {
  const criteria ids = criteria::create().with_aggregate_root_ids({"A", "C"});
  EXPECT_TRUE(ids.is_matched_by(message("A", start)));
  EXPECT_FALSE(ids.is_matched_by(message("B", start)));
  EXPECT_TRUE(ids.is_matched_by(message("C", middle)));
}

TEST(criteria, cr2_event_types_restrict_to_those_types) {
  const criteria types = criteria::create().with_event_types({start_type, end_type});
  EXPECT_TRUE(types.is_matched_by(message("A", start)));
  EXPECT_FALSE(types.is_matched_by(message("A", middle)));
  EXPECT_TRUE(types.is_matched_by(message("B", end)));
  // Case-sensitive, and the backslash form is not a type.
  EXPECT_FALSE(criteria::create()
                   .with_event_types({"broadway.eventstore.management.testing.start"})
                   .is_matched_by(message("A", start)));
  EXPECT_FALSE(criteria::create().with_event_types({start}).is_matched_by(message("A", start)));
}

TEST(criteria, cr2_ids_and_types_must_both_hold) {
  const criteria both =
      criteria::create().with_aggregate_root_ids({"A"}).with_event_types({start_type});
  EXPECT_TRUE(both.is_matched_by(message("A", start)));
  EXPECT_FALSE(both.is_matched_by(message("A", middle)));
  EXPECT_FALSE(both.is_matched_by(message("B", start)));
}

TEST(criteria, cr3_with_functions_return_modified_copies) {
  const criteria original = criteria::create();
  const criteria with_ids = original.with_aggregate_root_ids({"A"});
  const criteria with_types = original.with_event_types({start_type});
  const criteria with_roots = original.with_aggregate_root_types({"T"});
  EXPECT_TRUE(original.aggregate_root_ids().empty());
  EXPECT_TRUE(original.event_types().empty());
  EXPECT_TRUE(original.aggregate_root_types().empty());
  EXPECT_EQ(with_ids.aggregate_root_ids(), std::vector<std::string>{"A"});
  EXPECT_EQ(with_types.event_types(), std::vector<std::string>{start_type});
  EXPECT_EQ(with_roots.aggregate_root_types(), std::vector<std::string>{"T"});
  EXPECT_NE(original, with_ids);
}

TEST(criteria, cr4_aggregate_root_types_throw_when_a_message_is_examined) {
  const criteria roots = criteria::create().with_aggregate_root_types(
      {"Broadway.EventStore.Management.Testing.AggregateTypeOne"});
  try {
    static_cast<void>(roots.is_matched_by(message("A", start)));
    FAIL() << "expected criteria_not_supported";
  } catch (const criteria_not_supported& e) {
    EXPECT_STREQ(e.what(), "Cannot match criteria based on aggregate root types.");
  }
  EXPECT_THROW(static_cast<void>(roots.is_matched_by(message("A", start))),
               event_store_management_error);
}

struct identity {
  std::string value;
  explicit operator std::string() const { return value; }
};

TEST(criteria, ids_of_any_kind_are_compared_as_strings) {
  EXPECT_TRUE(criteria::create().with_aggregate_root_ids({42}).is_matched_by(message("42", start)));
  EXPECT_TRUE(criteria::create()
                  .with_aggregate_root_ids(std::vector<int>{1, 42})
                  .is_matched_by(message("42", start)));
  EXPECT_TRUE(criteria::create()
                  .with_aggregate_root_ids({identity{"x"}})
                  .is_matched_by(message("x", start)));
  // PHP's loose comparison would match "042" with 42; string comparison does not.
  EXPECT_FALSE(
      criteria::create().with_aggregate_root_ids({42}).is_matched_by(message("042", start)));
  EXPECT_FALSE(
      criteria::create().with_aggregate_root_ids({42}).is_matched_by(message("42abc", start)));
}

}  // namespace
}  // namespace dynamo_es

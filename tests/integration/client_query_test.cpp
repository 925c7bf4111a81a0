// Query on the base table and the GSI, followed page by page to the end.

#include <gtest/gtest.h>

#include "integration/client_fixture.hpp"

namespace dynamo_es::dynamodb {
namespace {

class client_query_pages : public client_integration {
 protected:
  void write(const std::string& id, int count, int first) {
    for (int i = 0; i < count; ++i) {
      put(event(id, i + 1, first + i));
    }
  }

  query_request stream_query(const std::string& id) {
    query_request request;
    request.table_name = events();
    request.key_condition_expression = "Id = :id";
    request.expression_attribute_values = {{":id", attribute_value::string(id)}};
    request.consistent_read = true;
    return request;
  }
};

TEST_F(client_query_pages, limit_pages_are_followed_to_the_end) {
  write("stream-A", 10, 1);
  write("stream-B", 2, 11);
  query_request request = stream_query("stream-A");
  request.limit = 3;
  std::vector<std::int64_t> playheads;
  std::size_t nonempty_pages = 0;
  const std::size_t pages = db().for_each_query_page(request, [&](query_response& page) {
    EXPECT_LE(page.items.size(), 3U);
    EXPECT_EQ(page.count, static_cast<std::int64_t>(page.items.size()));
    nonempty_pages += page.items.empty() ? 0 : 1;
    for (const auto& item : page.items) {
      playheads.push_back(item.at("Playhead").as_int64());
    }
    return true;
  });
  EXPECT_GE(pages, 4U);  // 10 items, 3 per page
  EXPECT_EQ(nonempty_pages, 4U);
  std::vector<std::int64_t> expected(10);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    expected[i] = static_cast<std::int64_t>(i + 1);
  }
  EXPECT_EQ(playheads, expected);
}

TEST_F(client_query_pages, a_final_empty_page_is_tolerated) {
  // Local returns a LastEvaluatedKey when Limit equals the remaining count (§d1), so the last
  // page is empty.
  write("stream-A", 6, 1);
  query_request request = stream_query("stream-A");
  request.limit = 3;
  const auto items = db().query_all(request);
  EXPECT_EQ(items.size(), 6U);
}

TEST_F(client_query_pages, descending_from_a_playhead) {
  write("stream-A", 5, 1);
  query_request request = stream_query("stream-A");
  request.key_condition_expression = "Id = :id AND Playhead >= :playhead";
  request.expression_attribute_values[":playhead"] = attribute_value::number(3);
  request.scan_index_forward = false;
  const auto items = db().query_all(request);
  ASSERT_EQ(items.size(), 3U);
  EXPECT_EQ(items[0].at("Playhead").as_int64(), 5);
  EXPECT_EQ(items[2].at("Playhead").as_int64(), 3);
}

TEST_F(client_query_pages, gsi_query_reads_the_feed_in_global_position_order) {
  write("s0", 3, 1);
  write("s1", 3, 4);
  put({{"Id", attribute_value::string("_counter")},
       {"Playhead", attribute_value::number(0)},
       {"Value", attribute_value::number(6)}});  // no Feed: absent from the sparse index
  query_request request;
  request.table_name = events();
  request.index_name = "Feed-GlobalPosition-index";
  request.key_condition_expression = "Feed = :feed AND GlobalPosition > :globalPosition";
  request.expression_attribute_values = {{":feed", attribute_value::string("all")},
                                         {":globalPosition", attribute_value::number(1)}};
  request.limit = 2;
  std::vector<std::int64_t> positions;
  std::vector<std::size_t> last_key_sizes;
  db().for_each_query_page(request, [&](query_response& page) {
    for (const auto& item : page.items) {
      positions.push_back(item.at("GlobalPosition").as_int64());
    }
    last_key_sizes.push_back(page.last_evaluated_key.size());
    return true;
  });
  EXPECT_EQ(positions, (std::vector<std::int64_t>{2, 3, 4, 5, 6}));
  // A GSI's LastEvaluatedKey carries the index key and the table key (§d1).
  ASSERT_FALSE(last_key_sizes.empty());
  EXPECT_EQ(last_key_sizes.front(), 4U);
  EXPECT_EQ(last_key_sizes.back(), 0U);
}

TEST_F(client_query_pages, filter_counts_scanned_items) {
  write("stream-A", 6, 1);
  query_request request = stream_query("stream-A");
  request.filter_expression = "GlobalPosition > :min";
  request.expression_attribute_values[":min"] = attribute_value::number(4);
  request.limit = 3;
  const query_response first = db().query(request);
  EXPECT_EQ(first.count, 0);
  EXPECT_EQ(first.scanned_count, 3);
  EXPECT_FALSE(first.last_evaluated_key.empty());
  EXPECT_EQ(db().query_all(request).size(), 2U);
}

TEST_F(client_query_pages, consistent_read_on_a_gsi_is_a_validation_error) {
  query_request request;
  request.table_name = events();
  request.index_name = "Feed-GlobalPosition-index";
  request.key_condition_expression = "Feed = :feed";
  request.expression_attribute_values = {{":feed", attribute_value::string("all")}};
  request.consistent_read = true;
  try {
    static_cast<void>(db().query(request));
    FAIL() << "no exception";
  } catch (const dynamodb_validation_error& e) {
    EXPECT_EQ(e.aws_message(), "Consistent reads are not supported on global secondary indexes");
  }
}

}  // namespace
}  // namespace dynamo_es::dynamodb

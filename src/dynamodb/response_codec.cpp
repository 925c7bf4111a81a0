#include "dynamodb/codec.hpp"
#include "dynamodb/json_reader.hpp"

namespace dynamo_es::dynamodb::detail {
namespace {

table_status parse_table_status(std::string_view text) {
  for (const auto status :
       {table_status::creating, table_status::updating, table_status::deleting,
        table_status::active, table_status::archiving, table_status::archived}) {
    if (text == to_string(status)) {
      return status;
    }
  }
  return table_status::unknown;
}

index_status parse_index_status(std::string_view text) {
  for (const auto status : {index_status::creating, index_status::updating, index_status::deleting,
                            index_status::active}) {
    if (text == to_string(status)) {
      return status;
    }
  }
  return index_status::unknown;
}

scalar_type parse_scalar_type(std::string_view text) {
  if (text == "S") {
    return scalar_type::string;
  }
  if (text == "N") {
    return scalar_type::number;
  }
  if (text == "B") {
    return scalar_type::binary;
  }
  throw serialization_error("unknown AttributeType \"" + std::string(text) + "\"");
}

projection_type parse_projection_type(std::string_view text) {
  if (text == "ALL") {
    return projection_type::all;
  }
  if (text == "KEYS_ONLY") {
    return projection_type::keys_only;
  }
  if (text == "INCLUDE") {
    return projection_type::include;
  }
  throw serialization_error("unknown ProjectionType \"" + std::string(text) + "\"");
}

std::vector<key_schema_element> read_key_schema(ondemand::value value) {
  std::vector<key_schema_element> elements;
  for (auto element : value.get_array()) {
    key_schema_element out;
    for (auto field : element.get_object()) {
      const std::string_view key = field.unescaped_key().value();
      if (key == "AttributeName") {
        out.attribute_name = read_string(field.value());
      } else if (key == "KeyType") {
        out.type = field.value().get_string().value() == "RANGE" ? key_type::range : key_type::hash;
      }
    }
    elements.push_back(std::move(out));
  }
  return elements;
}

std::vector<attribute_definition> read_attribute_definitions(ondemand::value value) {
  std::vector<attribute_definition> definitions;
  for (auto element : value.get_array()) {
    attribute_definition out;
    for (auto field : element.get_object()) {
      const std::string_view key = field.unescaped_key().value();
      if (key == "AttributeName") {
        out.attribute_name = read_string(field.value());
      } else if (key == "AttributeType") {
        out.attribute_type = parse_scalar_type(field.value().get_string().value());
      }
    }
    definitions.push_back(std::move(out));
  }
  return definitions;
}

projection read_projection(ondemand::value value) {
  projection out;
  for (auto field : value.get_object()) {
    const std::string_view key = field.unescaped_key().value();
    if (key == "ProjectionType") {
      out.type = parse_projection_type(field.value().get_string().value());
    } else if (key == "NonKeyAttributes") {
      for (auto name : field.value().get_array()) {
        out.non_key_attributes.push_back(read_string(name.value()));
      }
    }
  }
  return out;
}

global_secondary_index_description read_index(ondemand::value value) {
  global_secondary_index_description out;
  for (auto field : value.get_object()) {
    const std::string_view key = field.unescaped_key().value();
    if (key == "IndexName") {
      out.index_name = read_string(field.value());
    } else if (key == "KeySchema") {
      out.key_schema = read_key_schema(field.value());
    } else if (key == "Projection") {
      out.projection = read_projection(field.value());
    } else if (key == "IndexStatus") {
      out.status = parse_index_status(field.value().get_string().value());
    } else if (key == "ItemCount") {
      out.item_count = field.value().get_int64();
    } else if (key == "IndexSizeBytes") {
      out.index_size_bytes = field.value().get_int64();
    } else if (key == "IndexArn") {
      out.index_arn = read_string(field.value());
    }
  }
  return out;
}

table_description read_table_description(ondemand::value value) {
  table_description out;
  for (auto field : value.get_object()) {
    const std::string_view key = field.unescaped_key().value();
    if (key == "TableName") {
      out.table_name = read_string(field.value());
    } else if (key == "TableArn") {
      out.table_arn = read_string(field.value());
    } else if (key == "TableStatus") {
      out.status = parse_table_status(field.value().get_string().value());
    } else if (key == "KeySchema") {
      out.key_schema = read_key_schema(field.value());
    } else if (key == "AttributeDefinitions") {
      out.attribute_definitions = read_attribute_definitions(field.value());
    } else if (key == "GlobalSecondaryIndexes") {
      for (auto index : field.value().get_array()) {
        out.global_secondary_indexes.push_back(read_index(index.value()));
      }
    } else if (key == "BillingModeSummary") {
      for (auto summary : field.value().get_object()) {
        if (summary.unescaped_key().value() == "BillingMode") {
          out.billing_mode = summary.value().get_string().value() == "PAY_PER_REQUEST"
                                 ? billing_mode::pay_per_request
                                 : billing_mode::provisioned;
        }
      }
    } else if (key == "ItemCount") {
      out.item_count = field.value().get_int64();
    } else if (key == "TableSizeBytes") {
      out.table_size_bytes = field.value().get_int64();
    }
  }
  return out;
}

std::vector<cancellation_reason> read_cancellation_reasons(ondemand::value value) {
  std::vector<cancellation_reason> reasons;
  for (auto element : value.get_array()) {
    cancellation_reason reason;
    for (auto field : element.get_object()) {
      const std::string_view key = field.unescaped_key().value();
      if (key == "Code") {
        reason.code = read_string(field.value());
      } else if (key == "Message") {
        reason.message = read_string(field.value());
      } else if (key == "Item") {
        reason.item = read_attribute_map(field.value().get_object());
      }
    }
    reasons.push_back(std::move(reason));
  }
  return reasons;
}

}  // namespace

table_description decode_table_description(const std::string& body, std::string_view member) {
  return read_json_object(body, "DynamoDB table description", [&](ondemand::object& root) {
    std::optional<table_description> out;
    for (auto field : root) {
      if (field.unescaped_key().value() == member) {
        out = read_table_description(field.value());
      }
    }
    if (!out) {
      throw serialization_error("DynamoDB response has no " + std::string(member));
    }
    return std::move(*out);
  });
}

get_item_response decode_get_item(const std::string& body) {
  return read_json_object(body, "DynamoDB GetItem response", [](ondemand::object& root) {
    get_item_response out;
    for (auto field : root) {
      if (field.unescaped_key().value() == "Item") {
        out.item = read_attribute_map(field.value().get_object());
      }
    }
    return out;
  });
}

attribute_map decode_attributes(const std::string& body) {
  return read_json_object(body, "DynamoDB item response", [](ondemand::object& root) {
    attribute_map out;
    for (auto field : root) {
      if (field.unescaped_key().value() == "Attributes") {
        out = read_attribute_map(field.value().get_object());
      }
    }
    return out;
  });
}

query_response decode_query(const std::string& body) {
  return read_json_object(body, "DynamoDB Query response", [](ondemand::object& root) {
    query_response out;
    for (auto field : root) {
      const std::string_view key = field.unescaped_key().value();
      if (key == "Items") {
        for (auto item : field.value().get_array()) {
          out.items.push_back(read_attribute_map(item.get_object()));
        }
      } else if (key == "LastEvaluatedKey") {
        out.last_evaluated_key = read_attribute_map(field.value().get_object());
      } else if (key == "Count") {
        out.count = field.value().get_int64();
      } else if (key == "ScannedCount") {
        out.scanned_count = field.value().get_int64();
      }
    }
    return out;
  });
}

error_body decode_error_body(const std::string& body) noexcept {
  error_body out;
  try {
    read_json_object(body, "DynamoDB error response", [&](ondemand::object& root) {
      for (auto field : root) {
        const std::string_view key = field.unescaped_key().value();
        if (key == "__type") {
          out.type = read_string(field.value());
        } else if (key == "Message" || key == "message") {
          out.message = read_string(field.value());
        } else if (key == "CancellationReasons") {
          out.cancellation_reasons = read_cancellation_reasons(field.value());
        } else if (key == "Item") {
          out.item = read_attribute_map(field.value().get_object());
        }
      }
      return 0;
    });
    out.json = true;
  } catch (...) {
    // Not JSON (or not of the documented shape): keep what was read; the caller falls back to
    // the HTTP status.
    out.json = !out.type.empty();
  }
  return out;
}

}  // namespace dynamo_es::dynamodb::detail

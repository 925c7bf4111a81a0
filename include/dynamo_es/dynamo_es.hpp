#pragma once

/// \file
/// Everything an application needs, in one include: the domain model, the store interfaces, the
/// in-memory and DynamoDB stores, and the DynamoDB client they stand on.

#include "dynamo_es/aggregate_id.hpp"
#include "dynamo_es/criteria.hpp"
#include "dynamo_es/date_time.hpp"
#include "dynamo_es/domain_event_stream.hpp"
#include "dynamo_es/domain_message.hpp"
#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/dynamodb/client_options.hpp"
#include "dynamo_es/dynamodb/credentials.hpp"
#include "dynamo_es/dynamodb/errors.hpp"
#include "dynamo_es/dynamodb_event_store.hpp"
#include "dynamo_es/dynamodb_event_store_options.hpp"
#include "dynamo_es/error.hpp"
#include "dynamo_es/event_store.hpp"
#include "dynamo_es/event_store_errors.hpp"
#include "dynamo_es/event_type_registry.hpp"
#include "dynamo_es/in_memory_event_store.hpp"
#include "dynamo_es/metadata.hpp"
#include "dynamo_es/serialized_payload.hpp"

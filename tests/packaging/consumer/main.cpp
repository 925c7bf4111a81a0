// Uses the public API the way an application would, with only the installed headers.
#include <dynamo_es/dynamo_es.hpp>

#include <iostream>

int main() {
  dynamo_es::in_memory_event_store store;
  const auto message = dynamo_es::domain_message::record_now(
      "account-1", 0, dynamo_es::metadata{},
      dynamo_es::serialized_payload{"App\\Domain\\AccountOpened", R"({"owner":"Ada"})"});
  store.append("account-1", dynamo_es::domain_event_stream{{message}});
  const auto stream = store.load("account-1");
  if (stream.size() != 1 || stream.begin()->type() != "App.Domain.AccountOpened") {
    std::cerr << "consumer: unexpected stream\n";
    return 1;
  }
  std::cout << "consumer: loaded " << stream.size() << " event of type "
            << stream.begin()->type() << "\n";
  return 0;
}

#pragma once
// Clevertim CRM: seven streams, one per resource (contact, company,
// case, opportunity, task, note, customfield), each a complete snapshot every run from ONE
// request, GET <base>/<resource>: the API has no paging, no filters and no modified-since.
// Answers are `{"status":"OK","content":[...]}` and can be large (tens of thousands of
// contacts), so they are read one record at a time (json_body.hpp's list_body_reader) and written
// in batches while reading goes on. Records become rows in mapping.hpp. Authentication is HTTP
// Basic with the API token as user name and "X" as password.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "connectors/connector.hpp"
#include "core/error.hpp"
#include "net/authenticator.hpp"
#include "net/http.hpp"

namespace sluice::connectors::clevertim {

std::unique_ptr<connector> make_connector(const source_config& source);

// net::basic_auth(api_key, "X"): the vendor's token scheme.
std::shared_ptr<net::authenticator> make_authenticator(const source_config& source);

// Rows per batch handed to the sink: the writer commits one batch while the next is parsed, and
// memory holds the body text plus about one batch.
inline constexpr std::size_t batch_rows = 1000;

// GET of one resource's list. Clevertim documents 500 as "your JSON cannot be parsed" and 501 as
// "operation not supported": answers about the request itself, which the same request sent
// again would only get again. They are final (net::request::final_statuses): the stream fails at
// once instead of retrying with backoff; other 5xx (503 and the like) are still retried.
net::request resource_get(std::string url);

// A failed request's error, rewritten so that the message names Clevertim's own explanation:
// http_client's message ends in up to 200 bytes of the body, and Clevertim's error envelope
// (`{"status":"ERROR","error":"Invalid request"}`) is shown as `Clevertim error: Invalid
// request` instead. Kind and HTTP status are kept; other errors are returned unchanged.
error with_vendor_message(const error& failure);

}  // namespace sluice::connectors::clevertim

// One bounded HTTP GET (Beast), for `potok watch` to read a player page.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "node/net/url.hpp"

namespace potok::net {

// Runs `io` until the answer (or the timeout); the body of a 200 answer, else nullopt + error.
std::optional<std::string> http_get(boost::asio::io_context& io, const Url& url, std::chrono::seconds timeout,
                                    std::string& error);

}  // namespace potok::net

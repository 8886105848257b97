#pragma once
// The Boost.Asio and Beast headers our HTTP and WebSocket code uses, in the order g++ 12 needs
// under C++20 (<utility> before Asio, see CAF-NOTES), and the short names it spells them with.
// Private to runtime/http's .cpp files and the benches; never include it from a public header.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace xyn::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace bws = boost::beast::websocket;
using tcp = net::ip::tcp;
using beast::error_code;

}  // namespace xyn::http

// JSON for QMP: splitting the byte stream into messages, parsing one with
// QEMU's error wording, and writing one the way QEMU writes it.
//
// QEMU's json-streamer reads tokens and cuts the stream wherever the brace
// and bracket depth returns to zero outside a string: a newline ends nothing,
// so an unterminated object waits for its completion, and two objects on one
// line are two messages. Its lexer also takes single-quoted strings, which
// JsonStreamer turns into standard JSON before nlohmann-json parses them.
//
// Limits keep a hostile client from making us buffer without end or recurse
// deeply: a message over `max_size` bytes or nested deeper than `max_depth`
// becomes an error (QEMU's words), and the rest of it is skipped.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mq {

using Json = nlohmann::ordered_json;

struct JsonStreamerLimits {
    size_t max_size = 1 << 20; // QEMU allows 64 MiB; nothing in QMP needs more than a few kB
    unsigned max_depth = 1024; // QEMU's MAX_NESTING
};

// One top-level value cut from the stream: its text as standard JSON, or
// the error that replaced it.
struct JsonMessage {
    std::string text;
    std::string error;
};

class JsonStreamer {
public:
    explicit JsonStreamer(JsonStreamerLimits limits = {}) : m_limits(limits) {}
    // The messages completed by `bytes`; an incomplete one waits for more.
    std::vector<JsonMessage> feed(std::string_view bytes);
    // Forgets a partial message (the client went away).
    void reset();

private:
    void feed_char(char c, std::vector<JsonMessage>& out);
    void append(char c);
    void append(std::string_view s);
    void end_message(std::vector<JsonMessage>& out);
    void fail(std::string error, std::vector<JsonMessage>& out);

    JsonStreamerLimits m_limits;
    std::string m_buf;
    unsigned m_depth = 0;
    char m_quote = 0; // inside a string: its quote character
    bool m_escape = false;
    bool m_scalar = false;   // a bare number or keyword at the top level
    bool m_skipping = false; // the rest of a message that broke a limit
};

// Parses one message's text. On failure, `error` holds QEMU's message
// ("JSON parse error, ...").
struct JsonParseResult {
    Json value;
    std::string error;
};
JsonParseResult json_parse_message(const std::string& text);

// Writes `value` as QEMU does: ", " between members, ": " after keys,
// non-ASCII as \u escapes, members in their order.
std::string qmp_json_dump(const Json& value);

} // namespace mq

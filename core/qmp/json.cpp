#include "core/qmp/json.h"

#include <fmt/format.h>

#include <cctype>

namespace mq {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Characters that end a bare number or keyword.
bool is_delimiter(char c) {
    return is_space(c) || c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == ':' ||
           c == '"' || c == '\'';
}

} // namespace

void JsonStreamer::reset() {
    m_buf.clear();
    m_depth = 0;
    m_quote = 0;
    m_escape = false;
    m_scalar = false;
    m_skipping = false;
}

std::vector<JsonMessage> JsonStreamer::feed(std::string_view bytes) {
    std::vector<JsonMessage> out;
    for (char c : bytes)
        feed_char(c, out);
    return out;
}

void JsonStreamer::append(char c) {
    if (!m_skipping) m_buf += c;
}

void JsonStreamer::append(std::string_view s) {
    if (!m_skipping) m_buf += s;
}

void JsonStreamer::end_message(std::vector<JsonMessage>& out) {
    if (!m_skipping) out.push_back(JsonMessage{std::exchange(m_buf, {}), {}});
    m_buf.clear();
    m_scalar = false;
    m_skipping = false;
}

// Reports the error once and skips the rest of the message, still tracking
// strings and depth so that the next message starts in the right place.
void JsonStreamer::fail(std::string error, std::vector<JsonMessage>& out) {
    if (m_skipping) return;
    out.push_back(JsonMessage{{}, std::move(error)});
    m_buf.clear();
    m_buf.shrink_to_fit();
    m_skipping = true;
}

void JsonStreamer::feed_char(char c, std::vector<JsonMessage>& out) {
    if (m_quote) {
        if (m_escape) {
            m_escape = false;
            // \' is only needed in single-quoted strings, and is no JSON escape.
            if (c == '\'') {
                append('\'');
            } else {
                append('\\');
                append(c);
            }
        } else if (c == '\\') {
            m_escape = true;
        } else if (c == m_quote) {
            append('"');
            m_quote = 0;
            if (m_depth == 0) end_message(out);
        } else if (c == '"') {
            append("\\\""); // inside a single-quoted string
        } else {
            append(c);
        }
    } else {
        if (m_scalar && is_delimiter(c)) end_message(out);
        if (c == '"' || c == '\'') {
            m_quote = c;
            append('"');
        } else if (c == '{' || c == '[') {
            m_depth++;
            append(c);
            if (m_depth > m_limits.max_depth) fail("JSON nesting depth limit exceeded", out);
        } else if (c == '}' || c == ']') {
            append(c);
            if (m_depth == 0 || --m_depth == 0) end_message(out);
        } else if (is_space(c)) {
            if (m_depth > 0) append(c);
        } else {
            append(c);
            if (m_depth == 0) {
                m_scalar = true;
                // A lone ',' or ':' is a message of its own, as in QEMU.
                if (c == ',' || c == ':') end_message(out);
            }
        }
    }
    if (m_buf.size() > m_limits.max_size) fail("JSON token size limit exceeded", out);
}

JsonParseResult json_parse_message(const std::string& text) {
    JsonParseResult r;
    try {
        r.value = Json::parse(text);
        return r;
    } catch (const Json::parse_error& e) {
        std::string what = e.what();
        bool keyword = !text.empty() && std::isalpha(static_cast<unsigned char>(text[0])) &&
                       text != "true" && text != "false" && text != "null";
        if (keyword) {
            r.error = fmt::format("JSON parse error, invalid keyword '{}'", text);
        } else if (what.find("expected ':'") != std::string::npos) {
            r.error = "JSON parse error, missing : in object pair";
        } else if (what.find("object key") != std::string::npos) {
            r.error = "JSON parse error, key is not a string in object";
        } else {
            r.error = "JSON parse error, expecting value";
        }
    }
    return r;
}

namespace {

void dump(const Json& v, std::string& out) {
    if (v.is_object()) {
        out += '{';
        bool first = true;
        for (const auto& [key, member] : v.items()) {
            if (!first) out += ", ";
            first = false;
            out += Json(key).dump(-1, ' ', true, Json::error_handler_t::replace);
            out += ": ";
            dump(member, out);
        }
        out += '}';
    } else if (v.is_array()) {
        out += '[';
        bool first = true;
        for (const auto& member : v) {
            if (!first) out += ", ";
            first = false;
            dump(member, out);
        }
        out += ']';
    } else {
        out += v.dump(-1, ' ', true, Json::error_handler_t::replace);
    }
}

} // namespace

std::string qmp_json_dump(const Json& value) {
    std::string out;
    dump(value, out);
    return out;
}

} // namespace mq

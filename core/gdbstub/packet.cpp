#include "core/gdbstub/packet.h"

#include <fmt/format.h>

#include <utility>

namespace mq::gdb {

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

void RspReader::append(char c) {
    if (m_line.size() >= kMaxPacket) {
        m_state = State::Overflow; // dropped up to its '#' and checksum
        m_line.clear();
        return;
    }
    m_line += c;
}

std::optional<RspEvent> RspReader::feed(uint8_t c) {
    using K = RspEvent::Kind;
    switch (m_state) {
    case State::Idle:
        if (c == '$') {
            m_state = State::Line;
            m_line.clear();
            m_sum = 0;
        } else if (c == 0x03) {
            return RspEvent{K::Interrupt, {}};
        } else if (c == '-') {
            return RspEvent{K::Nack, {}};
        }
        return std::nullopt; // '+' and noise
    case State::Line:
        if (c == '#') {
            m_state = State::Sum1;
            return std::nullopt;
        }
        m_sum += c;
        if (c == '}') {
            m_state = State::Escape;
        } else if (c == '*') {
            m_state = State::Repeat;
        } else {
            append(static_cast<char>(c));
        }
        return std::nullopt;
    case State::Escape:
        m_sum += c;
        m_state = State::Line;
        append(static_cast<char>(c ^ 0x20));
        return std::nullopt;
    case State::Repeat: {
        m_sum += c;
        m_state = State::Line;
        // '*' then (count + 29): the previous character count more times.
        int count = int(c) - 29;
        if (m_line.empty() || count < 3 || count > 97) {
            m_state = State::Overflow; // malformed: dropped
            return std::nullopt;
        }
        char last = m_line.back();
        for (int i = 0; i < count && m_state == State::Line; i++)
            append(last);
        return std::nullopt;
    }
    case State::Overflow:
        if (c == '#') m_state = State::Idle; // its checksum digits are noise to Idle
        return std::nullopt;
    case State::Sum1:
        if (hex_digit(static_cast<char>(c)) < 0) {
            m_state = State::Idle;
            return RspEvent{K::BadChecksum, {}};
        }
        m_received = static_cast<uint8_t>(hex_digit(static_cast<char>(c)) << 4);
        m_state = State::Sum2;
        return std::nullopt;
    case State::Sum2: {
        m_state = State::Idle;
        int d = hex_digit(static_cast<char>(c));
        if (d < 0 || (m_received | d) != m_sum) return RspEvent{K::BadChecksum, {}};
        return RspEvent{K::Packet, std::exchange(m_line, {})};
    }
    }
    return std::nullopt;
}

std::string rsp_frame(std::string_view payload) {
    uint8_t sum = 0;
    for (char c : payload)
        sum += static_cast<uint8_t>(c);
    return fmt::format("${}#{:02x}", payload, sum);
}

std::string hex_encode(std::span<const uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (uint8_t b : bytes) {
        out += kDigits[b >> 4];
        out += kDigits[b & 15];
    }
    return out;
}

std::string hex_encode(std::string_view text) {
    return hex_encode(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

std::optional<std::vector<uint8_t>> hex_decode(std::string_view hex) {
    if (hex.size() % 2) return std::nullopt;
    std::vector<uint8_t> out(hex.size() / 2);
    for (size_t i = 0; i < out.size(); i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return out;
}

std::optional<uint64_t> parse_hex(std::string_view text) {
    if (text.empty() || text.size() > 16) return std::nullopt;
    uint64_t v = 0;
    for (char c : text) {
        int d = hex_digit(c);
        if (d < 0) return std::nullopt;
        v = v << 4 | static_cast<uint64_t>(d);
    }
    return v;
}

std::string binary_escape(std::string_view data) {
    std::string out;
    out.reserve(data.size());
    for (char c : data) {
        if (c == '#' || c == '$' || c == '*' || c == '}') {
            out += '}';
            out += static_cast<char>(c ^ 0x20);
        } else {
            out += c;
        }
    }
    return out;
}

} // namespace mq::gdb

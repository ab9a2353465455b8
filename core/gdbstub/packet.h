// The framing of the GDB remote serial protocol: "$payload#cs" with a
// two-digit checksum, '}' escapes, '*' run-length encoding, '+'/'-'
// acknowledgements and the raw 0x03 interrupt byte (gdb manual, "Overview"
// of "Remote Protocol"; QEMU: gdbstub.c, gdb_read_byte).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mq::gdb {

// The longest packet either side sends: qSupported's PacketSize (0x1000).
inline constexpr size_t kMaxPacket = 4096;

// What a run of received bytes amounts to, one event at a time.
struct RspEvent {
    enum class Kind : uint8_t {
        Packet,      // a packet with a good checksum: acknowledge with '+', handle it
        BadChecksum, // answer '-': the client sends it again
        Interrupt,   // a raw 0x03 outside a packet (Ctrl-C)
        Nack,        // the client asks for our last packet again
    };
    Kind kind;
    std::string payload; // for Packet: unescaped, run-length expanded
};

// Turns bytes into events. Memory stays bounded: a packet longer than
// kMaxPacket is dropped whole, as QEMU does.
class RspReader {
public:
    // Feeds one byte; returns an event when one is complete.
    std::optional<RspEvent> feed(uint8_t c);

private:
    enum class State : uint8_t { Idle, Line, Escape, Repeat, Sum1, Sum2, Overflow };
    void append(char c);
    State m_state = State::Idle;
    std::string m_line;
    uint8_t m_sum = 0;      // over the bytes between '$' and '#'
    uint8_t m_received = 0; // the checksum the client sent
};

// "$payload#cs".
std::string rsp_frame(std::string_view payload);

// Hex as the protocol writes it: two lowercase digits a byte.
std::string hex_encode(std::span<const uint8_t> bytes);
std::string hex_encode(std::string_view text);
// Nullopt when `hex` has an odd length or a non-hex digit.
std::optional<std::vector<uint8_t>> hex_decode(std::string_view hex);
// A hex number with nothing else around it (no "0x").
std::optional<uint64_t> parse_hex(std::string_view text);
// Escapes '#', '$', '*' and '}' for binary replies (qXfer).
std::string binary_escape(std::string_view data);

} // namespace mq::gdb

// A QMP client for the tests, on an in-process chardev: it connects and
// disconnects like a socket client (CHR_EVENT_OPENED / CLOSED), types bytes,
// and reads back the lines the server wrote, each checked to end in CRLF.
#pragma once

#include "core/chardev.h"
#include "core/qmp/json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mq::test {

class QmpTestChardev : public Chardev {
public:
    explicit QmpTestChardev(std::string label) : Chardev(std::move(label)) {}
    void write(const uint8_t* buf, size_t len) override {
        m_output.append(reinterpret_cast<const char*>(buf), len);
    }
    void connect() { m_frontend.event(CHR_EVENT_OPENED); }
    void disconnect() { m_frontend.event(CHR_EVENT_CLOSED); }
    void type(std::string_view bytes) {
        receive_from_host(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    }
    // The complete lines written so far, without their CRLF.
    std::vector<std::string> take_lines() {
        std::vector<std::string> lines;
        size_t pos;
        while ((pos = m_output.find('\n')) != std::string::npos) {
            std::string line = m_output.substr(0, pos + 1);
            m_output.erase(0, pos + 1);
            EXPECT_TRUE(line.size() >= 2 && line[line.size() - 2] == '\r')
                << "line without CRLF: " << line;
            lines.push_back(line.substr(0, line.size() - 2));
        }
        return lines;
    }
    std::vector<Json> take_messages() {
        std::vector<Json> out;
        for (const auto& l : take_lines())
            out.push_back(Json::parse(l));
        return out;
    }
    // One request, one reply: the reply (events before it are checked away
    // into `events`).
    Json execute(std::string_view request, std::vector<Json>* events = nullptr) {
        type(request);
        type("\n");
        auto messages = take_messages();
        Json reply;
        for (auto& m : messages) {
            if (m.contains("event")) {
                if (events) events->push_back(m);
            } else {
                EXPECT_TRUE(reply.is_null()) << "two replies to " << request;
                reply = m;
            }
        }
        EXPECT_FALSE(reply.is_null()) << "no reply to " << request;
        return reply;
    }

private:
    std::string m_output;
};

// Members compared regardless of order: QEMU writes them in hash order.
inline nlohmann::json plain(const Json& j) { return nlohmann::json::parse(j.dump()); }

inline Json error_reply(const char* error_class, const std::string& desc) {
    return Json{{"error", {{"class", error_class}, {"desc", desc}}}};
}

} // namespace mq::test

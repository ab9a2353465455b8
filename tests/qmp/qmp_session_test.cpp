// The real binary with -qmp stdio: a whole session from a script on stdin,
// read back from stdout line by line (every line ends in CRLF), as in
// ../shared/specs/qemu-reference/qmp-session.txt.
#include "tests/support/process.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace mq::test;
using nlohmann::json;

namespace {

const std::string kGuests = MQ_GUEST_DIR;

std::vector<json> qmp_lines(const std::string& out) {
    std::vector<json> lines;
    size_t start = 0, end;
    while ((end = out.find("\r\n", start)) != std::string::npos) {
        lines.push_back(json::parse(out.substr(start, end - start)));
        start = end + 2;
    }
    EXPECT_EQ(start, out.size()) << "output after the last CRLF: " << out.substr(start);
    return lines;
}

std::string script(std::initializer_list<const char*> requests) {
    std::string s;
    for (const char* r : requests)
        s += std::string(r) + "\n";
    return s;
}

TEST(QmpSession, FullSessionOverStdio) {
    auto r = run_process(
        MINIQEMU_BINARY,
        {"-M", "virt", "-m", "128M", "-bios", "none", "-kernel", kGuests + "/echo.elf", "-serial",
         "null", "-device", "edu,id=edu1", "-device", "pci-testdev", "-qmp", "stdio"},
        script({R"({"execute":"query-status"})", R"({"execute":"qmp_capabilities"})",
                R"({"execute":"query-status"})", R"({"execute":"stop"})",
                R"({"execute":"query-status","id":"s"})", R"({"execute":"cont"})",
                "{\"execute\":\n\"query-name\"}", R"({"execute":"quit","id":"q"})"}));
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_EQ(r.err, "");
    auto lines = qmp_lines(r.out);
    ASSERT_EQ(lines.size(), 12u) << r.out; // nothing after quit's return
    EXPECT_EQ(lines[0]["QMP"]["capabilities"], json::array({"oob"}));
    EXPECT_EQ(lines[1]["error"]["desc"],
              "Expecting capabilities negotiation with 'qmp_capabilities'");
    EXPECT_EQ(lines[2], json::parse(R"({"return": {}})"));
    EXPECT_EQ(
        lines[3],
        json::parse(R"({"return": {"status": "running", "singlestep": false, "running": true}})"));
    EXPECT_EQ(lines[4]["event"], "STOP");
    EXPECT_EQ(lines[5], json::parse(R"({"return": {}})"));
    EXPECT_EQ(lines[6], json::parse(R"({"return": {"status": "paused", "singlestep": false,
                                         "running": false}, "id": "s"})"));
    EXPECT_EQ(lines[7]["event"], "RESUME");
    EXPECT_EQ(lines[8], json::parse(R"({"return": {}})"));
    EXPECT_EQ(lines[9], json::parse(R"({"return": {}})")); // query-name, across two lines
    // quit: SHUTDOWN before the return, as on QEMU.
    EXPECT_EQ(lines[10]["event"], "SHUTDOWN");
    EXPECT_EQ(lines[10]["data"], json::parse(R"({"guest": false, "reason": "host-qmp-quit"})"));
    EXPECT_TRUE(lines[10]["timestamp"]["seconds"].is_number());
    EXPECT_EQ(lines[11], json::parse(R"({"return": {}, "id": "q"})"));
    // Keys in QEMU's order for these lines.
    EXPECT_THAT(r.out, ::testing::HasSubstr("{\"return\": {}, \"id\": \"q\"}\r\n"));
}

TEST(QmpSession, GuestShutdownThroughTheFinisherIsAnEvent) {
    auto r = run_process(MINIQEMU_BINARY,
                         {"-M", "virt", "-S", "-bios", "none", "-kernel", kGuests + "/hello.elf",
                          "-serial", "null", "-qmp", "stdio"},
                         script({R"({"execute":"qmp_capabilities"})", R"({"execute":"cont"})"}));
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_status, 0);
    auto lines = qmp_lines(r.out);
    ASSERT_EQ(lines.size(), 5u) << r.out;
    EXPECT_EQ(lines[2]["event"], "RESUME");
    EXPECT_EQ(lines[3], json::parse(R"({"return": {}})"));
    EXPECT_EQ(lines[4]["event"], "SHUTDOWN");
    EXPECT_EQ(lines[4]["data"], json::parse(R"({"guest": true, "reason": "guest-shutdown"})"));
}

TEST(QmpSession, WithQmpNographicPutsNoMonitorOnStdio) {
    // The serial port alone takes stdio (no mux, no monitor), so a QMP on
    // stdio too is refused, as on QEMU.
    auto r = run_process(MINIQEMU_BINARY, {"-M", "virt", "-nographic", "-qmp", "stdio"}, "");
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.err, "miniqemu: -serial stdio: cannot use stdio by multiple character devices\n"
                     "miniqemu: -serial stdio: could not connect serial device to character "
                     "backend 'stdio'\n");
    auto q = run_process(MINIQEMU_BINARY,
                         {"-M", "virt", "-nographic", "-S", "-qmp", "stdio", "-serial", "null"},
                         script({R"({"execute":"qmp_capabilities"})",
                                 R"({"execute":"query-chardev"})", R"({"execute":"quit"})"}));
    auto lines = qmp_lines(q.out);
    ASSERT_GE(lines.size(), 3u) << q.out;
    EXPECT_EQ(lines[2]["return"].size(), 2u) << lines[2].dump() << ": the QMP and serial0 only";
}

TEST(QmpSession, RefusedSpecNamesTheOption) {
    auto r = run_process(MINIQEMU_BINARY, {"-M", "virt", "-qmp", "nosuch:x"}, "");
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(r.err, "miniqemu: -qmp nosuch:x: 'nosuch' is not a valid char driver\n");
}

} // namespace

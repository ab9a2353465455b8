// QMP's JSON streamer, parser wording and writer (core/qmp/json.h).
#include "core/qmp/json.h"

#include <gtest/gtest.h>

using namespace mq;

namespace {

std::vector<std::string> texts(const std::vector<JsonMessage>& messages) {
    std::vector<std::string> out;
    for (const auto& m : messages)
        out.push_back(m.error.empty() ? m.text : "ERROR: " + m.error);
    return out;
}

using V = std::vector<std::string>;

TEST(JsonStreamer, CutsTopLevelValuesByDepthNotByLines) {
    JsonStreamer s;
    EXPECT_EQ(texts(s.feed("{\"execute\":\n")), V{});
    EXPECT_EQ(texts(s.feed("\"query-status\"}\n")), V{"{\"execute\":\n\"query-status\"}"});
}

TEST(JsonStreamer, TwoObjectsOnOneLineAreTwoMessages) {
    JsonStreamer s;
    EXPECT_EQ(texts(s.feed("{\"a\":1} {\"b\":[2,{}]}\n")), (V{"{\"a\":1}", "{\"b\":[2,{}]}"}));
}

TEST(JsonStreamer, BracesInsideStringsDoNotCount) {
    JsonStreamer s;
    EXPECT_EQ(texts(s.feed(R"({"a":"}{]\"["})")), V{R"({"a":"}{]\"["})"});
}

TEST(JsonStreamer, ScalarsAtTopLevelEndAtADelimiter) {
    JsonStreamer s;
    EXPECT_EQ(texts(s.feed("42")), V{});
    EXPECT_EQ(texts(s.feed("\nfoo null\n\"x\"[]")), (V{"42", "foo", "null", "\"x\"", "[]"}));
}

TEST(JsonStreamer, SingleQuotedStringsBecomeJson) {
    JsonStreamer s;
    EXPECT_EQ(texts(s.feed(R"({'execute':'it\'s "q"'})")), V{R"({"execute":"it's \"q\""})"});
    auto parsed = json_parse_message(R"({"execute":"it's \"q\""})");
    ASSERT_EQ(parsed.error, "");
    EXPECT_EQ(parsed.value["execute"], "it's \"q\"");
}

TEST(JsonStreamer, SplitAnywhereGivesTheSameMessages) {
    std::string input = R"({'a': "x\"}", 'b': [1, {"c": null}]} 7 {"d":true})"
                        "\n";
    JsonStreamer whole;
    auto expected = texts(whole.feed(input));
    ASSERT_EQ(expected.size(), 3u);
    JsonStreamer bytewise;
    V got;
    for (char c : input) {
        auto part = texts(bytewise.feed(std::string_view(&c, 1)));
        got.insert(got.end(), part.begin(), part.end());
    }
    EXPECT_EQ(got, expected);
}

TEST(JsonStreamer, OversizedMessageIsOneErrorThenTheStreamRecovers) {
    JsonStreamer s(JsonStreamerLimits{.max_size = 64, .max_depth = 1024});
    std::string big = "{\"execute\":\"" + std::string(200, 'x') + "\"}";
    EXPECT_EQ(texts(s.feed(big + "{\"execute\":\"ok\"}")),
              (V{"ERROR: JSON token size limit exceeded", "{\"execute\":\"ok\"}"}));
}

TEST(JsonStreamer, MemoryStaysBoundedWhileSkipping) {
    JsonStreamer s(JsonStreamerLimits{.max_size = 1024, .max_depth = 1024});
    auto first = s.feed("[\"" + std::string(4096, 'y'));
    EXPECT_EQ(texts(first), V{"ERROR: JSON token size limit exceeded"});
    // Megabytes more of the same message produce nothing and keep nothing.
    for (int i = 0; i < 256; i++)
        EXPECT_TRUE(s.feed(std::string(4096, 'z')).empty());
    EXPECT_EQ(texts(s.feed("\"] 1 ")), V{"1"});
}

TEST(JsonStreamer, DeepNestingIsAnError) {
    JsonStreamer s(JsonStreamerLimits{.max_size = 1 << 20, .max_depth = 8});
    EXPECT_EQ(texts(s.feed(std::string(20, '[') + std::string(20, ']') + "[1]")),
              (V{"ERROR: JSON nesting depth limit exceeded", "[1]"}));
}

TEST(JsonStreamer, ResetForgetsAPartialMessage) {
    JsonStreamer s;
    EXPECT_TRUE(s.feed("{\"execute\": \"qu").empty());
    s.reset();
    EXPECT_EQ(texts(s.feed("{}")), V{"{}"});
}

TEST(JsonParse, QemusWording) {
    EXPECT_EQ(json_parse_message("{\"execute\":\n}").error, "JSON parse error, expecting value");
    EXPECT_EQ(json_parse_message("foo").error, "JSON parse error, invalid keyword 'foo'");
    EXPECT_EQ(json_parse_message("}").error, "JSON parse error, expecting value");
    EXPECT_EQ(json_parse_message("{\"a\" 1}").error, "JSON parse error, missing : in object pair");
    EXPECT_EQ(json_parse_message("18446744073709551615").value.get<uint64_t>(),
              18446744073709551615ull);
}

TEST(JsonDump, WritesLikeQemu) {
    auto v = json_parse_message(R"({"return": {"a": [1, -3, 1.5, true, null, "x"]}, "id": {}})");
    ASSERT_EQ(v.error, "");
    EXPECT_EQ(qmp_json_dump(v.value),
              R"({"return": {"a": [1, -3, 1.5, true, null, "x"]}, "id": {}})");
    EXPECT_EQ(qmp_json_dump(Json("caf\xc3\xa9\r\n")), R"("caf\u00e9\r\n")");
    EXPECT_EQ(qmp_json_dump(Json::array()), "[]");
}

} // namespace

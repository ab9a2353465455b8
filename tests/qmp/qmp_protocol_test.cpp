// QMP's protocol in process: negotiation, bad requests, the streamer's
// behaviour on a connection, ids (../shared/specs/qemu-reference/qmp-session.txt).
#include "tests/qmp/qmp_fixture.h"

using namespace mq;
using namespace mq::test;

namespace {

// --- negotiation ---

TEST_F(Qmp, GreetingThenNothingButCapabilitiesNegotiation) {
    auto* c = client();
    c->disconnect();
    c->connect();
    auto greeting = c->take_messages();
    ASSERT_EQ(greeting.size(), 1u);
    const Json& qmp = greeting[0]["QMP"];
    EXPECT_EQ(qmp["capabilities"], Json::array({"oob"}));
    for (const char* k : {"major", "minor", "micro"})
        EXPECT_TRUE(qmp["version"]["qemu"][k].is_number_unsigned()) << k;
    EXPECT_TRUE(qmp["version"]["package"].is_string());

    const std::string expecting = "Expecting capabilities negotiation with 'qmp_capabilities'";
    EXPECT_EQ(plain(c->execute(R"({"execute":"query-status"})")),
              plain(error_reply("CommandNotFound", expecting)));
    Json with_id = error_reply("CommandNotFound", expecting);
    with_id["id"] = "pre";
    EXPECT_EQ(plain(c->execute(R"({"execute":"query-status","id":"pre"})")), plain(with_id));
    EXPECT_EQ(plain(c->execute(R"({"execute":"nosuch"})")),
              plain(error_reply("CommandNotFound", expecting)));
    EXPECT_EQ(plain(c->execute(R"({"execute":"qmp_capabilities","arguments":{"enable":["x"]}})")),
              plain(error_reply("GenericError", "Parameter 'null' does not accept value 'x'")));
    EXPECT_EQ(plain(c->execute(R"({"execute":"qmp_capabilities","arguments":{"enable":["oob"]}})")),
              plain(Json{{"return", Json::object()}}));
    EXPECT_EQ(plain(c->execute(R"({"execute":"qmp_capabilities"})")),
              plain(error_reply("CommandNotFound",
                                "Capabilities negotiation is already complete, command ignored")));
    EXPECT_EQ(plain(c->execute(R"({"exec-oob":"query-status","id":"o1"})")),
              plain(Json{{"id", "o1"},
                         {"error",
                          {{"class", "GenericError"},
                           {"desc", "The command query-status does not support OOB"}}}}));
}

TEST_F(Qmp, DisconnectMidCommandDropsItAndTheNextClientStartsOver) {
    auto* c = client();
    c->type(R"({"execute":"query-st)");
    c->disconnect();
    EXPECT_TRUE(c->take_lines().empty());
    c->connect();
    ASSERT_EQ(c->take_messages().size(), 1u); // a new greeting
    EXPECT_EQ(c->execute(R"({"execute":"query-status"})")["error"]["class"], "CommandNotFound");
    EXPECT_EQ(plain(c->execute(R"({"execute":"qmp_capabilities"})")),
              plain(Json{{"return", Json::object()}}));
    EXPECT_EQ(ret(R"({"execute":"query-status"})")["status"], "prelaunch");
}

// --- bad requests: the connection stays open after each ---

struct BadRequest {
    const char* name;
    std::string request;
    Json reply;
};

void PrintTo(const BadRequest& r, std::ostream* os) { *os << r.request; }

class QmpBadRequest : public Qmp, public ::testing::WithParamInterface<BadRequest> {};

TEST_P(QmpBadRequest, GetsQemusErrorAndTheConnectionGoesOn) {
    EXPECT_EQ(plain(run(GetParam().request)), plain(GetParam().reply));
    EXPECT_EQ(ret(R"({"execute":"query-name"})"), Json::object()) << "the connection still works";
}

INSTANTIATE_TEST_SUITE_P(
    Transcript, QmpBadRequest,
    ::testing::Values(
        BadRequest{"UnknownCommand", R"({"execute":"nosuch"})",
                   error_reply("CommandNotFound", "The command nosuch has not been found")},
        BadRequest{"UnknownCommandWithId", R"({"execute":"nosuch","id":7})",
                   Json{{"id", 7},
                        {"error",
                         {{"class", "CommandNotFound"},
                          {"desc", "The command nosuch has not been found"}}}}},
        BadRequest{"MissingArgument", R"({"execute":"qom-get","arguments":{"path":"/machine"}})",
                   gen("Parameter 'property' is missing")},
        BadRequest{"WrongType", R"({"execute":"qom-get","arguments":{"path":1,"property":"type"}})",
                   gen("Invalid parameter type for 'path', expected: string")},
        BadRequest{
            "StringForInt",
            R"({"execute":"memsave","arguments":{"val":"0x80000000","size":16,"filename":"/tmp/x"}})",
            gen("Invalid parameter type for 'val', expected: integer")},
        BadRequest{
            "FloatForInt",
            R"({"execute":"pmemsave","arguments":{"val":1.5,"size":16,"filename":"/tmp/x"}})",
            gen("Invalid parameter type for 'val', expected: integer")},
        BadRequest{
            "UnexpectedArgument",
            R"({"execute":"qom-get","arguments":{"path":"/machine","property":"type","x":1}})",
            gen("Parameter 'x' is unexpected")},
        BadRequest{"ArgumentToCommandWithNone", R"({"execute":"query-status","arguments":{"x":1}})",
                   gen("Parameter 'x' is unexpected")},
        BadRequest{"ArgumentsNotAnObject", R"({"execute":"query-status","arguments":[]})",
                   gen("QMP input member 'arguments' must be an object")},
        BadRequest{"BareWord", "foo", gen("JSON parse error, invalid keyword 'foo'")},
        BadRequest{"Array", "[]", gen("QMP input must be a JSON object")},
        BadRequest{"Number", "42", gen("QMP input must be a JSON object")},
        BadRequest{"String", "\"x\"", gen("QMP input must be a JSON object")},
        BadRequest{"Null", "null", gen("QMP input must be a JSON object")},
        BadRequest{"True", "true", gen("QMP input must be a JSON object")},
        BadRequest{"EmptyObject", "{}", gen("QMP input lacks member 'execute'")},
        BadRequest{"ExecuteNotAString", R"({"execute":1})",
                   gen("QMP input member 'execute' must be a string")},
        BadRequest{"UnknownMember", R"({"execute":"query-status","foo":1})",
                   gen("QMP input member 'foo' is unexpected")},
        BadRequest{"MissingValue", R"({"execute":})", gen("JSON parse error, expecting value")},
        BadRequest{"StrayBrace", "}", gen("JSON parse error, expecting value")},
        BadRequest{"HotpluggableCpus", R"({"execute":"query-hotpluggable-cpus"})",
                   gen("The feature 'query-hotpluggable-cpus' is not enabled")}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(Qmp, OversizedMessageIsAnErrorAndTheConnectionGoesOn) {
    std::string big = R"({"execute":"query-name","id":")" + std::string(2 << 20, 'x') + "\"}";
    EXPECT_EQ(plain(run(big)), plain(gen("JSON token size limit exceeded")));
    EXPECT_EQ(ret(R"({"execute":"query-name"})"), Json::object());
}

TEST_F(Qmp, DeepNestingIsAnError) {
    std::string deep =
        R"({"execute":"query-name","id":)" + std::string(2000, '[') + std::string(2000, ']') + "}";
    EXPECT_EQ(plain(run(deep)), plain(gen("JSON nesting depth limit exceeded")));
}

TEST_F(Qmp, UnterminatedObjectWaitsAcrossNewlines) {
    client()->type("{\"execute\":\n");
    EXPECT_TRUE(client()->take_lines().empty());
    client()->type("\n\n");
    EXPECT_TRUE(client()->take_lines().empty());
    EXPECT_EQ(ret("\"query-status\"}")["status"], "prelaunch");
}

TEST_F(Qmp, SingleQuotesAndTwoObjectsOnOneLine) {
    EXPECT_EQ(ret("{'execute':'query-status'}")["status"], "prelaunch");
    client()->type(R"({"execute":"query-status"} {"execute":"query-name"})"
                   "\n");
    auto replies = client()->take_messages();
    ASSERT_EQ(replies.size(), 2u);
    EXPECT_EQ(replies[0]["return"]["status"], "prelaunch");
    EXPECT_EQ(replies[1]["return"], Json::object());
}

TEST_F(Qmp, IdOfEveryJsonTypeIsEchoed) {
    for (const char* id : {"1", "\"a\"", "1.5", "true", "null", R"([1,{"a":null}])", R"({"x":"y"})",
                           "-3", "18446744073709551615"}) {
        Json reply = run(fmt::format(R"({{"execute":"query-status","id":{}}})", id));
        EXPECT_EQ(reply["id"], Json::parse(id)) << id;
        EXPECT_TRUE(reply.contains("return")) << id;
        // QEMU's order: "return" before "id".
        EXPECT_EQ(reply.begin().key(), "return");
        Json err = run(fmt::format(R"({{"execute":"nosuch","id":{}}})", id));
        EXPECT_EQ(err["id"], Json::parse(id)) << id;
        EXPECT_EQ(err.begin().key(), "id");
    }
}

} // namespace

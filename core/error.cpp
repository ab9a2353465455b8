#include "core/error.h"

#include <cstdio>

namespace mq {

namespace {
std::string& progname() {
    static std::string name = "miniqemu";
    return name;
}
} // namespace

void error_set_progname(const char* argv0) {
    std::string s = argv0 ? argv0 : "miniqemu";
    auto slash = s.rfind('/');
    progname() = slash == std::string::npos ? s : s.substr(slash + 1);
}

const std::string& error_get_progname() { return progname(); }

void error_report_err(const Error& error) {
    std::string line = progname() + ": ";
    if (!error.location.empty()) line += error.location + ": ";
    line += error.message + "\n" + error.hint;
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
}

} // namespace mq

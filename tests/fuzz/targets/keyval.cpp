// keyval: QEMU's key=value option syntax (core/keyval.cpp) and the command
// line around it (cmdline/options.cpp).
//
// The first byte picks the implied key; the rest is one option string for
// keyval_parse and, split at NUL bytes, an argv for parse_command_line.
#include "core/keyval.h"
#include "cmdline/options.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    static constexpr std::array<std::string_view, 4> kImplied = {"", "driver", "type", "backend"};
    std::string_view implied = kImplied[data[0] % kImplied.size()];
    std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

    if (auto bag = mq::keyval_parse(text, implied)) {
        for (const auto& [key, value] : *bag) {
            (void)mq::id_wellformed(key);
            (void)bag->get(value);
        }
    }

    std::vector<std::string> words{"miniqemu"};
    size_t start = 0;
    for (;;) {
        size_t nul = text.find('\0', start);
        words.emplace_back(text.substr(start, nul - start));
        if (nul == std::string_view::npos) break;
        start = nul + 1;
    }
    std::vector<const char*> argv;
    for (const auto& w : words)
        argv.push_back(w.c_str());
    (void)mq::parse_command_line(static_cast<int>(argv.size()), argv.data());
    return 0;
}

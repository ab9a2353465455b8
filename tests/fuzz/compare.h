// Comparing two outcomes, and the allow-list: the differences that are
// Unicorn's bugs or a legal choice of implementation, each with its reason.
#pragma once

#include "tests/fuzz/stream.h"

#include <string>
#include <vector>

namespace mq::fuzz {

// What differs between our outcome and Unicorn's, one line each; empty
// when they agree.
std::vector<std::string> compare(const Outcome& ours, const Outcome& theirs);

// An entry explains a difference either by looking at it (`applies`), or by
// rewriting the instructions that trigger a known Unicorn bug into ones that
// do not (`rewrite`, which returns its argument when it does not apply):
// when the rewritten stream agrees on both sides, the bug explains it.
struct Allowance {
    const char* name;
    const char* reason;
    bool (*applies)(const Stream& s, const Outcome& ours, const Outcome& theirs);
    uint32_t (*rewrite)(uint32_t raw) = nullptr;
};

// The entry whose `applies` explains the difference, or null.
const Allowance* allowed(const Stream& s, const Outcome& ours, const Outcome& theirs);
// The stream with every entry's rewrite applied (or only that of `only`),
// and the first entry that changed something (null when none did).
Stream rewritten(const Stream& s, const Allowance** first, const Allowance* only = nullptr);
const std::vector<Allowance>& allow_list();

} // namespace mq::fuzz

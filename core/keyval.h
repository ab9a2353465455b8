// Option strings in QEMU's key=value syntax, parsed into a property bag (the
// equivalent of QEMU's QDict of strings), which then goes to qdev or to the
// machine (QEMU: util/qemu-option.c, util/keyval.c).
//
//     "edu,id=edu1,dma_mask=0xffffffff"  with implied key "driver"
//     -> { driver: "edu", id: "edu1", dma_mask: "0xffffffff" }
//
// Rules:
//   - the first element may omit its key: it is the implied key's value;
//   - ",," is a literal comma, in keys and values alike;
//   - "help" or "?" as an element asks for help;
//   - a bare "flag" means flag=on and "noflag" means flag=off (deprecated,
//     with QEMU's warning);
//   - a repeated key: the last one wins.
#pragma once

#include "core/error.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mq {

class PropertyBag {
public:
    // Sets `key`; a repeated key replaces the earlier value in place.
    void set(std::string_view key, std::string_view value);
    const std::string* get(std::string_view key) const;
    bool has(std::string_view key) const { return get(key) != nullptr; }
    std::optional<std::string> take(std::string_view key);
    bool empty() const { return m_entries.empty(); }

    auto begin() const { return m_entries.begin(); }
    auto end() const { return m_entries.end(); }

    // True when "help" or "?" was one of the elements.
    bool help = false;
    // Warnings found while parsing (deprecated short-form booleans).
    std::vector<std::string> warnings;

private:
    std::vector<std::pair<std::string, std::string>> m_entries;
};

Result<PropertyBag> keyval_parse(std::string_view params, std::string_view implied_key);

// QEMU's id_wellformed(): letters, digits, '-', '.', '_', starting with a letter.
bool id_wellformed(std::string_view id);
Error id_malformed_error();

// "help" or "?".
inline bool is_help_option(std::string_view s) { return s == "help" || s == "?"; }

} // namespace mq

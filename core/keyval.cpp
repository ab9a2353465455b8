#include "core/keyval.h"

#include <algorithm>
#include <cctype>

namespace mq {

void PropertyBag::set(std::string_view key, std::string_view value) {
    auto it = std::ranges::find_if(m_entries, [&](auto& e) { return e.first == key; });
    if (it != m_entries.end()) {
        it->second = value;
    } else {
        m_entries.emplace_back(key, value);
    }
}

const std::string* PropertyBag::get(std::string_view key) const {
    auto it = std::ranges::find_if(m_entries, [&](auto& e) { return e.first == key; });
    return it == m_entries.end() ? nullptr : &it->second;
}

std::optional<std::string> PropertyBag::take(std::string_view key) {
    auto it = std::ranges::find_if(m_entries, [&](auto& e) { return e.first == key; });
    if (it == m_entries.end()) return std::nullopt;
    std::string v = std::move(it->second);
    m_entries.erase(it);
    return v;
}

namespace {

// Reads a value up to the next single comma; ",," is a literal comma.
std::string read_value(std::string_view params, size_t& pos) {
    std::string value;
    while (pos < params.size()) {
        if (params[pos] == ',') {
            if (pos + 1 < params.size() && params[pos + 1] == ',') {
                value += ',';
                pos += 2;
                continue;
            }
            break;
        }
        value += params[pos++];
    }
    return value;
}

} // namespace

// As QEMU's opts_do_parse(): a name ends at the first '=' or ','. A name
// that ends at a comma has no value: the implied key's value if it comes
// first (read with ",," escapes), else a short-form boolean. An empty string
// has no parameters at all, not even the implied one.
Result<PropertyBag> keyval_parse(std::string_view params, std::string_view implied_key) {
    PropertyBag bag;
    if (params.empty()) return bag;
    size_t pos = 0;
    bool first = true;
    while (pos < params.size() || first) {
        size_t name_end = params.find_first_of("=,", pos);
        if (name_end == std::string_view::npos) name_end = params.size();
        if (name_end == params.size() || params[name_end] == ',') {
            size_t start = pos;
            std::string element = (first && !implied_key.empty())
                                      ? read_value(params, pos)
                                      : std::string(params.substr(start, name_end - start));
            if (!(first && !implied_key.empty())) pos = name_end;
            if (is_help_option(element)) {
                bag.help = true;
            } else if (first && !implied_key.empty()) {
                bag.set(implied_key, element);
            } else if (element.empty()) {
                // a stray comma, such as a trailing one
            } else if (element.starts_with("no") && element.size() > 2) {
                std::string key = element.substr(2);
                bag.warnings.push_back(fmt::format(
                    "warning: short-form boolean option '{}' deprecated\nPlease use {}=off instead",
                    element, key));
                bag.set(key, "off");
            } else {
                bag.warnings.push_back(fmt::format(
                    "warning: short-form boolean option '{}' deprecated\nPlease use {}=on instead",
                    element, element));
                bag.set(element, "on");
            }
        } else {
            std::string key(params.substr(pos, name_end - pos));
            if (key.empty()) return make_error("Invalid parameter ''");
            pos = name_end + 1;
            bag.set(key, read_value(params, pos));
        }
        first = false;
        if (pos < params.size())
            pos++; // the separating comma
        else
            break;
    }
    return bag;
}

bool id_wellformed(std::string_view id) {
    if (id.empty() || !std::isalpha(static_cast<unsigned char>(id[0]))) return false;
    return std::ranges::all_of(id, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
    });
}

Error id_malformed_error() {
    return make_error("Parameter 'id' expects an identifier")
        .with_hint(
            "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.\n");
}

} // namespace mq

// HMP argument parsing (QEMU: monitor/hmp.c, monitor_parse_arguments,
// get_str and the expression parser behind get_expr), with QEMU's messages.
//
// The parsers walk a NUL-terminated copy of the line, as QEMU's do, so that
// what counts as the end of a word, a number or the line is QEMU's.
// Arithmetic wraps at 64 bits (QEMU builds with -fwrapv).
#include "core/keyval.h"
#include "core/monitor.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace mq {

std::optional<std::string> HmpArgs::get_str(std::string_view key) const {
    auto it = m_values.find(key);
    if (it == m_values.end()) return std::nullopt;
    if (const auto* s = std::get_if<std::string>(&it->second)) return *s;
    return std::nullopt;
}

std::optional<int64_t> HmpArgs::get_int(std::string_view key) const {
    auto it = m_values.find(key);
    if (it == m_values.end()) return std::nullopt;
    if (const auto* v = std::get_if<int64_t>(&it->second)) return *v;
    return std::nullopt;
}

bool HmpArgs::get_bool(std::string_view key) const {
    auto it = m_values.find(key);
    if (it == m_values.end()) return false;
    const auto* b = std::get_if<bool>(&it->second);
    return b && *b;
}

namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

const char* skip_spaces(const char* p) {
    while (is_space(*p))
        p++;
    return p;
}

// QEMU's get_str reads into a 1024-byte buffer: longer strings are cut.
constexpr size_t kMaxStringLength = 1023;

// QEMU's expression grammar (expr_sum, expr_logic, expr_prod, expr_unary):
//   sum   = logic {('+' | '-') logic}
//   logic = prod {('&' | '|' | '^') prod}
//   prod  = unary {('*' | '/' | '%') unary}
//   unary = ('+' | '-' | '~') unary | '(' sum ')' | 'c' | $reg | number
// QEMU descends recursively; this keeps one frame per open parenthesis on
// the heap instead, so that a line of 4095 '(' cannot exhaust the stack.
// Operations happen in QEMU's order, so the first error is QEMU's.
class ExprParser {
public:
    ExprParser(Monitor& mon, const char* p) : m_mon(mon), m_p(p) {}

    // nullopt once it has printed an error.
    std::optional<int64_t> parse() {
        m_p = skip_spaces(m_p);
        std::vector<Level> levels(1);
        for (;;) {
            // A unary: its prefix operators, then '(' or a primary.
            Level& level = levels.back();
            char c = *m_p;
            if (c == '+' || c == '-' || c == '~') {
                level.prefix += c;
                next();
                continue;
            }
            if (c == '(') {
                next();
                levels.emplace_back();
                continue;
            }
            auto v = primary();
            if (!v) return std::nullopt;
            // Fold it in, and close every parenthesis that ends here.
            for (;;) {
                auto done = fold(levels.back(), *v);
                if (!done) return std::nullopt;
                if (!done->complete) break; // an operator: another unary follows
                v = done->value;
                if (levels.size() == 1) return v;
                if (*m_p != ')') return error("')' expected");
                next();
                levels.pop_back();
            }
        }
    }
    const char* pos() const { return m_p; }

private:
    struct Level {
        std::string prefix; // the unary operators before the operand being read
        int64_t prod = 0, logic = 0, sum = 0;
        char prod_op = 0, logic_op = 0, sum_op = 0; // 0: nothing pending
    };
    struct Folded {
        bool complete; // the level's sum is done: `value`
        int64_t value;
    };

    template <typename... Args>
    std::nullopt_t error(fmt::format_string<Args...> f, Args&&... args) {
        m_mon.printf("{}\n", fmt::format(f, std::forward<Args>(args)...));
        return std::nullopt;
    }

    void next() {
        if (*m_p != '\0') m_p = skip_spaces(m_p + 1);
    }

    static int64_t wrap(uint64_t v) { return static_cast<int64_t>(v); }

    std::optional<int64_t> primary() {
        switch (*m_p) {
        case '\'': {
            m_p++;
            if (*m_p == '\0') return error("character constant expected");
            int64_t n = static_cast<signed char>(*m_p);
            m_p++;
            if (*m_p != '\'') return error("missing terminating \' character");
            next();
            return n;
        }
        case '$':
            // QEMU 7.2 has no monitor register names for RISC-V.
            return error("unknown register");
        case '\0': return error("unexpected end of expression");
        default: {
            char* end = nullptr;
            errno = 0;
            uint64_t n = std::strtoull(m_p, &end, 0);
            if (errno == ERANGE) return error("number too large");
            if (end == m_p) return error("invalid char '{}' in expression", *m_p);
            m_p = skip_spaces(end);
            return wrap(n);
        }
        }
    }

    // A unary's value `v` goes into `level`: its prefix operators (innermost
    // first), then the pending operators, as each of QEMU's loops would.
    std::optional<Folded> fold(Level& level, int64_t v) {
        for (auto it = level.prefix.rbegin(); it != level.prefix.rend(); ++it) {
            if (*it == '-') v = wrap(-static_cast<uint64_t>(v));
            if (*it == '~') v = ~v;
        }
        level.prefix.clear();
        if (level.prod_op) {
            auto r = arith(level.prod_op, level.prod, v);
            if (!r) return std::nullopt;
            v = *r;
            level.prod_op = 0;
        }
        char c = *m_p;
        if (c == '*' || c == '/' || c == '%') {
            level.prod = v, level.prod_op = c;
            next();
            return Folded{false, 0};
        }
        if (level.logic_op) {
            v = *arith(level.logic_op, level.logic, v);
            level.logic_op = 0;
        }
        if (c == '&' || c == '|' || c == '^') {
            level.logic = v, level.logic_op = c;
            next();
            return Folded{false, 0};
        }
        if (level.sum_op) {
            v = *arith(level.sum_op, level.sum, v);
            level.sum_op = 0;
        }
        if (c == '+' || c == '-') {
            level.sum = v, level.sum_op = c;
            next();
            return Folded{false, 0};
        }
        return Folded{true, v};
    }

    std::optional<int64_t> arith(char op, int64_t a, int64_t b) {
        uint64_t ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
        switch (op) {
        case '+': return wrap(ua + ub);
        case '-': return wrap(ua - ub);
        case '*': return wrap(ua * ub);
        case '&': return a & b;
        case '|': return a | b;
        case '^': return a ^ b;
        default: break;
        }
        if (b == 0) return error("division by zero");
        // INT64_MIN / -1 overflows (QEMU dies of SIGFPE): it wraps here.
        if (b == -1) return op == '/' ? wrap(-ua) : 0;
        return op == '/' ? a / b : a % b;
    }

    Monitor& m_mon;
    const char* m_p;
};

// "a:s,b:-f" -> key "a", and `type` moves to "s,b:-f". False at the end.
bool next_key(const char*& type, std::string& key) {
    if (*type == ',') type++;
    const char* colon = std::strchr(type, ':');
    if (!colon) return false;
    key.assign(type, colon);
    type = colon + 1;
    return true;
}

// Whether "-c" is one of the options still to come in the type string.
bool is_valid_option(char c, const char* type) {
    std::string option = c ? std::string{'-', c} : std::string("-");
    return std::strstr(type, option.c_str()) != nullptr;
}

// The option lists an 'O' argument may name (QEMU's qemu_find_opts), by
// their implied first key.
const char* implied_option_key(std::string_view list) {
    if (list == "device") return "driver";
    return nullptr;
}

} // namespace

std::optional<PropertyBag> hmp_parse_options(Monitor& mon, std::string_view text,
                                             std::string_view implied_key) {
    auto bag = keyval_parse(text, implied_key);
    if (bag) {
        if (const std::string* id = bag->get("id"); id && !id_wellformed(*id)) {
            bag = id_malformed_error();
        }
    }
    if (!bag) {
        mon.printf("{}\n{}", bag.error().message, bag.error().hint);
        return std::nullopt;
    }
    for (const auto& w : bag->warnings)
        mon.printf("{}\n", w);
    return std::move(*bag);
}

std::optional<std::string> hmp_get_str(Monitor& mon, const char*& pp) {
    const char* p = skip_spaces(pp);
    if (*p == '\0') return std::nullopt;
    std::string out;
    auto add = [&](char c) {
        if (out.size() < kMaxStringLength) out += c;
    };
    // QEMU prints these two with printf, to its stdout: hence the bare "\n".
    if (*p == '"') {
        p++;
        while (*p != '\0' && *p != '"') {
            if (*p != '\\') {
                add(*p++);
                continue;
            }
            p++;
            char c = *p;
            switch (c) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case '\\':
            case '\'':
            case '"': break;
            default:
                mon.printf_raw(fmt::format("unsupported escape code: '\\{}'\n", c));
                return std::nullopt;
            }
            p++;
            add(c);
        }
        if (*p != '"') {
            mon.printf_raw("unterminated string\n");
            return std::nullopt;
        }
        p++;
    } else {
        while (*p != '\0' && !is_space(*p))
            add(*p++);
    }
    pp = p;
    return out;
}

std::optional<int64_t> hmp_get_expr(Monitor& mon, const char*& pp) {
    ExprParser parser(mon, pp);
    auto v = parser.parse();
    pp = parser.pos();
    return v;
}

std::optional<HmpArgs> hmp_parse_arguments(Monitor& mon, const HmpCommand& cmd,
                                           std::string_view args) {
    const std::string line(args); // NUL-terminated, as the parsers expect
    const char* p = line.c_str();
    const char* type = cmd.args_type.c_str();
    HmpArgs out;
    std::string key;
    while (next_key(type, key)) {
        char c = *type++;
        switch (c) {
        case 'F':
        case 's': {
            p = skip_spaces(p);
            if (*type == '?') {
                type++;
                if (*p == '\0') break; // no optional string
            }
            auto s = hmp_get_str(mon, p);
            if (!s) {
                mon.printf("{}: {} expected\n", cmd.name, c == 'F' ? "filename" : "string");
                return std::nullopt;
            }
            out.put(key, std::move(*s));
            break;
        }
        case 'O': {
            // Options in -device syntax: the value must parse, or QEMU's
            // message for it; the handler parses it again.
            const char* implied = implied_option_key(key);
            if (!implied) {
                mon.printf("{}: unknown type '{}'\n", cmd.name, c);
                return std::nullopt;
            }
            p = skip_spaces(p);
            if (*p == '\0') break;
            auto s = hmp_get_str(mon, p);
            if (!s) return std::nullopt;
            auto bag = hmp_parse_options(mon, *s, implied);
            if (!bag) return std::nullopt;
            out.put(key, std::move(*s));
            break;
        }
        case 'S': {
            p = skip_spaces(p);
            if (*type == '?') {
                type++;
                if (*p == '\0') break;
            }
            if (*p == '\0') {
                mon.printf("{}: string expected\n", cmd.name);
                return std::nullopt;
            }
            out.put(key, std::string(p));
            p += std::strlen(p);
            break;
        }
        case '/': {
            p = skip_spaces(p);
            // QEMU keeps the count in an int: digits past INT_MAX wrap.
            uint32_t count = 1;
            int format = mon.last_format;
            int size = mon.last_size;
            if (*p == '/') {
                p++;
                if (is_digit(*p)) {
                    count = 0;
                    while (is_digit(*p))
                        count = count * 10 + static_cast<uint32_t>(*p++ - '0');
                }
                int given_format = -1, given_size = -1;
                for (bool more = true; more;) {
                    switch (*p) {
                    // 'i' (disassembly) is QEMU's too, but not here yet.
                    case 'o':
                    case 'd':
                    case 'u':
                    case 'x':
                    case 'c': given_format = *p++; break;
                    case 'b': given_size = 1, p++; break;
                    case 'h': given_size = 2, p++; break;
                    case 'w': given_size = 4, p++; break;
                    case 'g':
                    case 'L': given_size = 8, p++; break;
                    default: more = false; break;
                    }
                }
                if (*p != '\0' && !is_space(*p)) {
                    mon.printf("invalid char in format: '{}'\n", *p);
                    return std::nullopt;
                }
                if (given_format >= 0) format = given_format;
                if (given_size >= 0) size = given_size;
                mon.last_format = static_cast<char>(format);
                mon.last_size = size;
            }
            out.put("count", static_cast<int64_t>(static_cast<int32_t>(count)));
            out.put("format", static_cast<int64_t>(format));
            out.put("size", static_cast<int64_t>(size));
            break;
        }
        case 'i':
        case 'l': {
            p = skip_spaces(p);
            if (*type == '?') {
                type++;
                if (*p == '\0') break;
            }
            auto v = hmp_get_expr(mon, p);
            if (!v) return std::nullopt;
            if (c == 'i' && ((static_cast<uint64_t>(*v) >> 32) & 0xffffffff)) {
                mon.printf("'{}' has failed: integer is for 32-bit values\n", cmd.name);
                return std::nullopt;
            }
            out.put(key, *v);
            break;
        }
        case '-': {
            char option = *type++;
            if (option == '\0') {
                mon.printf("{}: unknown type '{}'\n", cmd.name, c);
                return std::nullopt;
            }
            // An option that is not this one may be one of the next keys'.
            const char* before = p;
            p = skip_spaces(p);
            if (*p != '-') {
                p = before;
                break;
            }
            p++;
            if (*p != option) {
                if (!is_valid_option(*p, type)) {
                    // QEMU formats this with %c: a NUL ends the message
                    // there, without its newline.
                    if (*p == '\0') {
                        mon.printf("{}: unsupported option -", cmd.name);
                    } else {
                        mon.printf("{}: unsupported option -{}\n", cmd.name, *p);
                    }
                    return std::nullopt;
                }
                p = before;
                break;
            }
            p++;
            out.put(key, true);
            break;
        }
        default: mon.printf("{}: unknown type '{}'\n", cmd.name, c); return std::nullopt;
        }
    }
    p = skip_spaces(p);
    if (*p != '\0') {
        mon.printf("{}: extraneous characters at the end of line\n", cmd.name);
        return std::nullopt;
    }
    return out;
}

} // namespace mq

// Errors that the user or the host caused: a bad option, a missing file, a
// property value that does not parse. They travel back to the caller as
// values (Result<T>), never as exceptions, and are finally printed in QEMU's
// wording by whoever owns the command line or the monitor.
//
// Guest mistakes never come this way: those become RISC-V traps or
// `guest_errors` log lines (see core/log.h).
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace mq {

struct Error {
    std::string message;
    // Extra lines printed after the message, like QEMU's error_append_hint().
    std::string hint;
    // Where the bad input came from, like QEMU's Location: "-device foo".
    std::string location;

    Error& with_hint(std::string h) {
        hint += std::move(h);
        return *this;
    }
    Error& at(std::string loc) {
        if (location.empty()) location = std::move(loc);
        return *this;
    }
};

// Prints "program: location: message" and the hint to stderr, as QEMU's
// error_report_err() does.
void error_report_err(const Error& error);
// The program name used as the prefix (basename of argv[0]).
void error_set_progname(const char* argv0);
const std::string& error_get_progname();

template <typename... Args>
[[nodiscard]] Error make_error(fmt::format_string<Args...> format, Args&&... args) {
    return Error{fmt::format(format, std::forward<Args>(args)...), {}};
}

// A value or an Error. It cannot be silently dropped.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_value(std::move(value)) {}
    Result(Error error) : m_value(std::move(error)) {}

    bool ok() const { return m_value.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(m_value); }
    const T& value() const& { return std::get<0>(m_value); }
    T&& value() && { return std::get<0>(std::move(m_value)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { return std::get<1>(m_value); }
    Error&& take_error() { return std::get<1>(std::move(m_value)); }

private:
    std::variant<T, Error> m_value;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)) {}

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return *m_error; }
    Error&& take_error() { return std::move(*m_error); }

private:
    std::optional<Error> m_error;
};

using Status = Result<void>;

} // namespace mq

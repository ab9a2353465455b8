// A file name of the test's own in the temp directory ($TMPDIR, else /tmp),
// removed when the test is done with it. Suites may run at the same time
// (ctest -j, or a sanitizer build beside the plain one): the name holds the
// process id and a counter, so no two tests write the same file.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <system_error>

namespace mq::test {

class TempFile {
public:
    // `name` says what the file is, for whoever finds one left behind:
    // TempFile("virt.dtb") is /tmp/miniqemu-<pid>-<n>-virt.dtb.
    explicit TempFile(const std::string& name) {
        static std::atomic<unsigned> counter{0};
        m_path = (std::filesystem::temp_directory_path() /
                  ("miniqemu-" + std::to_string(::getpid()) + "-" +
                   std::to_string(counter.fetch_add(1)) + "-" + name))
                     .string();
    }
    ~TempFile() {
        std::error_code ignored;
        std::filesystem::remove(m_path, ignored);
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

} // namespace mq::test

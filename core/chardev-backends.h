// The chardev backends that talk to the host through file descriptors:
// sockets (chardev-socket.cpp), pseudo-terminals and named pipes
// (chardev-host.cpp). chardev-opts.cpp turns -chardev options and the short
// forms of -serial/-monitor/-qmp/-gdb into calls of these.
#pragma once

#include "core/chardev.h"

#include <memory>
#include <string>
#include <string_view>

namespace mq {

struct SocketOptions {
    std::string path;       // a unix socket, or
    std::string host, port; // TCP (an empty host: every address)
    bool server = false;
    bool wait = true; // a server: block start-up until a client connects
    bool nodelay = false;
    int reconnect = 0;       // a client: seconds between attempts, 0 for never
    bool no_address = false; // QEMU's fd= socket without an fd: a server that listens nowhere
};

// `location` prefixes the "waiting for connection" line, as QEMU's does.
Result<std::unique_ptr<Chardev>> chardev_socket_open(const std::string& id, SocketOptions opts,
                                                     std::string_view location);
// A new pseudo-terminal; announces its name on stdout, as QEMU does.
Result<std::unique_ptr<Chardev>> chardev_pty_open(const std::string& id);
// PATH.in and PATH.out, or PATH itself both ways.
Result<std::unique_ptr<Chardev>> chardev_pipe_open(const std::string& id, const std::string& path);

} // namespace mq

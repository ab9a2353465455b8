// Networking: back ends (-netdev) and the NICs that connect to them
// (QEMU: net/net.c, net/slirp.c).
//
// A NetClientState is one end of a link; a back end (user-mode "user", via
// libslirp) and a NIC (virtio-net) are peers. Frames are whole Ethernet
// frames without FCS. A sender calls qemu_send_packet(); the peer's
// receive() gets it at once if can_receive(), or it is queued (bounded) and
// delivered when the peer calls qemu_flush_queued_packets().
//
// Everything here runs under the big lock: slirp on its poller thread (see
// core/net/README.md), a NIC from its MMIO and its own callbacks. So a NIC's
// receive() may run on the slirp poller thread, with the lock held.
#pragma once

#include "core/error.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mq {

class NetClientState {
public:
    virtual ~NetClientState();

    // The id (-netdev id=) or the NIC's name; "model" is the kind: "user",
    // "virtio-net-pci", ...
    std::string name;
    std::string model;
    // `info network`'s description: "net=10.0.2.0,restrict=off",
    // "model=virtio-net-pci,macaddr=52:54:00:12:34:56".
    std::string info_str;
    NetClientState* peer = nullptr;
    bool is_nic = false;

    virtual bool can_receive() { return true; }
    // Returns the length taken, or 0 when it cannot take it now (the frame
    // is then queued and retried on qemu_flush_queued_packets()).
    virtual size_t receive(const uint8_t* buf, size_t len) = 0;

    // Frames for this client that it could not take yet.
    std::vector<std::vector<uint8_t>> queue;
};

// Delivers a frame from `sender` to its peer (dropped without a peer).
void qemu_send_packet(NetClientState* sender, const uint8_t* buf, size_t len);
// The receiver can take more: delivers what is queued for it.
void qemu_flush_queued_packets(NetClientState* receiver);

// Registers a client (keeps it for `info network`; does not own it).
void qemu_net_register(NetClientState* nc);
void qemu_net_unregister(NetClientState* nc);

// A -netdev back end by id, or null.
NetClientState* qemu_find_netdev(std::string_view id);

// A NIC's MAC: the "mac" property's text, or QEMU's default
// 52:54:00:12:34:(56 + n) for the n-th NIC without one.
using MacAddr = std::array<uint8_t, 6>;
Result<MacAddr> qemu_parse_macaddr(std::string_view text);
MacAddr qemu_macaddr_default_if_unset();
// Marks a MAC in QEMU's default range as taken, so that no default repeats
// it (a NIC given mac=52:54:00:12:34:56 calls this).
void qemu_macaddr_set_used(const MacAddr& mac);
// "52:54:00:12:34:56".
std::string qemu_mac_strdup_printf(const MacAddr& mac);

// -netdev TYPE,id=ID,...: creates the back end (user: libslirp).
Status netdev_add(std::string_view spec);
// -nic TYPE[,model=M][,mac=...][,...]: a back end plus a NIC device; returns
// the -device text to add for it
// ("virtio-net-pci,netdev=__org.qemu.nic0,mac=..."), or "" for -nic none.
Result<std::string> nic_add(std::string_view spec);
// -net nic[,...] and -net user[,...]: QEMU's old hub form, as far as it
// connects one NIC to one back end. Returns -device texts to add.
Result<std::vector<std::string>> net_legacy_add(const std::vector<std::string>& specs);

// `info network`.
std::string net_info_string();
// Once the machine is built: "warning: netdev n0 has no peer" for each back
// end no NIC took, and "warning: nic N has no peer" (QEMU: net_check_clients).
std::vector<std::string> net_check_clients();

// Destroys the back ends (stopping their threads) and forgets every client.
// Call it after the vCPUs have stopped, with or without the big lock.
void net_cleanup();

} // namespace mq

// pcap traces (models/tcpv/tcp/wire.hpp, models/tcpv/tcp/pcap.hpp): checksums and byte layout
// by hand, the wire events of a trace, and a counterexample of the close model written by
// `tcpv check --pcap` and read back by Wireshark's tshark (skipped when tshark is missing).
#include <doctest/doctest.h>

#include <tcpv/checker.hpp>
#include <tcpv/tcp/models/close.hpp>
#include <tcpv/tcp/pcap.hpp>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "../support/run_program.hpp"

namespace pcap = tcpv::tcp::pcap;
namespace wire = tcpv::tcp::wire;
using tcpv::tcp::pair_action;
using tcpv::tcp::pair_state;
using tcpv::tcp::segment;

namespace {

std::uint16_t be16(const std::vector<std::uint8_t>& b, std::size_t at) { return std::uint16_t(b[at] << 8 | b[at + 1]); }
std::uint32_t be32(const std::vector<std::uint8_t>& b, std::size_t at) {
    return std::uint32_t(be16(b, at)) << 16 | be16(b, at + 2);
}

// tshark from PATH, or "" (run_program needs an absolute path).
std::string find_tshark() {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const std::filesystem::path p = std::filesystem::path(dir) / "tshark";
        if (!dir.empty() && ::access(p.c_str(), X_OK) == 0) return p.string();
    }
    return "";
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    for (std::string l; std::getline(ss, l);)
        if (!l.empty()) out.push_back(l);
    return out;
}

// tshark's fields of every frame, one line each, separated by commas, with checksum checks on.
std::vector<std::string> tshark_fields(const std::string& tshark, const std::string& file,
                                       const std::vector<std::string>& fields) {
    std::vector<std::string> argv = {tshark, "-r", file, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                                     "-T", "fields", "-E", "separator=,"};
    for (const auto& f : fields) argv.insert(argv.end(), {"-e", f});
    const auto r = tcpv_test::run_program(argv, 120);
    INFO("tshark stderr: " << r.err);
    REQUIRE(r.status == 0);
    return lines(r.out);
}

}  // namespace

TEST_CASE("pcap: the Internet checksum matches RFC 1071's example and folds a checked header to 0") {
    // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2, whose complement is 220d.
    const std::vector<std::uint8_t> words = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    CHECK(pcap::checksum(words) == 0x220d);
    // An odd last byte counts as the high byte of a word.
    CHECK(pcap::checksum(std::vector<std::uint8_t>{0x12}) == std::uint16_t(~0x1200));

    pcap::packet_fields f;
    f.src = {{10, 0, 0, 1}, 49152};
    f.dst = {{10, 0, 0, 2}, 49153};
    f.flags = tcpv::tcp::FIN | tcpv::tcp::ACK;
    f.seq = 1001;
    f.ack = 1009;
    f.payload = true;
    f.tsval = 7;
    f.ip_id = 3;
    const auto p = pcap::packet(f);
    REQUIRE(p.size() == 20 + 32 + 1);
    CHECK(pcap::checksum(std::span(p).first(20)) == 0);  // the IPv4 header, checksum included
    CHECK(pcap::checksum(std::span(p).subspan(20), pcap::pseudo_header_sum(f.src, f.dst, p.size() - 20)) == 0);
}

TEST_CASE("pcap: a packet has the IPv4 and TCP layout of RFC 791 and RFC 9293") {
    pcap::packet_fields f;
    f.src = {{10, 0, 0, 1}, 49152};
    f.dst = {{10, 0, 0, 2}, 80};
    f.flags = tcpv::tcp::SYN | tcpv::tcp::ACK | tcpv::tcp::RST;
    f.seq = 0x01020304;
    f.ack = 0x0a0b0c0d;
    f.ip_id = 0x1234;
    f.ttl = pcap::ttl_never_arrived;
    const auto p = pcap::packet(f);
    REQUIRE(p.size() == 40);
    CHECK(p[0] == 0x45);
    CHECK(be16(p, 2) == 40);      // total length
    CHECK(be16(p, 4) == 0x1234);  // identification
    CHECK(be16(p, 6) == 0x4000);  // don't fragment
    CHECK(p[8] == 1);             // TTL
    CHECK(p[9] == 6);             // TCP
    CHECK(be32(p, 12) == 0x0a000001);
    CHECK(be32(p, 16) == 0x0a000002);
    CHECK(be16(p, 20) == 49152);
    CHECK(be16(p, 22) == 80);
    CHECK(be32(p, 24) == 0x01020304);
    CHECK(be32(p, 28) == 0x0a0b0c0d);
    CHECK(p[32] == 0x50);         // data offset: 5 words
    CHECK(p[33] == (0x02 | 0x04 | 0x10));
    CHECK(be16(p, 34) == 8192);

    // Without ACK the acknowledgment field is zero; with a timestamp, NOP NOP TS 10 TSval TSecr.
    f.flags = tcpv::tcp::FIN;
    f.tsval = 9;
    const auto q = pcap::packet(f);
    REQUIRE(q.size() == 52);
    CHECK(be32(q, 28) == 0);
    CHECK(q[32] == 0x80);
    CHECK(q[33] == 0x01);
    CHECK(std::vector<std::uint8_t>(q.begin() + 40, q.begin() + 44) == std::vector<std::uint8_t>{1, 1, 8, 10});
    CHECK(be32(q, 44) == 9);
    CHECK(be32(q, 48) == 0);
}

TEST_CASE("pcap: sequence numbers are unwrapped per space, across the model's modulo-16 wrap") {
    pcap::unwrapper u(1000);
    CHECK(u(14) == 1014);
    CHECK(u(15) == 1015);
    CHECK(u(0) == 1016);  // the model wrapped; the wire does not
    CHECK(u(2) == 1018);
    CHECK(u(15) == 1015);  // a step back (a retransmission) stays a step back
    pcap::unwrapper low(0);
    CHECK(low(0) == 0);
    CHECK(low(15) == 0xffffffffu);  // below the base: modulo 2^32, as TCP numbers are
}

TEST_CASE("pcap: the file header and records are classic little-endian libpcap, raw IPv4") {
    wire::event e;
    e.clock = 2;
    e.order = 3;
    e.seg.flags = tcpv::tcp::SYN;
    const std::string f = pcap::file({e});
    REQUIRE(f.size() == 24 + 16 + 40);
    auto le32 = [&](std::size_t at) {
        std::uint32_t v = 0;
        for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(f[at + std::size_t(i)]);
        return v;
    };
    CHECK(le32(0) == 0xa1b2c3d4);
    CHECK(le32(4) == (2u | 4u << 16));  // version 2.4
    CHECK(le32(20) == pcap::linktype_raw);
    CHECK(le32(24) == 2);      // seconds: clock 2, one second per tick
    CHECK(le32(28) == 3000);   // microseconds: the fourth segment of that tick
    CHECK(le32(32) == 40);
    CHECK(le32(36) == 40);
    CHECK(static_cast<unsigned char>(f[40]) == 0x45);
}

TEST_CASE("pcap: wire events follow sends, duplicates, losses, deliveries and expiry") {
    const tcpv::tcp::network_config net{4, 1, true, true, true};
    segment fin;
    fin.flags = tcpv::tcp::FIN | tcpv::tcp::ACK;
    fin.seq = 1;
    fin.ack = 9;
    segment ack;
    ack.flags = tcpv::tcp::ACK;
    ack.seq = 9;
    ack.ack = 2;
    std::vector<pair_action> acts;
    std::vector<pair_state> states;
    pair_state s;
    acts.push_back({});
    states.push_back(s);
    auto add = [&](pair_action a) {
        acts.push_back(a);
        states.push_back(s);
    };
    s.ch[0].send(fin, net);  // 1: A closes
    add({pair_action::kind::call, 0, tcpv::tcp::event_id::close, 0});
    const std::uint32_t fin0 = s.ch[0].slot[0];
    s.ch[0].duplicate(0, net);  // 2: the network copies the FIN
    add({pair_action::kind::duplicate, 0, tcpv::tcp::event_id::close, fin0});
    s.ch[0].remove(0);  // 3: one copy arrives, B answers
    s.ch[1].send(ack, net);
    add({pair_action::kind::deliver, 0, tcpv::tcp::event_id::close, fin0});
    const std::uint32_t ack0 = s.ch[1].slot[0];
    s.ch[1].remove(0);  // 4: the ACK is lost
    add({pair_action::kind::lose, 1, tcpv::tcp::event_id::close, ack0});
    s.ch[0].age(net);  // 5: tick; the other FIN copy lives on (msl 1)
    add({pair_action::kind::tick});
    s.ch[0].age(net);  // 6: tick; it expires, and A's timer resends the FIN
    s.ch[0].send(fin, net);
    add({pair_action::kind::tick});

    const auto ev = wire::events(
        acts.size(), [&](std::size_t i) -> const pair_action& { return acts[i]; },
        [&](std::size_t i) -> const pair_state& { return states[i]; });
    REQUIRE(ev.size() == 4);
    CHECK(ev[0].step == 1);
    CHECK(ev[0].seg == fin);
    CHECK(ev[0].end == wire::fate::delivered);
    CHECK(ev[0].end_step == 3);
    CHECK(ev[1].step == 2);
    CHECK(ev[1].duplicate);
    CHECK(ev[1].end == wire::fate::expired);
    CHECK(ev[1].end_step == 6);
    CHECK(ev[2].from == 1);
    CHECK(ev[2].seg == ack);
    CHECK(ev[2].end == wire::fate::lost);
    CHECK(ev[3].step == 6);
    CHECK(ev[3].clock == 2);
    CHECK(ev[3].order == 0);
    CHECK(ev[3].end == wire::fate::in_flight);
    CHECK(ev[0].clock == 0);
    CHECK(ev[2].order == 2);
}

TEST_CASE("pcap: tcpv check --pcap writes the lost-final-ACK counterexample; tshark reads it back") {
    const std::string dir = std::string(TCPV_BINARY_DIR) + "/test_pcap";
    std::filesystem::create_directories(dir);
    const std::string file = dir + "/close-time-wait-1.pcap";
    std::filesystem::remove(file);
    const auto r = tcpv_test::run_program({TCPV_PROGRAM, "check", "close", "--set", "time_wait=1", "--set",
                                           "reordering=off", "--quiet", "--pcap", file},
                                          300);
    INFO("tcpv stdout: " << r.out << "\ntcpv stderr: " << r.err);
    REQUIRE(r.status == 1);  // violated: no-reset-after-graceful-close
    REQUIRE(std::filesystem::exists(file));

    const std::string tshark = find_tshark();
    if (tshark.empty()) {
        MESSAGE("tshark is not installed (apt-get install tshark): the pcap file is not read back");
        return;
    }
    const auto frames = tshark_fields(tshark, file,
                                      {"ip.src", "tcp.srcport", "tcp.flags", "tcp.seq_raw", "tcp.ack_raw", "ip.ttl",
                                       "tcp.checksum.status", "ip.checksum.status", "frame.time_epoch"});
    // Both close at once; B's ACK of A's FIN is lost (TTL 1); A's FIN is retransmitted one tick
    // later and B, already CLOSED after a TIME-WAIT of one tick, answers with a RST. Checksum
    // status 1 is "good" for both headers.
    const std::vector<std::string> want = {
        "10.0.0.1,49152,0x0011,1001,1009,64,1,1,0.000000000",  // A: FIN+ACK
        "10.0.0.2,49153,0x0011,1009,1001,64,1,1,0.001000000",  // B: FIN+ACK
        "10.0.0.2,49153,0x0010,1010,1002,1,1,1,0.002000000",   // B: ACK of A's FIN, lost
        "10.0.0.1,49152,0x0010,1002,1010,64,1,1,0.003000000",  // A: ACK of B's FIN
        "10.0.0.1,49152,0x0011,1001,1010,64,1,1,1.000000000",  // A: FIN+ACK again (timer)
        "10.0.0.2,49153,0x0004,1010,0,64,1,1,1.001000000",     // B, CLOSED: RST
    };
    CHECK(frames == want);
}

TEST_CASE("pcap: a payload byte and the timestamp option pass tshark's checksum check") {
    const std::string tshark = find_tshark();
    if (tshark.empty()) {
        MESSAGE("tshark is not installed (apt-get install tshark): skipped");
        return;
    }
    wire::event e;
    e.seg.flags = tcpv::tcp::ACK;
    e.seg.seq = 3;
    e.seg.ack = 5;
    e.seg.len = 1;
    e.seg.tsval = 42;
    e.end = wire::fate::delivered;
    const std::string dir = std::string(TCPV_BINARY_DIR) + "/test_pcap";
    std::filesystem::create_directories(dir);
    const std::string file = dir + "/payload-timestamp.pcap";
    pcap::write(file, pcap::file({e}));
    const auto frames =
        tshark_fields(tshark, file, {"tcp.len", "tcp.options.timestamp.tsval", "tcp.checksum.status", "ip.checksum.status"});
    CHECK(frames == std::vector<std::string>{"1,42,1,1"});
}

TEST_CASE("pcap: --pcap names the problem for a model without packets and with --all") {
    const std::string file = std::string(TCPV_BINARY_DIR) + "/test_pcap/unused.pcap";
    auto r = tcpv_test::run_program({TCPV_PROGRAM, "check", "handshake", "--pcap", file}, 60);
    CHECK(r.status == 2);
    CHECK(r.err.find("--pcap: model 'handshake' cannot write its traces as packets") != std::string::npos);
    CHECK(r.err.find("the models that can: close") != std::string::npos);
    r = tcpv_test::run_program({TCPV_PROGRAM, "check", "--all", "--pcap", file}, 60);
    CHECK(r.status == 2);
    CHECK(r.err.find("--pcap applies to one model, not --all") != std::string::npos);
    // Every property holds: nothing to write, and no file left behind.
    std::filesystem::remove(file);
    r = tcpv_test::run_program({TCPV_PROGRAM, "check", "close", "--quiet", "--pcap", file}, 300);
    CHECK(r.status == 0);
    CHECK(r.err.find("no counterexample to write") != std::string::npos);
    CHECK(!std::filesystem::exists(file));
}

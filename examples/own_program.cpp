// A project's own `tcpv` program: register your models with named parameters, and reuse the
// command-line front end (list, check, --set, --json, exit status 0/1/2/3).
#include <tcpv/cli.hpp>

#include <iostream>
#include <sstream>

#include "lost_final_ack.hpp"

int main(int argc, char** argv) {
    tcpv::registry models;
    models.add(tcpv::entry<example::lost_final_ack>(
        "lost-final-ack", "a lost final ACK against a short TIME_WAIT",
        {tcpv::int_parameter("time_wait", "ticks in TIME_WAIT", 5, 1, 20),
         tcpv::int_parameter("rto", "ticks before the peer resends its FIN", 2, 1, 20),
         tcpv::int_parameter("retries", "FIN retransmissions before giving up", 2, 0, 10)},
        [](const tcpv::parameter_values& v) {
            return example::lost_final_ack{int(v["time_wait"]), int(v["rto"]), int(v["retries"])};
        }));
    if (argc > 1) return tcpv::cli::main(argc, argv, models);  // used as a real program

    // Without arguments: run the documented commands and check their exit status.
    auto run = [&](std::vector<std::string_view> args) {
        std::ostringstream out, err;
        const int status = tcpv::cli::run(models, args, out, err);
        std::cout << "$ tcpv";
        for (auto a : args) std::cout << ' ' << a;
        std::cout << "   -> exit " << status << '\n' << out.str() << err.str();
        return status;
    };
    int failures = 0;
    failures += run({"check", "lost-final-ack", "--quiet"}) != 0;
    failures += run({"check", "lost-final-ack", "--set", "time_wait=4", "--quiet"}) != 1;
    failures += run({"check", "lost-final-ack", "--set", "time_wait=99"}) != 2;  // out of range
    failures += run({"check", "lost-final-ack", "--set", "mss=1"}) != 2;         // no such parameter
    failures += run({"check", "lost-final-ack", "--max-states", "3", "--quiet"}) != 3;
    return failures == 0 ? 0 : 1;
}

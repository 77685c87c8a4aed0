// The `tcpv` program: the command-line front end (include/tcpv/cli.hpp) over every model that
// tcpv ships (models/tcpv/all_models.hpp). Projects with models of their own build the same
// program around their own registry.
#include <tcpv/all_models.hpp>
#include <tcpv/cli.hpp>

int main(int argc, char** argv) {
    tcpv::registry models;
    tcpv::register_all_models(models);
    return tcpv::cli::main(argc, argv, models);
}

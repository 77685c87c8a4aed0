// The one doctest main() of every test program (compiled once, linked into each).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

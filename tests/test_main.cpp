// The one main() of fontgan_tests; every tests/test_<concept>.cpp adds its TEST_CASEs to it.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

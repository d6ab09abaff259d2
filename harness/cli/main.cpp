#include "harness/cli/cli.h"

int main(int argc, char** argv) { return fabcheck::cli::runCli(argc, argv); }

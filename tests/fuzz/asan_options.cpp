// Linked into every fuzz target (tests/fuzz/CMakeLists.txt). The parser sources a target
// compiles itself (for coverage) also sit in the library it links; their globals (vtables,
// constant tables) are then registered twice with AddressSanitizer, which would report that as
// an ODR violation although both copies come from the same source. Every other check stays on.
extern "C" const char* __asan_default_options() { return "detect_odr_violation=0"; }

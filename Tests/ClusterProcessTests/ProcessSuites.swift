import Testing

/// Every suite that starts node processes, one test at a time: a few debug-built clusters at
/// once on this project's 2 cores made timing-sensitive tests elsewhere miss their deadlines,
/// and launching many processes at once from one test process is where it crashed twice
/// (a segfault in a Foundation worker thread) on a loaded machine.
@Suite(.serialized) enum ProcessSuites {}

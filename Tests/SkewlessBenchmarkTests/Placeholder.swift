import Testing
@testable import SkewlessBenchmark

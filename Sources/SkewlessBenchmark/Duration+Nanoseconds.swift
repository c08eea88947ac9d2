extension Duration {
    /// Whole nanoseconds, 0 for a negative duration and `UInt64.max` past it: the unit of
    /// `BenchmarkClock`.
    package var benchmarkNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return .max }
        return whole.addingReportingOverflow(UInt64(max(0, attoseconds) / 1_000_000_000)).partialValue
    }
}

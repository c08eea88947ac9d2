import Foundation

/// The resident set size of a process, from /proc (Linux).
package enum ResidentMemory {
    /// VmRSS of `pid` in bytes; nil when the process or /proc is not there.
    package static func bytes(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return parseStatus(status)
    }

    /// VmRSS from the text of /proc/PID/status ("VmRSS:   123456 kB").
    package static func parseStatus(_ status: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let digits = line.split(separator: " ").compactMap { Int($0) }
            return digits.first.map { $0 * 1024 }
        }
        return nil
    }
}

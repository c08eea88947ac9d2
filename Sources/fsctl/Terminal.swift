#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What `fsctl` knows about the terminal it prints to.
enum Terminal {
    /// The width of standard output in columns when it is a terminal, else `unlimited`
    /// (so piped output does not depend on the window it was run in).
    static func width(unlimited: Int = Int.max) -> Int {
        guard isatty(STDOUT_FILENO) == 1 else { return unlimited }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return Int(size.ws_col)
        }
        return 80
    }
}

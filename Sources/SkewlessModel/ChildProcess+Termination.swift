#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ChildProcess {
    /// How a child process ended.
    package enum Termination: Sendable, Hashable, CustomStringConvertible {
        /// It exited with this status (0 to 255).
        case exited(Int32)
        /// A signal it did not handle ended it (SIGKILL, SIGTERM, SIGSEGV...).
        case signalled(Int32)
        /// Something else in this process collected its status first (a `waitpid(-1)`, or
        /// SIGCHLD set to SIG_IGN), so how it ended is not known.
        case unknown

        /// Whether it exited with status 0.
        package var succeeded: Bool { self == .exited(0) }

        package var description: String {
            switch self {
            case .exited(let status): return "exit status \(status)"
            case .signalled(let signal): return "killed by signal \(signal)\(Self.name(of: signal).map { " (\($0))" } ?? "")"
            case .unknown: return "status unknown (collected elsewhere in this process)"
            }
        }

        private static func name(of signal: Int32) -> String? {
            switch signal {
            case SIGHUP: return "SIGHUP"
            case SIGINT: return "SIGINT"
            case SIGQUIT: return "SIGQUIT"
            case SIGILL: return "SIGILL"
            case SIGTRAP: return "SIGTRAP"
            case SIGABRT: return "SIGABRT"
            case SIGBUS: return "SIGBUS"
            case SIGFPE: return "SIGFPE"
            case SIGKILL: return "SIGKILL"
            case SIGUSR1: return "SIGUSR1"
            case SIGSEGV: return "SIGSEGV"
            case SIGUSR2: return "SIGUSR2"
            case SIGPIPE: return "SIGPIPE"
            case SIGALRM: return "SIGALRM"
            case SIGTERM: return "SIGTERM"
            default: return nil
            }
        }
    }
}

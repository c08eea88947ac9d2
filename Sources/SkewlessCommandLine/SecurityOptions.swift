import ArgumentParser
import Foundation
import Skewless

/// TLS and the bearer token of every fsctl and fsbench command that talks to nodes
/// (docs/operations.md, "Security"), declared once for both tools. The token comes from
/// --token-file, or else from the environment variable SKEWLESS_TOKEN, never from the command
/// line (where `ps` would show it).
package struct SecurityOptions: ParsableArguments {
    @Flag(help: "Talk to the nodes over TLS, trusting the system's roots (or --tls-ca).")
    package var tls = false

    @Option(name: .customLong("tls-ca"), help: ArgumentHelp("PEM CA certificates that sign the nodes' certificates (implies --tls).", valueName: "file"))
    package var tlsCA: String?

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("A PEM client certificate chain, for nodes that ask for one (mutual TLS; implies --tls).", valueName: "file"))
    package var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("The PEM private key of --tls-cert.", valueName: "file"))
    package var tlsKey: String?

    @Option(name: .customLong("tls-server-name"), help: "The name the nodes' certificates must hold. Default: the host of each node's address.")
    package var tlsServerName: String?

    @Option(name: .customLong("token-file"), help: ArgumentHelp("A file holding the bearer token (an API key or a JWT) for nodes that require authentication. Default: $SKEWLESS_TOKEN.", valueName: "file"))
    package var tokenFile: String?

    package init() {}

    package func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
    }

    /// The client's security settings.
    /// - Throws: `INVALID_ARGUMENT` when the token file cannot be read.
    package func security() throws(SkewlessError) -> FeatureClient.Security {
        var security = FeatureClient.Security()
        if tls || tlsCA != nil || tlsCert != nil || tlsServerName != nil {
            security.tls = FeatureClient.TLS(trustRootsFile: tlsCA, certificateFile: tlsCert, privateKeyFile: tlsKey, serverName: tlsServerName)
        }
        if let tokenFile {
            do {
                security.bearerToken = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw SkewlessError(.invalidArgument, "cannot read the token file \(tokenFile): \(error.localizedDescription)")
            }
        } else if let token = ProcessInfo.processInfo.environment["SKEWLESS_TOKEN"], !token.isEmpty {
            security.bearerToken = token
        }
        return security
    }
}

import Foundation
import NIOCore
import NIOSSL
import SkewlessModel

/// Builds NIOSSL contexts from PEM files. Building reads and parses every file at once, so a
/// missing or malformed file is an error here, naming the file, not at the first connection.
package enum TLSContexts {
    /// The context a node accepts connections with.
    /// - Throws: `INVALID_ARGUMENT` when the chain or key is missing, unreadable or not PEM,
    ///   when the key does not match the certificate, or when `clients` asks for client
    ///   certificates without `trustRoots` to check them against.
    package static func server(_ files: TLSFiles, clients: ClientCertificatePolicy) throws(SkewlessError) -> NIOSSLContext {
        guard let chainPath = files.certificateChain, let keyPath = files.privateKey else {
            throw SkewlessError(.invalidArgument, "TLS on a node needs both a certificate chain and its private key (--tls-cert and --tls-key)")
        }
        let chain = try certificates(at: chainPath, what: "the certificate chain")
        let key = try privateKey(at: keyPath)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        switch clients {
        case .none:
            configuration.certificateVerification = .none
        case .optional, .required:
            guard let roots = files.trustRoots else {
                throw SkewlessError(.invalidArgument, "client certificates (\(clients.rawValue)) need the CA bundle to check them against (--tls-ca)")
            }
            configuration.trustRoots = .certificates(try certificates(at: roots, what: "the CA bundle"))
            // A server does not check a client's name, only its signature and validity.
            configuration.certificateVerification = clients == .required ? .noHostnameVerification : .optionalVerification
        }
        return try context(configuration, files: files)
    }

    /// The context a client (the SDK, or a node calling its peers) connects with: the server's
    /// certificate is checked against `trustRoots` (or the system's roots) and its name.
    /// - Throws: `INVALID_ARGUMENT` when a named file is missing, unreadable or not PEM, or
    ///   when only one of the certificate chain and the key is named.
    package static func client(_ files: TLSFiles) throws(SkewlessError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        if let roots = files.trustRoots {
            configuration.trustRoots = .certificates(try certificates(at: roots, what: "the CA bundle"))
        }
        switch (files.certificateChain, files.privateKey) {
        case (let chainPath?, let keyPath?):
            configuration.certificateChain = try certificates(at: chainPath, what: "the certificate chain").map { .certificate($0) }
            configuration.privateKey = .privateKey(try privateKey(at: keyPath))
        case (nil, nil):
            break
        default:
            throw SkewlessError(.invalidArgument, "a client certificate needs both the certificate chain and its private key (--tls-cert and --tls-key)")
        }
        return try context(configuration, files: files)
    }

    /// The handler that starts TLS on a client connection to `host`. The server's certificate
    /// must name `serverName` when given, else `host`: a DNS name is sent as SNI and checked
    /// against the certificate's DNS names; an IP address is checked against its IP addresses.
    package static func clientHandler(context: NIOSSLContext, host: String, serverName: String?) throws(SkewlessError) -> NIOSSLClientHandler {
        let name = serverName ?? (isIPAddress(host) ? nil : host)
        do {
            return try NIOSSLClientHandler(context: context, serverHostname: name)
        } catch {
            throw SkewlessError(.invalidArgument, "cannot start TLS to \(host) with server name '\(name ?? host)': \(error); give a DNS name the certificate holds")
        }
    }

    /// The principal a client certificate names: its subject's (last) common name, or the
    /// whole subject when it has none.
    package static func principalName(of certificate: NIOSSLCertificate) -> String? {
        let subject = certificate.subjectName
        if let commonName = subject.last(where: { $0.type == .commonName }), !commonName.value.isEmpty {
            return commonName.value
        }
        let text = subject.map(\.value).joined(separator: ",")
        return text.isEmpty ? nil : text
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    private static func context(_ configuration: TLSConfiguration, files: TLSFiles) throws(SkewlessError) -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            let named = [files.certificateChain, files.privateKey, files.trustRoots].compactMap { $0 }.joined(separator: ", ")
            throw SkewlessError(.invalidArgument, "cannot set up TLS with \(named): \(error); check that the key belongs to the certificate")
        }
    }

    private static func certificates(at path: String, what: String) throws(SkewlessError) -> [NIOSSLCertificate] {
        let bytes = try read(path, what: what)
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw SkewlessError(.invalidArgument, "\(what) \(path) is not PEM certificates (-----BEGIN CERTIFICATE-----): \(error)")
        }
        guard !certificates.isEmpty else {
            throw SkewlessError(.invalidArgument, "\(what) \(path) holds no certificate: expected PEM blocks -----BEGIN CERTIFICATE-----")
        }
        return certificates
    }

    private static func privateKey(at path: String) throws(SkewlessError) -> NIOSSLPrivateKey {
        let bytes = try read(path, what: "the private key")
        do {
            return try NIOSSLPrivateKey(bytes: bytes, format: .pem)
        } catch {
            throw SkewlessError(.invalidArgument, "the private key \(path) is not a PEM private key (unencrypted PKCS#8, SEC1 or PKCS#1): \(error)")
        }
    }

    private static func read(_ path: String, what: String) throws(SkewlessError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "it cannot be read (permissions?)" : "it does not exist"
            throw SkewlessError(.invalidArgument, "cannot read \(what) \(path): \(reason)")
        }
        return Array(data)
    }
}

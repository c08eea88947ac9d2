import Crypto
import Foundation
import SwiftASN1
import X509

/// Certificates made at test time, written as PEM files into a temporary directory: a CA,
/// and certificates it signs for nodes and clients, valid, expired or for other names.
/// Remove the directory with `remove()`.
struct TestPKI: Sendable {
    let directory: String
    let name: String
    private let caKeyPEM: String
    /// The CA certificate's PEM file, to trust.
    let caFile: String

    /// A certificate and its key, as files.
    struct Issued: Sendable {
        var certificateFile: String
        var keyFile: String
    }

    /// A new CA, in a directory of its own (or in `directory`).
    init(name: String = "Skewless Test CA", in directory: String? = nil) throws {
        let directory = directory ?? NSTemporaryDirectory() + "skewless-pki-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.name = name
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3_600, notValidAfter: now + 86_400 * 30,
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: .init(key))
        caKeyPEM = key.pemRepresentation
        caFile = directory + "/" + Self.fileName(name) + "-ca.pem"
        try certificate.serializeAsPEM().pemString.write(toFile: caFile, atomically: true, encoding: .utf8)
    }

    /// A certificate for `commonName`, signed by this CA, valid for `dnsNames` and `ipAddresses`
    /// (IPv4) from `notBefore` to `notAfter`, usable by servers and clients.
    func issue(
        _ commonName: String, dnsNames: [String] = ["localhost"], ipAddresses: [[UInt8]] = [[127, 0, 0, 1]],
        notBefore: Date = Date() - 3_600, notAfter: Date = Date() + 86_400, file: String? = nil
    ) throws -> Issued {
        let caKey = try P256.Signing.PrivateKey(pemRepresentation: caKeyPEM)
        let key = P256.Signing.PrivateKey()
        var names: [GeneralName] = dnsNames.map { .dnsName($0) }
        names += ipAddresses.map { .ipAddress(ASN1OctetString(contentBytes: ArraySlice($0))) }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter,
            issuer: try DistinguishedName { CommonName(name) }, subject: try DistinguishedName { CommonName(commonName) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: .init(caKey))
        let base = directory + "/" + (file ?? Self.fileName(commonName))
        let issued = Issued(certificateFile: base + "-cert.pem", keyFile: base + "-key.pem")
        try certificate.serializeAsPEM().pemString.write(toFile: issued.certificateFile, atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(toFile: issued.keyFile, atomically: true, encoding: .utf8)
        return issued
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func fileName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }
}

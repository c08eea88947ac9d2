import Foundation
import Skewless
import SkewlessModel
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension ProcessSuites {
    /// fsnode, fsctl and the SDK with their security flags, as an operator runs them: a two-node
    /// cluster over mutual TLS that requires authentication, created by an admin's fsctl, a
    /// write replicated between the nodes over their own TLS, and a certificate rotated by
    /// SIGHUP while a client's connection stays open. Certificates come from openssl.
    @Suite(.timeLimit(.minutes(3)))
    struct SecurityProcessTests {
        /// Runs openssl in `directory`.
        static func openssl(_ arguments: [String], in directory: URL) throws {
            var configuration = ChildProcess.Configuration(executable: "/usr/bin/openssl", arguments: arguments)
            configuration.workingDirectory = directory.path
            let result = try ChildProcess.run(configuration, mergingErrors: true)
            guard result.termination.succeeded else {
                throw SkewlessError(.internal, "openssl \(arguments.joined(separator: " ")) failed: \(result.output)")
            }
        }

        /// A CA `name` (files `name.pem`, `name-key.pem`).
        static func ca(_ name: String, in directory: URL) throws {
            try openssl([
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-keyout", "\(name)-key.pem", "-out", "\(name).pem", "-subj", "/CN=\(name)",
            ], in: directory)
        }

        /// A certificate for common name `cn`, for 127.0.0.1 and localhost, signed by CA `ca`:
        /// files `file.pem` and `file-key.pem`.
        static func issue(_ cn: String, by ca: String, file: String, in directory: URL) throws {
            try "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n"
                .write(to: directory.appendingPathComponent("ext.cnf"), atomically: true, encoding: .utf8)
            try openssl([
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "\(file)-key.pem", "-out", "\(file).csr", "-subj", "/CN=\(cn)",
            ], in: directory)
            try openssl([
                "x509", "-req", "-in", "\(file).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca)-key.pem", "-CAcreateserial",
                "-days", "1", "-out", "\(file).pem", "-extfile", "ext.cnf",
            ], in: directory)
        }

        @Test func aClusterOverMutualTLSWithGrantsAndACertificateRotatedBySIGHUP() async throws {
            let pki = FileManager.default.temporaryDirectory.appendingPathComponent("skewless-pki-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: pki, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: pki) }
            try Self.ca("old-ca", in: pki)
            try Self.ca("new-ca", in: pki)
            // The nodes share one certificate (common name skewless-node, the policy's peer) and
            // trust both CAs, as during a CA rotation.
            try Self.issue("skewless-node", by: "old-ca", file: "node", in: pki)
            try Self.issue("skewless-node", by: "new-ca", file: "node-next", in: pki)
            try Self.issue("ops", by: "old-ca", file: "ops", in: pki)
            try Self.issue("writer", by: "old-ca", file: "writer", in: pki)
            let bundle = pki.appendingPathComponent("both-cas.pem")
            try (String(contentsOf: pki.appendingPathComponent("old-ca.pem"), encoding: .utf8)
                + String(contentsOf: pki.appendingPathComponent("new-ca.pem"), encoding: .utf8)).write(to: bundle, atomically: true, encoding: .utf8)
            func path(_ name: String) -> String { pki.appendingPathComponent(name).path }

            // The sample repo and an access policy.
            let repo = pki.appendingPathComponent("repo")
            try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
            for name in try FileManager.default.contentsOfDirectory(atPath: LocalCluster.repo) where name.hasSuffix(".yaml") {
                try FileManager.default.copyItem(atPath: LocalCluster.repo + "/" + name, toPath: repo.appendingPathComponent(name).path)
            }
            try """
                access:
                  admins: [ops]
                  peers: [skewless-node]
                  grants:
                    - to: [writer]
                      read: {views: [user_transactions]}
                      write: {views: [user_transactions]}
                """.write(to: repo.appendingPathComponent("access.yaml"), atomically: true, encoding: .utf8)

            let cluster = try await LocalCluster(nodeArguments: [
                "--tls-cert", path("node.pem"), "--tls-key", path("node-key.pem"), "--tls-ca", bundle.path,
                "--tls-client-certs", "required", "--require-auth",
            ], repo: repo.path)
            defer { cluster.shutdown() }
            var addresses: [String] = []
            for id in ["node-1", "node-2"] { addresses.append(try await cluster.start(id)) }
            let ops = ["--tls-ca", path("old-ca.pem"), "--tls-cert", path("ops.pem"), "--tls-key", path("ops-key.pem")]
            // Plain TCP to a TLS node fails; an admin over TLS creates the cluster.
            await #expect(throws: SkewlessError.self) { try await cluster.fsctl(["health", "--node", addresses[0], "--timeout-ms", "2000"]) }
            _ = try await cluster.fsctl(["cluster", "init", "--nodes", addresses.joined(separator: ","), "--partitions", "16", "--replication", "2"] + ops)
            let health = try await cluster.fsctl(["health", "--node", addresses[1]] + ops)
            #expect(health.contains("node-2"), "\(health)")

            func client(_ identity: String, trusting ca: String) -> FeatureClient {
                FeatureClient(configuration: .defaults(endpoint: cluster.endpoint(of: "node-1")) {
                    $0.security.tls = .init(trustRootsFile: path(ca), certificateFile: path("\(identity).pem"), privateKeyFile: path("\(identity)-key.pem"))
                    $0.timeout = .seconds(10)
                    $0.connectTimeout = .seconds(5)
                    $0.connectionsPerNode = 1
                    $0.maxAttempts = 1
                })
            }
            // The writer's write is logged by node-1 and applied on node-2 over the nodes' TLS.
            let writer = client("writer", trusting: "old-ca.pem")
            let rows = (1..<9).map { FeatureWrite(entity: ["user_id": .int64(Int64(900_000 + $0))], eventTime: WallClock.nowMicros(), values: ["txn_count_1h": .int64(7)]) }
            let summary = try await writer.write(view: "user_transactions", rows: rows)
            #expect(summary.minReplicasApplied == 2 && summary.missedReplicas.isEmpty, "\(summary)")
            let read = try await writer.getOnlineFeatures(features: ["user_transactions:txn_count_24h"], entities: [["user_id": .int64(Int64(LocalCluster.users.lowerBound))]])
            #expect(read.rows.first?.int64("user_transactions:txn_count_24h") == Int64(LocalCluster.users.lowerBound))

            // Rotation: node-1's files now hold a certificate from the new CA; SIGHUP.
            for (from, to) in [("node-next.pem", "node.pem"), ("node-next-key.pem", "node-key.pem")] {
                try FileManager.default.removeItem(atPath: path(to))
                try FileManager.default.copyItem(atPath: path(from), toPath: path(to))
            }
            cluster.signal("node-1", SIGHUP)
            var rotated = false
            for _ in 0..<100 where !rotated {
                let fresh = client("writer", trusting: "new-ca.pem")
                rotated = (try? await fresh.health()) != nil
                await fresh.close()
                if !rotated { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(rotated, "a client trusting only the new CA reaches node-1 after SIGHUP")
            // The writer's connection, opened before, goes on; a new one trusting only the old CA fails.
            #expect(try await writer.health().nodeID == "node-1")
            await writer.close()
            let stale = client("writer", trusting: "old-ca.pem")
            await #expect(throws: SkewlessError.self) { _ = try await stale.health() }
            await stale.close()
        }
    }
}

import Foundation
import SkewlessModel
import SkewlessRepo

/// The sample repo (examples/feature_repo) with an access policy of the test's, loaded as a
/// repo directory is: the sample's files and an `access.yaml`, in a temporary directory.
enum AccessFixtures {
    static func repo(access yaml: String) throws -> FeatureRepo {
        let directory = NSTemporaryDirectory() + "skewless-access-repo-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sample = TestNode.packageRoot.appendingPathComponent("examples/feature_repo").path
        for name in try FileManager.default.contentsOfDirectory(atPath: sample) where name.hasSuffix(".yaml") {
            try FileManager.default.copyItem(atPath: sample + "/" + name, toPath: directory + "/" + name)
        }
        try yaml.write(toFile: directory + "/zz_access.yaml", atomically: true, encoding: .utf8)
        return try FeatureRepoLoader.load(path: directory)
    }
}

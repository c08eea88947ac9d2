import Skewless
import Testing

struct FeatureClientConfigurationTests {
    @Test func aClusterWithoutSeedsIsAnErrorNotADefaultAddress() {
        let error = #expect(throws: SkewlessError.self) { _ = try FeatureClient.Configuration.cluster(seeds: []) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("at least one seed") == true)
    }

    @Test func theFirstSeedIsTheEndpointAndConfigureApplies() throws {
        let seeds = [Endpoint(host: "10.0.0.1", port: 7421), Endpoint(host: "10.0.0.2", port: 7421)]
        let configuration = try FeatureClient.Configuration.cluster(seeds: seeds) { $0.timeout = .milliseconds(50) }
        #expect(configuration.endpoint == seeds[0])
        #expect(configuration.timeout == .milliseconds(50))
    }
}

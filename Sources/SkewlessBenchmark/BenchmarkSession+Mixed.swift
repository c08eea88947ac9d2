import Skewless

extension BenchmarkSession {
    /// Every target's reads idle and while a paced stream writes into `streamView` of the
    /// same store (`MixedComparison`): through the SDK into the node, as HSET pipelines into
    /// the Redis baseline (open the session with `redisPersistence = .appendFsyncAlways` for
    /// a durable one).
    package func mixed(
        label: String, command: String, model: LoadModel, streamView: String, pace: StreamPace, streamInFlight: Int, streamKeySpace: Int, streamTimeout: Duration,
        warmupSeconds: Double, durationSeconds: Double, rounds: Int, progress: ProgressLine = ProgressLine()
    ) async throws(SkewlessError) -> (MixedReport, [MixedTargetRun]) {
        let admin = FeatureClient(configuration: try options.nodes.count > 1
            ? .cluster(seeds: options.nodes) { $0.timeout = .seconds(10); $0.security = options.security }
            : .defaults(endpoint: options.nodes[0]) { $0.timeout = .seconds(10); $0.security = options.security })
        let view: PushView
        do {
            view = try PushView.resolve(streamView, in: try await admin.describe())
            await admin.close()
        } catch {
            await admin.close()
            throw error
        }
        if workload.shape.groups.contains(where: { $0.view.qualifiedName == view.qualifiedName }) {
            throw SkewlessError(.invalidArgument, "the stream writes into \(view.qualifiedName), which the reads read; give another view (bench_float10 beside bench_1x50)")
        }
        let source = try PushRowSource(rowsPerBatch: pace.batchRows, fieldCount: view.fields.count, keySpace: streamKeySpace, seed: options.seed)
        var pushTargets: [any PushTarget] = []
        for target in targets {
            if target.name == "redis", let redis = redisBaseline {
                pushTargets.append(RedisPushTarget(
                    host: redis.host, port: redis.port, keyPrefix: view.redisKeyPrefix, fields: view.fields, timeout: streamTimeout))
            } else {
                pushTargets.append(try SkewlessPushTarget(
                    endpoints: options.nodes, view: view.qualifiedName, joinKey: view.joinKey, fields: view.fields, timeout: streamTimeout,
                    security: options.security))
            }
        }
        let comparison = try MixedComparison(
            readTargets: targets, pushTargets: pushTargets, workload: workload, model: model, source: source, pace: pace, streamInFlight: streamInFlight,
            warmupSeconds: warmupSeconds, durationSeconds: durationSeconds, rounds: rounds, label: label, progress: progress)
        let runs = try await comparison.run()
        let report = MixedReport(
            label: label, command: command, workload: workload, loadModel: model, streamView: view.qualifiedName, pace: pace, streamInFlight: streamInFlight,
            rounds: rounds, targets: runs.map(MixedReport.Target.init))
        return (report, runs)
    }
}

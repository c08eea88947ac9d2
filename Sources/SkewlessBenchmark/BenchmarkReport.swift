import Foundation
import SkewlessModel

/// Everything one fsbench invocation measured, as written to JSON: what ran, on what, and
/// every target's figures. `fsbench report` reads these back to build the README table.
package struct BenchmarkReport: Sendable, Hashable, Codable {
    package var label: String
    /// ISO 8601, UTC.
    package var date: String
    package var machine: Machine
    package var command: String
    package var workload: WorkloadDescription
    /// `LoadModel.description`.
    package var loadModel: String
    package var runs: [Run]
    package var loads: [SyntheticLoader.Report]
    package var memory: Memory?
    package var sweep: [SweepTarget]?

    package init(
        label: String, date: Date = Date(), machine: Machine = .current, command: String, workload: WorkloadDescription, loadModel: String,
        runs: [Run] = [], loads: [SyntheticLoader.Report] = [], memory: Memory? = nil, sweep: [SweepTarget]? = nil
    ) {
        self.label = label
        self.date = ISO8601DateFormatter().string(from: date)
        self.machine = machine
        self.command = command
        self.workload = workload
        self.loadModel = loadModel
        self.runs = runs
        self.loads = loads
        self.memory = memory
        self.sweep = sweep
    }

    package struct Machine: Sendable, Hashable, Codable {
        package var cpus: Int
        package var cpuModel: String
        package var memoryGiB: Double
        package var os: String

        package static var current: Machine {
            let cpuInfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
            let model = cpuInfo.split(separator: "\n").first { $0.hasPrefix("model name") }
                .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown"
            return Machine(
                cpus: ProcessInfo.processInfo.activeProcessorCount, cpuModel: model,
                memoryGiB: (Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824 * 10).rounded() / 10,
                os: ProcessInfo.processInfo.operatingSystemVersionString)
        }
    }

    package struct WorkloadDescription: Sendable, Hashable, Codable {
        package var request: String
        package var shape: String
        package var entitiesPerRequest: Int
        package var featuresPerEntity: Int
        package var keySpace: Int
        package var keys: String
        package var missShare: Double
        package var seed: UInt64

        package init(_ workload: Workload) {
            request = workload.shape.selection.description
            shape = workload.shapeLabel
            entitiesPerRequest = workload.entitiesPerRequest
            featuresPerEntity = workload.shape.featureCount
            keySpace = workload.keySpace
            keys = workload.distribution.description
            missShare = workload.missShare
            seed = workload.seed
        }
    }

    /// One target's measured result.
    package struct Run: Sendable, Hashable, Codable {
        package var target: String
        package var requests: Int
        package var errors: Int
        package var timeouts: Int
        package var firstError: String?
        package var elapsedSeconds: Double
        package var throughput: Double
        /// From the intended send time in an open loop, from the send in a closed loop.
        package var latencyMicros: LatencySummary
        /// From the actual send (differs from `latencyMicros` only in an open loop).
        package var serviceTimeMicros: LatencySummary
        /// Open loop: how late the generator's own timer sent requests (see
        /// `RunResult.wakeLateness`); nil in a closed loop.
        package var wakeLatenessMicros: LatencySummary?

        package init(_ run: TargetRun) {
            target = run.target
            requests = run.result.completed
            errors = run.result.errors
            timeouts = run.result.timeouts
            firstError = run.result.firstError
            elapsedSeconds = run.result.elapsedSeconds
            throughput = run.result.throughput
            latencyMicros = run.result.summary
            serviceTimeMicros = run.result.serviceTimeSummary
            wakeLatenessMicros = run.result.wakeLatenessSummary
        }
    }

    /// Memory per entity for the same data: the node's RSS growth and Redis's used_memory
    /// growth over the load.
    package struct Memory: Sendable, Hashable, Codable {
        package var entities: Int
        package var view: String
        package var nodeRSSBytesPerEntity: Double?
        package var redisUsedMemoryBytesPerEntity: Double?
        package var redisRSSBytesPerEntity: Double?

        package init(entities: Int, view: String, nodeRSSBytesPerEntity: Double? = nil, redisUsedMemoryBytesPerEntity: Double? = nil, redisRSSBytesPerEntity: Double? = nil) {
            self.entities = entities
            self.view = view
            self.nodeRSSBytesPerEntity = nodeRSSBytesPerEntity
            self.redisUsedMemoryBytesPerEntity = redisUsedMemoryBytesPerEntity
            self.redisRSSBytesPerEntity = redisRSSBytesPerEntity
        }
    }

    /// A rate sweep of one target.
    package struct SweepTarget: Sendable, Hashable, Codable {
        package var target: String
        package var p99BoundMicros: Double
        /// The highest rate whose P99 stayed within the bound with the rate achieved.
        package var sustainableRate: Double?
        package var steps: [SweepStep]
    }

    package struct SweepStep: Sendable, Hashable, Codable {
        package var rate: Double
        /// The step's slices merged.
        package var run: Run
        package var withinBound: Bool
        /// Each slice's own P99, in the order run: how far one slice can be from the merged
        /// figure. Absent in reports from before rounds.
        package var roundP99Micros: [Double]?

        package init(rate: Double, run: Run, withinBound: Bool, roundP99Micros: [Double]? = nil) {
            self.rate = rate
            self.run = run
            self.withinBound = withinBound
            self.roundP99Micros = roundP99Micros
        }
    }

    package func encoded() throws(SkewlessError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            return try encoder.encode(self)
        } catch {
            throw SkewlessError(.internal, "could not encode the report as JSON: \(error)")
        }
    }

    package static func decode(_ data: Data) throws(SkewlessError) -> BenchmarkReport {
        do {
            return try JSONDecoder().decode(BenchmarkReport.self, from: data)
        } catch {
            throw SkewlessError(.invalidArgument, "not an fsbench JSON report: \(error)")
        }
    }
}

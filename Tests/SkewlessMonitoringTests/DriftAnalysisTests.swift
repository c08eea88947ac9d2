import Foundation
import SkewlessIngest
import SkewlessModel
import SkewlessOfflineStore
import Testing

@testable import SkewlessMonitoring

@Suite struct DriftAnalysisTests {
    static let hour: Int64 = 3_600_000_000
    static let base: Int64 = 1_763_719_200_000_000
    static let view = FeatureView(
        name: "payments", entities: ["user"],
        fields: [
            Field(name: "amount", type: .double), Field(name: "count", type: .int64), Field(name: "country", type: .string),
            Field(name: "vector", type: .embedding(dimension: 2)),
        ],
        ttlSeconds: 86_400, objectives: ViewObjectives(maxPSI: 0.2, maxKS: 0.1))
    static let userKey = [JoinKey(name: "user_id", type: .int64)]

    /// Week one: amounts N(100, 10), counts 0...9, countries 50/50. Week two: amounts N(130,
    /// 10), counts the same, countries 90/10.
    static func store(at path: String, random: inout SplitMix64) throws -> OfflineStore {
        let store = OfflineStore(directory: path)
        let session = try store.beginIngest(view: view, joinKeys: userKey, nowMicros: base)
        for week in 0..<2 {
            for row in 0..<4_000 {
                let amount = (week == 0 ? 100 : 130) + 10 * random.normal()
                let country = week == 0 ? (row % 2 == 0 ? "DE" : "FR") : (row % 10 == 0 ? "FR" : "DE")
                try session.append(
                    key: EntityKey(.int64(Int64(row % 500))), eventTime: base + Int64(week) * 168 * hour + Int64(row) * 1_000_000, createdTime: nil,
                    values: [.double(amount), .int64(Int64(row % 10)), .string(country), .embedding([1, 2])])
            }
        }
        _ = try session.commit()
        return store
    }

    @Test func aShiftedFeatureAndAChangedMixDriftWhileAStableOneDoesNot() throws {
        let path = NSTemporaryDirectory() + "skewless-drift-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var random = TestSeed.generator(2)
        let store = try Self.store(at: path, random: &random)
        let analysis = DriftAnalysis(
            view: Self.view, reference: try .init(start: Self.base, end: Self.base + 168 * Self.hour),
            current: try .init(start: Self.base + 168 * Self.hour, end: Self.base + 336 * Self.hour))
        let result = try analysis.run(on: store.snapshot(of: Self.view, joinKeys: Self.userKey))
        let byName = Dictionary(uniqueKeysWithValues: result.features.map { ($0.feature, $0) })
        let amount = try #require(byName["payments@1:amount"])
        #expect(amount.drifted && amount.referenceCount == 4_000 && amount.currentCount == 4_000, "\(TestSeed.note)")
        #expect(amount.ks ?? 0 > 0.8, "3 standard deviations apart: KS near 0.87 (\(TestSeed.note))")
        let count = try #require(byName["payments@1:count"])
        #expect(!count.drifted && count.psi < 1e-9 && count.ks == 0, "the same counts in both weeks")
        let country = try #require(byName["payments@1:country"])
        #expect(country.drifted && country.ks == nil)
        // 50/50 to 90/10 over DE, FR and (other).
        #expect(abs(country.psi - (0.4 * log(0.9 / 0.5) + (-0.4) * log(0.1 / 0.5))) < 1e-9)
        #expect(result.skipped["payments@1:vector"] != nil, "embeddings are listed as not compared")
        #expect(result.features.first?.feature == "payments@1:amount", "the most drifted first")
        let svg = DriftPlot.svg(result)
        #expect(svg.hasPrefix("<svg") && svg.contains("payments@1:amount") && svg.hasSuffix("</svg>\n"))
    }

    /// The current window from the served-feature log: what a service was served, written
    /// by a node's log, read back, and compared with the reference week of the store.
    @Test func servedValuesAreTheCurrentWindowWithDefaultsAndNulls() throws {
        let path = NSTemporaryDirectory() + "skewless-drift-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var random = TestSeed.generator(4)
        let store = try Self.store(at: path, random: &random)
        let served = Self.base + 400 * Self.hour
        let log = try ServedLog(store: store, node: "node-1")
        // 50 reads of 20 rows: amounts N(130, 10) as week two wrote them, except one row in
        // ten served the default 0; counts missing (NOT_FOUND) in every fifth row. Another
        // service's reads and reads outside the window are left out.
        for read in 0..<52 {
            let statuses = (0..<20).map { $0 % 10 == 9 ? ValueStatus.defaulted : .present }
            let amounts = (0..<20).map { $0 % 10 == 9 ? 0 : 130 + 10 * random.normal() }
            let counts = (0..<20).map { Int64($0 % 10) }
            let countStatuses = (0..<20).map { $0 % 5 == 4 ? ValueStatus.notFound : .present }
            let record = ServedLogRecord(
                servedTime: read == 51 ? served - 10 * Self.hour : served + Int64(read) * 1_000_000, mapEpoch: 0, requestID: "r\(read)",
                service: read == 50 ? "other" : "payments_model", node: "node-1", rowCount: 20,
                keys: [ServedLogRecord.Key(name: "user_id", values: .int64((0..<20).map(Int64.init)))],
                features: [
                    ServedLogRecord.Feature(reference: "payments@1:amount", type: .double, statuses: statuses, eventTimes: Array(repeating: served, count: 20), values: .double(amounts)),
                    ServedLogRecord.Feature(reference: "payments@1:count", type: .int64, statuses: countStatuses, eventTimes: Array(repeating: served, count: 20), values: .int64(counts)),
                ])
            try log.append([record])
        }
        log.close()
        let records = try ServedLogReader(store: store).read().records
        let analysis = DriftAnalysis(
            view: Self.view, reference: try .init(start: Self.base, end: Self.base + 168 * Self.hour), current: try .init(start: served, end: served + Self.hour))
        let result = try analysis.run(on: store.snapshot(of: Self.view, joinKeys: Self.userKey), currentServed: records, service: "payments_model")
        let byName = Dictionary(uniqueKeysWithValues: result.features.map { ($0.feature, $0) })
        let amount = try #require(byName["payments@1:amount"])
        #expect(amount.currentCount == 1_000 && amount.referenceCount == 4_000, "50 reads of 20 rows, defaults included")
        #expect(amount.drifted && (amount.ks ?? 0) > 0.75, "\(TestSeed.note)")
        let count = try #require(byName["payments@1:count"])
        #expect(count.currentCount == 800 && abs(count.currentNullShare - 0.2) < 1e-9, "NOT_FOUND rows are nulls")
        #expect(result.skipped["payments@1:country"] == "not served by payments_model in the current window")
        #expect(result.current.hasPrefix("served by payments_model "))
    }

    /// The reference from a training set file, as `fsctl historical` writes it
    /// (`TrainingSetWriter`): 2,000 label rows with amounts N(100, 10) in a `payments__amount`
    /// column, counts 0...9 with every tenth block of ten NOT_FOUND, countries 50/50, no vector
    /// column; the current window is week two of the store (amounts N(130, 10), the same
    /// counts, countries 90/10).
    @Test(arguments: [InputFormat.csv, .jsonl])
    func aTrainingSetIsTheReference(format: InputFormat) throws {
        let path = NSTemporaryDirectory() + "skewless-drift-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var random = TestSeed.generator(5)
        let store = try Self.store(at: path, random: &random)
        let rows = 2_000
        let labelText = "user_id,timestamp\n" + (0..<rows).map { "\($0 % 500),\(Self.base + Int64($0) * 1_000_000)\n" }.joined()
        let labels = try LabelFile.read(Array(labelText.utf8), format: .csv, file: "labels.csv", joinKeys: Self.userKey, timeColumn: "timestamp", now: Self.base).get()
        let amounts = (0..<rows).map { _ in 100 + 10 * random.normal() }
        let countStatuses = (0..<rows).map { ($0 / 10) % 10 == 9 ? ValueStatus.notFound : .present }
        let features = [
            TrainingSetWriter.Feature(name: "payments__amount", statuses: Array(repeating: .present, count: rows)) { .double(amounts[$0]) },
            TrainingSetWriter.Feature(name: "count", statuses: countStatuses) { countStatuses[$0] == .present ? .int64(Int64($0 % 10)) : nil },
            TrainingSetWriter.Feature(name: "country", statuses: Array(repeating: .present, count: rows)) { .string($0 % 2 == 0 ? "DE" : "FR") },
        ]
        var bytes: [UInt8] = []
        try TrainingSetWriter.write(
            labels: labels, features: features, eventTimes: [.init(name: "payments__event_time", times: labels.times.map { $0 })], format: format,
            statusColumns: true) { bytes += $0 }
        let file = "training.\(format.rawValue)"
        let columns = try TrainingSetColumns.read(bytes, format: format, file: file, view: Self.view, now: Self.base).get()
        #expect(columns.rowCount == rows && columns.columns["amount"] == "payments__amount" && columns.columns["count"] == "count")

        let analysis = DriftAnalysis(
            view: Self.view, reference: .trainingSet(file: file, columns), current: try .init(start: Self.base + 168 * Self.hour, end: Self.base + 336 * Self.hour))
        let result = try analysis.run(on: store.snapshot(of: Self.view, joinKeys: Self.userKey))
        #expect(result.reference == "training set \(file)")
        let byName = Dictionary(uniqueKeysWithValues: result.features.map { ($0.feature, $0) })
        let amount = try #require(byName["payments@1:amount"])
        #expect(amount.referenceCount == rows && amount.currentCount == 4_000)
        #expect(amount.drifted && (amount.ks ?? 0) > 0.8, "3 standard deviations apart: KS near 0.87 (\(TestSeed.note))")
        let count = try #require(byName["payments@1:count"])
        #expect(count.referenceCount == 1_800 && abs(count.referenceNullShare - 0.1) < 1e-9, "NOT_FOUND rows are nulls")
        #expect(!count.drifted && count.psi < 1e-9 && (count.ks ?? 1) < 1e-9, "counts 0...9 evenly in both")
        let country = try #require(byName["payments@1:country"])
        #expect(country.drifted && abs(country.psi - (0.4 * log(0.9 / 0.5) + (-0.4) * log(0.1 / 0.5))) < 1e-9)
        #expect(result.skipped["payments@1:vector"] == "the file has no column 'payments__vector' or 'vector'")

        // With no current rows, the reason names the training set's side correctly.
        let later = Self.base + 1_000 * Self.hour
        let empty = DriftAnalysis(view: Self.view, reference: .trainingSet(file: file, columns), current: try .init(start: later, end: later + Self.hour))
        #expect(try empty.run(on: store.snapshot(of: Self.view, joinKeys: Self.userKey)).features.allSatisfy { $0.reason == "no values in the current window" })
    }

    @Test func anEmptyWindowIsReportedAsDriftedWithItsReason() throws {
        let path = NSTemporaryDirectory() + "skewless-drift-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var random = TestSeed.generator(3)
        let store = try Self.store(at: path, random: &random)
        let later = Self.base + 1_000 * Self.hour
        let analysis = DriftAnalysis(
            view: Self.view, reference: try .init(start: Self.base, end: Self.base + 168 * Self.hour), current: try .init(start: later, end: later + Self.hour))
        let result = try analysis.run(on: store.snapshot(of: Self.view, joinKeys: Self.userKey))
        #expect(result.features.allSatisfy { $0.drifted && $0.reason == "no values in the current window" && $0.psi == 0 && $0.bins.isEmpty })
        #expect(throws: SkewlessError.self) { try DriftAnalysis.Window(start: 5, end: 5) }
    }
}

import Foundation
import Synchronization
import SkewlessModel
import SkewlessOfflineStore
import SkewlessOnlineStore
import Testing

@testable import SkewlessServer

@Suite struct MaterializerTests {
    static let view = FeatureView(name: "stats", entities: ["user"], fields: [Field(name: "n", type: .int64)], ttlSeconds: 86_400)
    static let keys = [JoinKey(name: "user_id", type: .int64)]

    /// An offline store of `rows` rows of `stats`, one entity each.
    static func store(at path: String, rows: Int) throws -> OfflineStore {
        let store = OfflineStore(directory: path)
        let session = try store.beginIngest(view: view, joinKeys: keys, nowMicros: 1_000)
        for row in 0..<rows {
            try session.append(key: EntityKey(.int64(Int64(row))), eventTime: 1_000 + Int64(row), createdTime: nil, values: [.int64(Int64(row))])
        }
        _ = try session.commit()
        return store
    }

    @Test func aStoppedMaterializerGivesUpAtItsNextBatchAndRefusesLaterRuns() throws {
        let path = NSTemporaryDirectory() + "skewless-materializer-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let offline = try Self.store(at: path, rows: 50_000)
        let repo = try FeatureRepo(project: "t", entities: [Entity(name: "user", joinKeys: Self.keys)], featureViews: [Self.view], featureServices: [])
        let online = OnlineStore(views: [(Self.view, Self.keys)])
        let materializer = Materializer(repo: repo, online: online, offline: offline)
        // The node stops while the first entities are being read: the run ends with
        // UNAVAILABLE at its next batch, not after all 50,000 entities.
        let stopped = #expect(throws: SkewlessError.self) {
            _ = try materializer.run(views: [], full: true, asOfMicros: nil) { _ in
                materializer.stop()
                return true
            }
        }
        #expect(stopped?.code == .unavailable)
        #expect(online.entityRowCount(view: Self.view) < 50_000)
        #expect(materializer.watermarks.isEmpty, "a view left half-loaded keeps no watermark")
        let later = #expect(throws: SkewlessError.self) { _ = try materializer.run(views: [], full: true, asOfMicros: nil) }
        #expect(later?.code == .unavailable)
    }

    @Test func anUnstoppedRunLoadsEveryEntity() throws {
        let path = NSTemporaryDirectory() + "skewless-materializer-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let offline = try Self.store(at: path, rows: 5_000)
        let repo = try FeatureRepo(project: "t", entities: [Entity(name: "user", joinKeys: Self.keys)], featureViews: [Self.view], featureServices: [])
        let online = OnlineStore(views: [(Self.view, Self.keys)])
        let loaded = try Materializer(repo: repo, online: online, offline: offline).run(views: [], full: true, asOfMicros: nil)
        #expect(loaded.first?.entitiesWritten == 5_000)
        #expect(online.entityRowCount(view: Self.view) == 5_000)
    }

    /// A node's start load and an operator's `fsctl materialize` must not fail because of each
    /// other: a second run waits for the first and then runs; a third, while one runs and one
    /// waits, is refused with ABORTED.
    @Test func aRunAskedForDuringAnotherWaitsForItAndAThirdIsRefused() throws {
        let path = NSTemporaryDirectory() + "skewless-materializer-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let offline = try Self.store(at: path, rows: 1_000)
        let repo = try FeatureRepo(project: "t", entities: [Entity(name: "user", joinKeys: Self.keys)], featureViews: [Self.view], featureServices: [])
        let online = OnlineStore(views: [(Self.view, Self.keys)])
        let materializer = Materializer(repo: repo, online: online, offline: offline)
        let inFirst = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let held = Atomic<Bool>(false)
        let results = Mutex<[String: Result<[Materializer.Watermark], SkewlessError>]>([:])
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let outcome = Result { () throws(SkewlessError) in
                try materializer.run(views: [], full: true, asOfMicros: nil) { _ in
                    if !held.exchange(true, ordering: .relaxed) {
                        inFirst.signal()
                        release.wait()
                    }
                    return true
                }
            }
            results.withLock { $0["first"] = outcome }
            finished.signal()
        }
        inFirst.wait()
        Thread.detachNewThread {
            let outcome = Result { () throws(SkewlessError) in try materializer.run(views: [], full: false, asOfMicros: nil) }
            results.withLock { $0["second"] = outcome }
            finished.signal()
        }
        for _ in 0..<1_000 where !materializer.hasWaitingRun { usleep(1_000) }
        #expect(materializer.hasWaitingRun)
        let third = #expect(throws: SkewlessError.self) { _ = try materializer.run(views: [], full: true, asOfMicros: nil) }
        #expect(third?.code == .aborted)
        #expect(third?.message.contains("another waits to run after it") == true, "\(String(describing: third))")
        release.signal()
        finished.wait()
        finished.wait()
        let first = try results.withLock { $0["first"] }?.get()
        let second = try results.withLock { $0["second"] }?.get()
        #expect(first?.first?.entitiesWritten == 1_000)
        #expect(second?.first?.entitiesWritten == 0, "the second run is incremental: nothing arrived since the first")
        #expect(!materializer.hasWaitingRun)
    }
}

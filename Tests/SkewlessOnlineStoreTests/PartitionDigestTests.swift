import Foundation
import SkewlessCluster
import SkewlessCompression
import SkewlessModel
import Testing
@testable import SkewlessOnlineStore

/// Partition digests (`RowDigest`, `PartitionDigest`, `OnlineStore.partitionDigests`): what
/// replicas compare. The same rows give the same digest whatever their order; any change of a
/// value, a time or the set of rows changes the digest of its partition and bucket only.
@Suite struct PartitionDigestTests {
    typealias F = Fixtures
    static let view = F.scoreView()
    static let partitioner = try! Partitioner(partitionCount: 8)
    static let all = Set(0..<8)

    static func digests(_ store: OnlineStore, view: FeatureView = view) throws -> [Int: PartitionDigest] {
        try store.partitionDigests(view: view, partitioner: partitioner, partitions: all, sliceRows: 7)
    }

    static func filled(order ids: [Int64]) throws -> OnlineStore {
        let store = F.store(view)
        for id in ids {
            _ = try store.write(view: view, batch: F.scoreBatch([id], eventTime: 1_000 + id, createdTime: 5_000, scores: [Float(id) / 4], counts: [id * 3]), nowMicros: 0)
        }
        return store
    }

    @Test func sameRowsInAnotherOrderGiveTheSameDigests() throws {
        let ids = Array(Int64(1)...200)
        let forward = try Self.digests(Self.filled(order: ids))
        let backward = try Self.digests(Self.filled(order: ids.reversed()))
        var rng = TestSeed.generator(7)
        let shuffled = try Self.digests(Self.filled(order: ids.shuffled(using: &rng)))
        #expect(forward == backward)
        #expect(forward == shuffled, "\(TestSeed.note)")
        #expect(forward.values.reduce(0) { $0 + $1.rowCount } == 200)
        #expect(forward.keys.sorted() == Array(0..<8))
        for digest in forward.values {
            #expect(digest.bucketRowCounts.reduce(0, +) == digest.rowCount)
            #expect(digest.bucketDigests.reduce(0, &+) == digest.digest)
        }
    }

    @Test(arguments: ["value", "event time", "created time", "null", "missing row"])
    func oneChangedRowChangesItsPartitionAndBucketOnly(change: String) throws {
        let ids = Array(Int64(1)...200)
        let baseline = try Self.digests(Self.filled(order: ids))
        let store = try Self.filled(order: ids.filter { change != "missing row" || $0 != 42 })
        switch change {
        case "value": _ = try store.write(view: Self.view, batch: F.scoreBatch([42], eventTime: 1_042, createdTime: 5_000, scores: [99], counts: [126]), nowMicros: 0)
        case "event time": _ = try store.write(view: Self.view, batch: F.scoreBatch([42], eventTime: 1_043, createdTime: 5_000, scores: [10.5], counts: [126]), nowMicros: 0)
        case "created time": _ = try store.write(view: Self.view, batch: F.scoreBatch([42], eventTime: 1_042, createdTime: 5_001, scores: [10.5], counts: [126]), nowMicros: 0)
        case "null": _ = try store.write(view: Self.view, batch: F.scoreBatch([42], eventTime: 1_042, createdTime: 5_000, scores: [0], scoreNulls: [true], counts: [126]), nowMicros: 0)
        default: break
        }
        let changed = try Self.digests(store)
        let key = EntityKey(.int64(42))
        let partition = Self.partitioner.partition(of: key)
        let bucket = RowDigest.bucket(of: key)
        for p in 0..<8 where p != partition {
            #expect(changed[p] == baseline[p])
        }
        let before = try #require(baseline[partition]), after = try #require(changed[partition])
        #expect(before.digest != after.digest)
        #expect(after.differingBuckets(from: before) == [bucket])
        #expect(after.rowCount == before.rowCount - (change == "missing row" ? 1 : 0))
    }

    @Test func anEmbeddingStoredRawOrLZ4IsTheSameRow() throws {
        let view = FeatureView(name: "emb", version: 1, entities: ["user"], fields: [Field(name: "v", type: .embedding(dimension: 64))], ttlSeconds: 60, stalenessPolicy: .serveFlagged)
        let vector = F.sparseVector(64, seed: 3)
        let compressed = EmbeddingCodec.encode(vector)
        #expect(compressed.isCompressed)
        var raw = [UInt8]()
        for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
        let plain = EncodedEmbedding(dimension: 64, isCompressed: false, bytes: raw)
        func digest(_ embedding: EncodedEmbedding) throws -> [Int: PartitionDigest] {
            let store = F.store(view)
            _ = try store.write(view: view, batch: WriteBatch(keys: F.keys(5), eventTimes: [1], createdTimes: [2], fields: [FieldValues(values: .embedding([embedding]))]), nowMicros: 0)
            return try Self.digests(store, view: view)
        }
        #expect(try digest(compressed) == digest(plain))
    }

    @Test func partitionsNotAskedForAreNotScannedAndEmptyOnesAreListed() throws {
        let store = try Self.filled(order: [1, 2, 3])
        let owned = Self.partitioner.partition(of: EntityKey(.int64(1)))
        let other = (0..<8).first { p in ![Int64(1), 2, 3].contains { Self.partitioner.partition(of: EntityKey(.int64($0))) == p } }!
        let digests = try store.partitionDigests(view: Self.view, partitioner: Self.partitioner, partitions: [owned, other])
        #expect(digests.keys.sorted() == [owned, other].sorted())
        #expect(digests[other] == PartitionDigest())
        #expect((digests[owned]?.rowCount ?? 0) >= 1)
    }

    /// The worked example of docs/protocol.md section 17: user 7, event time 1000, created time
    /// 2000, score 0.5, count null.
    @Test func theDocumentedExampleRowDigest() throws {
        let batch = WriteBatch(
            keys: F.keys(7), eventTimes: [1_000], createdTimes: [2_000],
            fields: [FieldValues(values: .float([0.5])), FieldValues(values: .int64([0]), nullRows: [true])])
        let hash = RowDigest.hashes(of: batch, fields: Self.view.fields)[0]
        // The canonical bytes, hashed by the reference xxHash64 implementation.
        let bytes: [UInt8] = [0x01, 7, 0, 0, 0, 0, 0, 0, 0] + [0xe8, 0x03, 0, 0, 0, 0, 0, 0] + [0xd0, 0x07, 0, 0, 0, 0, 0, 0] + [0x01, 0, 0, 0, 0x3f] + [0x00]
        #expect(hash == XXHash64.hash(bytes))
        // Also computed by an independent Python xxHash64 from the bytes above.
        #expect(hash == 0xf327_894b_3ef7_f939)
        #expect(RowDigest.bucket(of: EntityKey(.int64(7))) == 21)
    }

    /// The cost of a pass, printed for docs/cluster.md: 20k rows of 10 floats (kept small so
    /// the suite's timing-sensitive tests running beside it are not starved), scaled to 100k.
    @Test func costOfADigestPass() throws {
        let view = FeatureView(name: "wide", version: 1, entities: ["user"], fields: (0..<10).map { Field(name: "f\($0)", type: .float) }, ttlSeconds: 60, stalenessPolicy: .serveFlagged)
        let store = F.store(view)
        let rows = 20_000
        let keys = (0..<rows).map { EntityKey(.int64(Int64($0))) }
        let fields = (0..<10).map { f in FieldValues(values: .float((0..<rows).map { Float($0 + f) })) }
        _ = try store.write(view: view, batch: WriteBatch(keys: keys, eventTimes: Array(repeating: 1, count: rows), createdTimes: Array(repeating: 2, count: rows), fields: fields), nowMicros: 0)
        let partitioner = try Partitioner(partitionCount: 1024)
        let clock = ContinuousClock()
        let start = clock.now
        let digests = try store.partitionDigests(view: view, partitioner: partitioner, partitions: Set(0..<1024))
        let elapsed = clock.now - start
        #expect(digests.values.reduce(0) { $0 + $1.rowCount } == UInt64(rows))
        print("digest pass over \(rows) rows x 10 floats, 1024 partitions: \(elapsed) (\(elapsed * (100_000 / rows)) per 100k rows)")
    }
}

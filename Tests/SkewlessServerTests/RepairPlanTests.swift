import SkewlessModel
import SwiftProtobuf
import Testing
import SkewlessWire
@testable import SkewlessServer

/// The repair rule (`RepairPlan` over `ReplicaRows`): every replica ends with each entity's
/// newest row; rows travel both ways; a newer row is never replaced by an older one; rows too
/// recent are left to the write path.
@Suite struct RepairPlanTests {
    /// An exported page of int64-keyed rows with one int64 field `n`: (key, event, created, n).
    static func page(_ rows: [(Int64, Int64, Int64, Int64)], nullRows: [UInt32] = []) -> Skewless_V1_ExportRowsResponse {
        var page = Skewless_V1_ExportRowsResponse()
        var keys = Skewless_V1_EntityKeyColumn()
        keys.joinKey = "user_id"
        keys.int64Values = rows.map(\.0)
        page.entities = [keys]
        page.eventTimeMicros = rows.map(\.1)
        page.createdTimeMicros = rows.map(\.2)
        var column = Skewless_V1_WriteColumn()
        column.field = "n"
        column.values.int64Values = rows.map(\.3)
        column.nullRows = nullRows
        page.columns = [column]
        page.rowDigests = rows.map { UInt64(bitPattern: $0.3) &* 0x9E37_79B9_7F4A_7C15 }
        return page
    }

    static func rows(_ pages: Skewless_V1_ExportRowsResponse..., node: String = "n") throws -> ReplicaRows {
        var rows = ReplicaRows()
        for page in pages { try rows.add(page, from: node) }
        return rows
    }

    @Test func eachReplicaGetsWhatItLacksOrHoldsOlderBothWays() throws {
        // a: 1 newer, 2 older, 3 only here; b: 1 older, 2 newer, 4 only here; 5 the same on both.
        let a = try Self.rows(Self.page([(1, 20, 1, 10), (2, 10, 1, 20), (3, 5, 1, 30), (5, 7, 7, 50)]))
        let b = try Self.rows(Self.page([(1, 10, 1, 11), (2, 20, 1, 21)]), Self.page([(4, 5, 1, 40), (5, 7, 7, 50)]))
        let plan = RepairPlan(replicas: ["a": a, "b": b])
        #expect(plan.transfers["b"] == [.init(source: "a", page: 0, index: 0), .init(source: "a", page: 0, index: 2)])
        #expect(plan.transfers["a"] == [.init(source: "b", page: 0, index: 1), .init(source: "b", page: 1, index: 0)])
        #expect(plan.rowCount == 4)
        #expect(plan.unsettled == 0)
    }

    @Test func anOlderRowNeverTravelsOverANewerOne() throws {
        // Same event time: the later created time wins; a's row is never sent to b.
        let a = try Self.rows(Self.page([(1, 10, 1, 10)]))
        let b = try Self.rows(Self.page([(1, 10, 2, 99)]))
        let plan = RepairPlan(replicas: ["a": a, "b": b])
        #expect(plan.transfers["b"] == nil)
        #expect(plan.transfers["a"] == [.init(source: "b", page: 0, index: 0)])
    }

    @Test func equalTimesWithOtherValuesConvergeOnTheLargerDigest() throws {
        let a = try Self.rows(Self.page([(1, 10, 1, 10)]))
        let b = try Self.rows(Self.page([(1, 10, 1, 11)]))
        let plan = RepairPlan(replicas: ["a": a, "b": b])
        // Exactly one direction, the same whichever replica is listed first.
        #expect(plan.rowCount == 1)
        #expect(plan == RepairPlan(replicas: ["b": b, "a": a]))
    }

    @Test func recentRowsAreLeftToTheWritePath() throws {
        let a = try Self.rows(Self.page([(1, 10, 1_000, 10), (2, 10, 5, 20)]))
        let b = try Self.rows(Self.page([]))
        let plan = RepairPlan(replicas: ["a": a, "b": b], settledBeforeMicros: 500)
        #expect(plan.transfers["b"] == [.init(source: "a", page: 0, index: 1)])
        #expect(plan.unsettled == 1)
    }

    @Test func anApplicationCarriesTheChosenRowsWithTheirTimesAndNulls() throws {
        let rows = try Self.rows(Self.page([(1, 10, 1, 10), (2, 20, 2, 0), (3, 30, 3, 30)], nullRows: [1]))
        let request = rows.application(page: 0, indexes: [1, 2], view: "v@1", epoch: 9)
        #expect(request.replicaApply)
        #expect(request.mapEpoch == 9)
        #expect(request.featureView == "v@1")
        #expect(request.entities.first?.int64Values == [2, 3])
        #expect(request.eventTimeMicros == [20, 30])
        #expect(request.createdTimeMicros == [2, 3])
        #expect(request.columns.first?.values.int64Values == [0, 30])
        #expect(request.columns.first?.nullRows == [0])
        #expect(request.logNode.isEmpty && request.idempotencyKey.isEmpty)
    }

    @Test func aMalformedPageIsRefusedNamingTheNode() throws {
        var page = Self.page([(1, 10, 1, 10)])
        page.rowDigests = []
        var rows = ReplicaRows()
        #expect(throws: SkewlessError.self) { try rows.add(page, from: "node-9") }
        var short = Self.page([(1, 10, 1, 10), (2, 10, 1, 10)])
        short.columns[0].values.int64Values = [1]
        #expect(throws: SkewlessError.self) { try rows.add(short, from: "node-9") }
    }

    /// The bytes of docs/protocol.md section 17's examples.
    @Test func partitionDigestMessagesEncodeAsDocumented() throws {
        var request = Skewless_V1_PartitionDigestRequest()
        request.featureView = "user_transactions"
        request.partitions = [3, 300]
        request.includeBuckets = true
        let requestBytes: [UInt8] = try request.serializedBytes()
        #expect(requestBytes == [0x0a, 0x11] + Array("user_transactions".utf8) + [0x12, 0x03, 0x03, 0xac, 0x02, 0x18, 0x01])

        var entry = Skewless_V1_PartitionDigest()
        entry.featureView = "v@1"
        entry.partition = 3
        entry.rowCount = 2
        entry.digest = 0xf327_894b_3ef7_f939
        var response = Skewless_V1_PartitionDigestResponse()
        response.digests = [entry]
        response.epoch = 6
        response.nodeID = "node-2"
        let responseBytes: [UInt8] = try response.serializedBytes()
        #expect(responseBytes == [
            0x0a, 0x12, 0x0a, 0x03, 0x76, 0x40, 0x31, 0x10, 0x03, 0x18, 0x02, 0x21, 0x39, 0xf9, 0xf7, 0x3e, 0x4b, 0x89, 0x27, 0xf3,
            0x10, 0x06, 0x1a, 0x06] + Array("node-2".utf8))
        #expect(try Skewless_V1_PartitionDigestResponse(serializedBytes: responseBytes) == response)
    }
}

import Foundation
import SkewlessModel
@testable import SkewlessOfflineStore

/// A directory under the system temp dir, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "skewless-offline-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Runs `body` with a fresh directory, removing it afterwards.
    static func with<T>(_ body: (TemporaryDirectory) throws -> T) rethrows -> T {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        return try body(directory)
    }
}

enum Fixtures {
    static let hour: Int64 = 3_600_000_000
    static let base: Int64 = 1_763_719_200_000_000

    /// Every feature type, so round trips cover them all.
    static let allTypesView = FeatureView(
        name: "everything", entities: ["user"],
        fields: [
            Field(name: "b", type: .bool), Field(name: "i32", type: .int32), Field(name: "i64", type: .int64),
            Field(name: "f", type: .float), Field(name: "d", type: .double), Field(name: "s", type: .string),
            Field(name: "by", type: .bytes), Field(name: "ts", type: .timestamp), Field(name: "e", type: .embedding(dimension: 8)),
            Field(name: "il", type: .int64List), Field(name: "sl", type: .stringList),
        ],
        ttlSeconds: 86_400)

    static let userKey = [JoinKey(name: "user_id", type: .int64)]
    static let pairKey = [JoinKey(name: "user_id", type: .int64), JoinKey(name: "merchant_id", type: .string)]

    /// A value of `type` that differs by `seed`; embeddings alternate compressible and not.
    static func value(_ type: FeatureType, seed: Int) -> FeatureValue {
        switch type.storage {
        case .bool: return .bool(seed % 2 == 0)
        case .int32: return .int32(Int32(seed) * -7)
        case .int64: return .int64(Int64(seed) * 1_000_000_007)
        case .float: return .float(Float(seed) / 3)
        case .double: return .double(Double(seed) * 0.1)
        case .string: return .string(seed % 3 == 0 ? "" : "value é \(seed)")
        case .bytes: return .bytes((0..<(seed % 5)).map { UInt8(($0 * 37 + seed) & 0xFF) })
        case .timestamp: return .timestamp(base + Int64(seed))
        case .embedding(let dimension):
            if seed % 2 == 0 { return .embedding([Float](repeating: 0, count: dimension - 1) + [Float(seed)]) }
            return .embedding((0..<dimension).map { Float(bitPattern: UInt32(truncatingIfNeeded: ($0 + 1) &* 2_654_435_761 &+ seed)) / 1e30 })
        case .int64List: return .int64List((0..<(seed % 4)).map { Int64($0 * seed) })
        case .stringList: return .stringList((0..<(seed % 3)).map { "s\($0)-\(seed)" })
        }
    }

    static func schema(_ view: FeatureView, _ keys: [JoinKey] = userKey) -> SegmentSchema {
        SegmentSchema(view: view, joinKeys: keys)
    }
}

extension SegmentRows {
    /// Row `row` as plain values, to compare rows across segments.
    func plainRow(_ row: Int) throws -> PlainRow {
        PlainRow(
            key: keys.key(at: row), eventTime: eventTimes[row], createdTime: createdTimes[row],
            values: try fields.indices.map { field in isNull(field: field, row: row) ? nil : try fields[field].values.value(at: row) })
    }

    func plainRows() throws -> [PlainRow] {
        try (0..<count).map(plainRow)
    }
}

/// One row with boxed values, for comparisons in tests.
struct PlainRow: Hashable, CustomStringConvertible {
    var key: EntityKey
    var eventTime: Int64
    var createdTime: Int64
    var values: [FeatureValue?]

    var description: String { "\(key)@\(eventTime)/\(createdTime): \(values.map { $0?.description ?? "null" })" }
}

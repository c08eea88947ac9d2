import SkewlessCompression
import SkewlessModel

/// The column of one field, typed by the field's `FeatureType`.
///
/// Each case holds a `TypedColumn` of the Swift type that stores that feature type:
///
/// | Feature type  | Stored as                     | Width    |
/// |---------------|-------------------------------|----------|
/// | bool          | `Bool` (one byte)             | fixed    |
/// | int32         | `Int32`                       | fixed    |
/// | int64         | `Int64`                       | fixed    |
/// | float         | `Float`                       | fixed    |
/// | double        | `Double`                      | fixed    |
/// | timestamp     | `Int64` microseconds          | fixed    |
/// | string        | `String`                      | variable |
/// | bytes         | `[UInt8]`                     | variable |
/// | embedding[N]  | `EncodedEmbedding` (as written: raw or LZ4) | variable |
/// | int64_list    | `[Int64]`                     | variable |
/// | string_list   | `[String]`                    | variable |
///
/// Embeddings are stored encoded, so a read sends the stored bytes without re-encoding.
/// Dispatch happens once per column per batch, never per value.
enum FieldColumn {
    case bool(ColumnBox<Bool>)
    case int32(ColumnBox<Int32>)
    case int64(ColumnBox<Int64>)
    case float(ColumnBox<Float>)
    case double(ColumnBox<Double>)
    case string(ColumnBox<String>)
    case bytes(ColumnBox<[UInt8]>)
    case timestamp(ColumnBox<Int64>)
    case embedding(ColumnBox<EncodedEmbedding>)
    case int64List(ColumnBox<[Int64]>)
    case stringList(ColumnBox<[String]>)

    /// An empty column for `field` of a view with `policy`. A default whose type does not
    /// match the field (which a validated repo never has) is ignored.
    init(field: Field, policy: StalenessPolicy) {
        let value = field.defaultValue
        func box<T: ColumnElement>(zero: T, typed: (FeatureValue) -> T?) -> ColumnBox<T> {
            ColumnBox(TypedColumn(defaultValue: value.flatMap(typed), placeholder: zero, vacant: zero, policy: policy))
        }
        switch field.type {
        case .bool:
            self = .bool(box(zero: false) { if case .bool(let v) = $0 { v } else { nil } })
        case .int32:
            self = .int32(box(zero: 0) { if case .int32(let v) = $0 { v } else { nil } })
        case .int64:
            self = .int64(box(zero: 0) { if case .int64(let v) = $0 { v } else { nil } })
        case .float:
            self = .float(box(zero: 0) { if case .float(let v) = $0 { v } else { nil } })
        case .double:
            self = .double(box(zero: 0) { if case .double(let v) = $0 { v } else { nil } })
        case .string:
            self = .string(box(zero: "") { if case .string(let v) = $0 { v } else { nil } })
        case .bytes:
            self = .bytes(box(zero: []) { if case .bytes(let v) = $0 { v } else { nil } })
        case .timestamp:
            self = .timestamp(box(zero: 0) { if case .timestamp(let v) = $0 { v } else { nil } })
        case .int64List:
            self = .int64List(box(zero: []) { if case .int64List(let v) = $0 { v } else { nil } })
        case .stringList:
            self = .stringList(box(zero: []) { if case .stringList(let v) = $0 { v } else { nil } })
        case .embedding(let dimension):
            var encodedDefault: EncodedEmbedding?
            if case .embedding(let vector)? = value, vector.count == dimension {
                encodedDefault = EmbeddingCodec.encode(vector)
            }
            // Served for rows without a value: the zero vector (LZ4 makes it a few bytes).
            let placeholder = EmbeddingCodec.encode([Float](repeating: 0, count: max(0, dimension)))
            // Stored in null rows, never served: no bytes at all.
            let vacant = EncodedEmbedding(dimension: dimension, isCompressed: false, bytes: [])
            self = .embedding(ColumnBox(TypedColumn(defaultValue: encodedDefault, placeholder: placeholder, vacant: vacant, policy: policy)))
        }
    }

    /// Writes one field of a validated batch, after growing the column to `rowCount` rows.
    /// `values` nil means null in every row; values of another type than the column's
    /// (which validation rules out) are written as null.
    func write(_ values: FieldValues?, _ writes: [RowWrite], rowCount: Int) {
        switch self {
        case .bool(let box):
            Self.write(box, values, writes, rowCount) { if case .bool(let v) = $0 { v } else { nil } }
        case .int32(let box):
            Self.write(box, values, writes, rowCount) { if case .int32(let v) = $0 { v } else { nil } }
        case .int64(let box):
            Self.write(box, values, writes, rowCount) { if case .int64(let v) = $0 { v } else { nil } }
        case .float(let box):
            Self.write(box, values, writes, rowCount) { if case .float(let v) = $0 { v } else { nil } }
        case .double(let box):
            Self.write(box, values, writes, rowCount) { if case .double(let v) = $0 { v } else { nil } }
        case .string(let box):
            Self.write(box, values, writes, rowCount) { if case .string(let v) = $0 { v } else { nil } }
        case .bytes(let box):
            Self.write(box, values, writes, rowCount) { if case .bytes(let v) = $0 { v } else { nil } }
        case .timestamp(let box):
            Self.write(box, values, writes, rowCount) { if case .timestamp(let v) = $0 { v } else { nil } }
        case .embedding(let box):
            Self.write(box, values, writes, rowCount) { if case .embedding(let v) = $0 { v } else { nil } }
        case .int64List(let box):
            Self.write(box, values, writes, rowCount) { if case .int64List(let v) = $0 { v } else { nil } }
        case .stringList(let box):
            Self.write(box, values, writes, rowCount) { if case .stringList(let v) = $0 { v } else { nil } }
        }
    }

    private static func write<T>(_ box: ColumnBox<T>, _ values: FieldValues?, _ writes: [RowWrite], _ rowCount: Int, typed: (ColumnValues) -> [T]?) {
        box.column.write(values.flatMap { typed($0.values) }, nullRows: values?.nullRows, writes: writes, rowCount: rowCount)
    }

    /// The served values and statuses of the requested rows.
    func read(_ rows: [RowLookup]) -> (values: ColumnValues, statuses: [ValueStatus]) {
        switch self {
        case .bool(let box):
            let (values, statuses) = box.column.read(rows)
            return (.bool(values), statuses)
        case .int32(let box):
            let (values, statuses) = box.column.read(rows)
            return (.int32(values), statuses)
        case .int64(let box):
            let (values, statuses) = box.column.read(rows)
            return (.int64(values), statuses)
        case .float(let box):
            let (values, statuses) = box.column.read(rows)
            return (.float(values), statuses)
        case .double(let box):
            let (values, statuses) = box.column.read(rows)
            return (.double(values), statuses)
        case .string(let box):
            let (values, statuses) = box.column.read(rows)
            return (.string(values), statuses)
        case .bytes(let box):
            let (values, statuses) = box.column.read(rows)
            return (.bytes(values), statuses)
        case .timestamp(let box):
            let (values, statuses) = box.column.read(rows)
            return (.timestamp(values), statuses)
        case .embedding(let box):
            let (values, statuses) = box.column.read(rows)
            return (.embedding(values), statuses)
        case .int64List(let box):
            let (values, statuses) = box.column.read(rows)
            return (.int64List(values), statuses)
        case .stringList(let box):
            let (values, statuses) = box.column.read(rows)
            return (.stringList(values), statuses)
        }
    }

    /// Rows stored (every column of a table has one per row slot).
    var count: Int {
        switch self {
        case .bool(let box): return box.column.count
        case .int32(let box): return box.column.count
        case .int64(let box): return box.column.count
        case .float(let box): return box.column.count
        case .double(let box): return box.column.count
        case .string(let box): return box.column.count
        case .bytes(let box): return box.column.count
        case .timestamp(let box): return box.column.count
        case .embedding(let box): return box.column.count
        case .int64List(let box): return box.column.count
        case .stringList(let box): return box.column.count
        }
    }

    /// Heap bytes of the column (see `TypedColumn.allocatedBytes`) and of its box.
    var allocatedBytes: Int {
        switch self {
        case .bool(let box): return box.allocatedBytes
        case .int32(let box): return box.allocatedBytes
        case .int64(let box): return box.allocatedBytes
        case .float(let box): return box.allocatedBytes
        case .double(let box): return box.allocatedBytes
        case .string(let box): return box.allocatedBytes
        case .bytes(let box): return box.allocatedBytes
        case .timestamp(let box): return box.allocatedBytes
        case .embedding(let box): return box.allocatedBytes
        case .int64List(let box): return box.allocatedBytes
        case .stringList(let box): return box.allocatedBytes
        }
    }
}

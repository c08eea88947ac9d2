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
    case bool(TypedColumn<Bool>)
    case int32(TypedColumn<Int32>)
    case int64(TypedColumn<Int64>)
    case float(TypedColumn<Float>)
    case double(TypedColumn<Double>)
    case string(TypedColumn<String>)
    case bytes(TypedColumn<[UInt8]>)
    case timestamp(TypedColumn<Int64>)
    case embedding(TypedColumn<EncodedEmbedding>)
    case int64List(TypedColumn<[Int64]>)
    case stringList(TypedColumn<[String]>)

    /// An empty column for `field` of a view with `policy`. A default whose type does not
    /// match the field (which a validated repo never has) is ignored.
    /// - Parameter record: for a bool, float or double field, the table's row block and the
    ///   field's offset in its records; nil keeps the values in the column's own chunks.
    init(field: Field, policy: StalenessPolicy, record: (block: RowBlock, offset: Int)? = nil) {
        let value = field.defaultValue
        func column<T: ColumnElement>(zero: T, typed: (FeatureValue) -> T?) -> TypedColumn<T> {
            let storage = record.map { SlotValues<T>(block: $0.block, offset: $0.offset) } ?? SlotValues()
            return TypedColumn(defaultValue: value.flatMap(typed), placeholder: zero, vacant: zero, policy: policy, storage: storage)
        }
        switch field.type.storage {
        case .bool:
            self = .bool(column(zero: false) { if case .bool(let v) = $0.storage { v } else { nil } })
        case .int32:
            self = .int32(column(zero: 0) { if case .int32(let v) = $0.storage { v } else { nil } })
        case .int64:
            self = .int64(column(zero: 0) { if case .int64(let v) = $0.storage { v } else { nil } })
        case .float:
            self = .float(column(zero: 0) { if case .float(let v) = $0.storage { v } else { nil } })
        case .double:
            self = .double(column(zero: 0) { if case .double(let v) = $0.storage { v } else { nil } })
        case .string:
            self = .string(column(zero: "") { if case .string(let v) = $0.storage { v } else { nil } })
        case .bytes:
            self = .bytes(column(zero: []) { if case .bytes(let v) = $0.storage { v } else { nil } })
        case .timestamp:
            self = .timestamp(column(zero: 0) { if case .timestamp(let v) = $0.storage { v } else { nil } })
        case .int64List:
            self = .int64List(column(zero: []) { if case .int64List(let v) = $0.storage { v } else { nil } })
        case .stringList:
            self = .stringList(column(zero: []) { if case .stringList(let v) = $0.storage { v } else { nil } })
        case .embedding(let dimension):
            var encodedDefault: EncodedEmbedding?
            if case .embedding(let vector)? = value?.storage, vector.count == dimension {
                encodedDefault = EmbeddingCodec.encode(vector)
            }
            // Served for rows without a value: the zero vector (LZ4 makes it a few bytes).
            let placeholder = EmbeddingCodec.encode([Float](repeating: 0, count: max(0, dimension)))
            // Stored in null rows, never served: no bytes at all.
            let vacant = EncodedEmbedding(dimension: dimension, isCompressed: false, bytes: [])
            self = .embedding(TypedColumn(defaultValue: encodedDefault, placeholder: placeholder, vacant: vacant, policy: policy))
        }
    }

    /// Writes one field of a validated batch, after growing the column to `rowCount` rows.
    /// `values` nil means null in every row; values of another type than the column's
    /// (which validation rules out) are written as null.
    func write(_ values: FieldValues?, _ writes: [RowWrite], rowCount: Int) {
        switch self {
        case .bool(let column):
            Self.write(column, values, writes, rowCount) { if case .bool(let v) = $0 { v } else { nil } }
        case .int32(let column):
            Self.write(column, values, writes, rowCount) { if case .int32(let v) = $0 { v } else { nil } }
        case .int64(let column):
            Self.write(column, values, writes, rowCount) { if case .int64(let v) = $0 { v } else { nil } }
        case .float(let column):
            Self.write(column, values, writes, rowCount) { if case .float(let v) = $0 { v } else { nil } }
        case .double(let column):
            Self.write(column, values, writes, rowCount) { if case .double(let v) = $0 { v } else { nil } }
        case .string(let column):
            Self.write(column, values, writes, rowCount) { if case .string(let v) = $0 { v } else { nil } }
        case .bytes(let column):
            Self.write(column, values, writes, rowCount) { if case .bytes(let v) = $0 { v } else { nil } }
        case .timestamp(let column):
            Self.write(column, values, writes, rowCount) { if case .timestamp(let v) = $0 { v } else { nil } }
        case .embedding(let column):
            Self.write(column, values, writes, rowCount) { if case .embedding(let v) = $0 { v } else { nil } }
        case .int64List(let column):
            Self.write(column, values, writes, rowCount) { if case .int64List(let v) = $0 { v } else { nil } }
        case .stringList(let column):
            Self.write(column, values, writes, rowCount) { if case .stringList(let v) = $0 { v } else { nil } }
        }
    }

    private static func write<T>(_ column: TypedColumn<T>, _ values: FieldValues?, _ writes: [RowWrite], _ rowCount: Int, typed: (ColumnValues) -> [T]?) {
        column.write(values.flatMap { typed($0.values) }, nullRows: values?.nullRows, writes: writes, rowCount: rowCount)
    }

    /// The served values and statuses of the requested rows.
    func read(_ rows: [RowLookup]) -> (values: ColumnValues, statuses: [ValueStatus]) {
        switch self {
        case .bool(let column):
            let (values, statuses) = column.read(rows)
            return (.bool(values), statuses)
        case .int32(let column):
            let (values, statuses) = column.read(rows)
            return (.int32(values), statuses)
        case .int64(let column):
            let (values, statuses) = column.read(rows)
            return (.int64(values), statuses)
        case .float(let column):
            let (values, statuses) = column.read(rows)
            return (.float(values), statuses)
        case .double(let column):
            let (values, statuses) = column.read(rows)
            return (.double(values), statuses)
        case .string(let column):
            let (values, statuses) = column.read(rows)
            return (.string(values), statuses)
        case .bytes(let column):
            let (values, statuses) = column.read(rows)
            return (.bytes(values), statuses)
        case .timestamp(let column):
            let (values, statuses) = column.read(rows)
            return (.timestamp(values), statuses)
        case .embedding(let column):
            let (values, statuses) = column.read(rows)
            return (.embedding(values), statuses)
        case .int64List(let column):
            let (values, statuses) = column.read(rows)
            return (.int64List(values), statuses)
        case .stringList(let column):
            let (values, statuses) = column.read(rows)
            return (.stringList(values), statuses)
        }
    }

    /// Bytes per served value for the types whose values travel fixed-width (bool, float,
    /// double); nil for the others.
    var fixedWidth: Int? {
        switch self {
        case .bool: return Bool.width
        case .float: return Float.width
        case .double: return Double.width
        default: return nil
        }
    }

    /// See `TypedColumn.gatherFixedWidth`. A column without a fixed width traps: it would
    /// leave `statuses` uninitialized, and they are read next.
    func gatherFixedWidth(_ rows: [RowLookup], statuses: UnsafeMutableBufferPointer<ValueStatus>, values: UnsafeMutableRawBufferPointer) {
        switch self {
        case .bool(let column): column.gatherFixedWidth(rows, statuses: statuses, values: values)
        case .float(let column): column.gatherFixedWidth(rows, statuses: statuses, values: values)
        case .double(let column): column.gatherFixedWidth(rows, statuses: statuses, values: values)
        default: preconditionFailure("gatherFixedWidth on a column without a fixed width")
        }
    }

    /// Rows stored (every column of a table has one per row slot).
    var count: Int {
        switch self {
        case .bool(let column): return column.count
        case .int32(let column): return column.count
        case .int64(let column): return column.count
        case .float(let column): return column.count
        case .double(let column): return column.count
        case .string(let column): return column.count
        case .bytes(let column): return column.count
        case .timestamp(let column): return column.count
        case .embedding(let column): return column.count
        case .int64List(let column): return column.count
        case .stringList(let column): return column.count
        }
    }

    /// Heap bytes of the column (see `TypedColumn.allocatedBytes`).
    var allocatedBytes: Int {
        switch self {
        case .bool(let column): return column.allocatedBytes
        case .int32(let column): return column.allocatedBytes
        case .int64(let column): return column.allocatedBytes
        case .float(let column): return column.allocatedBytes
        case .double(let column): return column.allocatedBytes
        case .string(let column): return column.allocatedBytes
        case .bytes(let column): return column.allocatedBytes
        case .timestamp(let column): return column.allocatedBytes
        case .embedding(let column): return column.allocatedBytes
        case .int64List(let column): return column.allocatedBytes
        case .stringList(let column): return column.allocatedBytes
        }
    }
}

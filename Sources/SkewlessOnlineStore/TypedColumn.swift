import SkewlessModel

/// Which table row a batch row is written to.
struct RowWrite: Sendable, Hashable {
    /// The row's index in the write batch.
    var source: Int
    /// The table slot.
    var slot: Int
}

/// Where a requested key's row is, and how fresh it is.
struct RowLookup: Sendable, Hashable {
    /// The table slot, or -1 when the table has no row for the key.
    var slot: Int
    var freshness: RowFreshness
}

/// The stored values of one field of one table: a value per row slot (`SlotValues`: in
/// `ChunkedArray` chunks of its own, or, for bool, float and double, in the table's
/// row-by-row `RowBlock`), and a `NullBitmap`.
///
/// One generic type serves every field type; `FieldColumn` instantiates it per type, so
/// each instantiation is specialized and a float column is plain floats,
/// never boxed values. Null rows keep `vacant` (the zero value, or an empty buffer for
/// embeddings) so a null costs no heap; reads never serve it, since the serving rule maps
/// null to the default or the placeholder.
///
/// A class, so the table's `FieldColumn` enum holds a reference: reading a column through
/// an enum payload or a box's stored struct copied it (retaining its five buffers) once
/// per field per request, which was a third of the node's CPU on 1 x 50 reads.
///
/// Not `Sendable`: a column belongs to one `FeatureTable`, which is only reached under its
/// lock; hence no dynamic exclusivity checks on its storage (see `FeatureTable`).
final class TypedColumn<Element: ColumnElement> {
    @exclusivity(unchecked) var values: SlotValues<Element>
    @exclusivity(unchecked) var nulls = NullBitmap()
    /// Heap bytes owned by the stored values (always 0 for fixed-width types).
    var elementHeapBytes = 0

    /// The field's declared default, in stored form (embeddings encoded once, here).
    let defaultValue: Element?
    /// Served in rows without a value: the type's zero value (`FeatureValue.zero`).
    let placeholder: Element
    /// Stored in null rows.
    let vacant: Element
    private let serving: FieldServing

    /// - Parameter storage: where the values live (see `SlotValues`).
    init(defaultValue: Element?, placeholder: Element, vacant: Element, policy: StalenessPolicy, storage: SlotValues<Element> = SlotValues()) {
        self.values = storage
        self.defaultValue = defaultValue
        self.placeholder = placeholder
        self.vacant = vacant
        self.serving = FieldServing(hasDefault: defaultValue != nil, policy: policy)
    }

    var count: Int { values.count }

    /// Writes batch rows to their slots, in order.
    /// - Parameters:
    ///   - source: the batch's values for this field, one per batch row; nil when the
    ///     field is null in every row.
    ///   - nullRows: nil when no row is null, else one flag per batch row.
    ///   - writes: each slot is below `rowCount`.
    ///   - rowCount: the table's row count; the column first grows to it with null rows.
    func write(_ source: [Element]?, nullRows: [Bool]?, writes: [RowWrite], rowCount: Int) {
        if rowCount > values.count {
            let added = rowCount - values.count
            values.append(repeating: vacant, count: added)
            nulls.append(repeating: true, count: added)
        }
        guard let source else {
            for write in writes {
                store(vacant, isNull: true, at: write.slot)
            }
            return
        }
        if let nullRows {
            for write in writes {
                let isNull = nullRows[write.source]
                store(isNull ? vacant : source[write.source], isNull: isNull, at: write.slot)
            }
        } else {
            for write in writes {
                store(source[write.source], isNull: false, at: write.slot)
            }
        }
    }

    @inline(__always)
    private func store(_ value: Element, isNull: Bool, at slot: Int) {
        if Element.hasHeapStorage {
            elementHeapBytes += value.heapBytes - values[slot].heapBytes
        }
        values[slot] = value
        // Reading first spares the bitmap's uniqueness check in the common case (no change).
        if nulls[slot] != isNull {
            nulls[slot] = isNull
        }
    }

    /// The served value and status of each requested row, by `ServingRule`.
    func read(_ rows: [RowLookup]) -> (values: [Element], statuses: [ValueStatus]) {
        var output: [Element] = []
        output.reserveCapacity(rows.count)
        var statuses: [ValueStatus] = []
        statuses.reserveCapacity(rows.count)
        let mayBeNull = nulls.nullCount > 0
        for row in rows {
            let isNull = mayBeNull && row.slot >= 0 && nulls[row.slot]
            switch serving.source(row.freshness, isNull: isNull) {
            case .stored(let status) where row.slot >= 0:
                output.append(values[row.slot])
                statuses.append(status)
            case .fieldDefault:
                output.append(defaultValue ?? placeholder)
                statuses.append(.defaulted)
            case .placeholder(let status), .stored(let status):
                output.append(placeholder)
                statuses.append(status)
            }
        }
        return (output, statuses)
    }

    /// The object: a 16-byte header and the stored properties.
    private static var objectBytes: Int {
        16 + MemoryLayout<SlotValues<Element>>.size + MemoryLayout<NullBitmap>.size + MemoryLayout<Int>.size
            + MemoryLayout<Element?>.size + 2 * MemoryLayout<Element>.size + MemoryLayout<FieldServing>.size
    }

    /// Heap bytes: the object (header and inline fields), chunk capacities, the null bitmap
    /// and the values' own heap storage.
    var allocatedBytes: Int {
        Self.objectBytes + values.allocatedBytes + nulls.allocatedBytes + elementHeapBytes
    }
}

extension TypedColumn where Element: FixedWidthValue {
    /// `read(_:)` without arrays: the served status of each requested row into `statuses`
    /// and its value, little-endian, into `values` (`Element.width` bytes per row, in row
    /// order). Same serving rule, same values.
    ///
    /// The per-row writes are unchecked (they are the hot path of every read); the one
    /// check that covers them all runs here, in release builds too: both buffers are
    /// exactly as long as the rows need, so a caller that sized them for another width or
    /// row count traps instead of writing past them.
    func gatherFixedWidth(_ rows: [RowLookup], statuses: UnsafeMutableBufferPointer<ValueStatus>, values buffer: UnsafeMutableRawBufferPointer) {
        let width = Element.width
        precondition(
            statuses.count == rows.count && buffer.count == rows.count &* width,
            "gather of \(rows.count) rows of \(width) bytes into \(statuses.count) statuses and \(buffer.count) value bytes")
        guard let values = buffer.baseAddress else { return }
        // A column without nulls skips its bitmap: one cache miss less per field and row.
        let mayBeNull = nulls.nullCount > 0
        for (position, row) in rows.enumerated() {
            let isNull = mayBeNull && row.slot >= 0 && nulls[row.slot]
            let value: Element
            switch serving.source(row.freshness, isNull: isNull) {
            case .stored(let status) where row.slot >= 0:
                value = self.values[row.slot]
                statuses[position] = status
            case .fieldDefault:
                value = defaultValue ?? placeholder
                statuses[position] = .defaulted
            case .placeholder(let status), .stored(let status):
                value = placeholder
                statuses[position] = status
            }
            value.storeLittleEndian(to: values + position &* width)
        }
    }
}

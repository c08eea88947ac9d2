import SkewlessModel

/// The latest row of every entity of one feature view version.
///
/// ```
///   index: [EntityKey: UInt32]        key -> row slot (dense, assigned on first write)
///
///   slot | eventTimes | createdTimes | rowBlock record            | other fields
///   -----+------------+--------------+----------------------------+------------------------
///     0  |   Int64    |    Int64     | double.. float.. bool..    | value per field, per slot
///     1  |   Int64    |    Int64     | double.. float.. bool..    | value per field, per slot
///   every field also has a null bit per slot
/// ```
///
/// Row times are `ChunkedArray`s indexed by slot. The bool, float and double fields of a
/// row share one record in `rowBlock` (`RowBlock`: a read of a row touches a few adjacent
/// cache lines, not one per field); every other field keeps a `ChunkedArray` of its own.
/// Each field has a `NullBitmap`. Nothing is boxed per value: a float field costs 4 bytes
/// and a bit per row, the row costs 16 bytes of times plus its index entry.
///
/// Rules (see `ServingRule` for reads):
/// - A row is written whole; a field absent from a write is null in that row.
/// - A write whose (event time, created time) is lexicographically older than the stored
///   row's is ignored and counted; an equal pair replaces the row (an idempotent rewrite).
/// - Rows of one batch apply in order, under the same rule.
/// - TTL is applied at read time; rows are never expired or deleted.
///
/// Not thread-safe and not `Sendable`: `OnlineStore` keeps each table behind a reader-writer
/// lock (`LockedTable`): changes happen alone, reads together, so read paths must change
/// nothing. For that reason the stored columns skip the runtime's dynamic exclusivity checks
/// (`@exclusivity(unchecked)`): every access already happens under the table's lock, and the
/// checks were a tenth of a materialization's time (4M entities: 6.3-7.9 s with them,
/// 4.8-5.0 s without).
final class FeatureTable {
    let schema: TableSchema
    @exclusivity(unchecked) var index: [EntityKey: UInt32]
    @exclusivity(unchecked) var eventTimes = ChunkedArray<Int64>()
    @exclusivity(unchecked) var createdTimes = ChunkedArray<Int64>()
    /// One per field of the view, in view order; each holds one entry per row slot.
    let columns: [FieldColumn]
    /// The bool, float and double values of every row, row by row; nil when the view has
    /// no such field. Owned here for the columns, which reference it unretained.
    let rowBlock: RowBlock?
    /// Heap bytes owned by stored keys (string parts, composite keys' arrays).
    var keyHeapBytes = 0

    /// The most rows a table holds: slots are `UInt32`.
    static let maxRows = Int(UInt32.max)

    /// - Parameter expectedRows: reserved in the key index up front. The index grows by
    ///   doubling and rehashes under the table's lock when it does, so a node that knows
    ///   its entity count should say so.
    init(schema: TableSchema, expectedRows: Int = 0) {
        self.schema = schema
        self.index = [:]
        self.index.reserveCapacity(max(0, min(expectedRows, Self.maxRows)))
        let fields = schema.view.fields
        let (offsets, stride) = RowBlock.layout(of: fields)
        let block = stride > 0 ? RowBlock(stride: stride) : nil
        self.rowBlock = block
        self.columns = fields.indices.map { index in
            let record = block.flatMap { block in offsets[index].map { (block: block, offset: $0) } }
            return FieldColumn(field: fields[index], policy: schema.view.stalenessPolicy, record: record)
        }
    }

    convenience init(view: FeatureView, joinKeys: [JoinKey], expectedRows: Int = 0) {
        self.init(schema: TableSchema(view: view, joinKeys: joinKeys), expectedRows: expectedRows)
    }

    var view: FeatureView { schema.view }

    /// Entities with a row.
    var rowCount: Int { index.count }

    // MARK: - Writing

    /// Validates `batch` and applies it; on error nothing has changed.
    func write(_ batch: WriteBatch, nowMicros: Int64) throws(SkewlessError) -> WriteResult {
        try schema.validate(batch)
        return try applyValidated(batch, rows: 0..<batch.rowCount, nowMicros: nowMicros)
    }

    /// Applies rows `rows` of a batch that `schema.validate` accepted, in order. Throws only
    /// when the table would pass `maxRows`, before changing anything.
    func applyValidated(_ batch: WriteBatch, rows: Range<Int>, nowMicros: Int64) throws(SkewlessError) -> WriteResult {
        guard rows.count <= Self.maxRows - index.count else {
            throw SkewlessError(.resourceExhausted, "feature view '\(view.qualifiedName)' holds \(index.count) rows and \(rows.count) more could exceed its limit of \(Self.maxRows): split the view")
        }
        // Pass 1: claim slots and update row times; decide which rows apply.
        var writes: [RowWrite] = []
        writes.reserveCapacity(rows.count)
        var ignored = 0
        let measureKeys = schema.keysOwnHeap
        for row in rows {
            let key = batch.keys[row]
            let eventTime = batch.eventTimes[row]
            let createdTime = batch.createdTimes?[row] ?? nowMicros
            let candidate = index.count
            let slot = Int(Self.slot(in: &index[key, default: UInt32(truncatingIfNeeded: candidate)]))
            if slot == candidate {
                eventTimes.append(eventTime)
                createdTimes.append(createdTime)
                if measureKeys {
                    keyHeapBytes += Self.heapBytes(of: key)
                }
            } else {
                let stored = (eventTimes[slot], createdTimes[slot])
                if (eventTime, createdTime) < stored {
                    ignored += 1
                    continue
                }
                eventTimes[slot] = eventTime
                createdTimes[slot] = createdTime
            }
            writes.append(RowWrite(source: row, slot: slot))
        }
        // Pass 2: every field of the applied rows, in batch order; new slots are appended.
        let rowCount = index.count
        for (field, column) in columns.enumerated() {
            column.write(batch.fields[field], writes, rowCount: rowCount)
        }
        return WriteResult(rowsWritten: writes.count, rowsIgnoredOlder: ignored)
    }

    /// Reads the slot through `Dictionary`'s defaulting subscript, which inserts the
    /// default when the key is absent: one hash for both lookup and insert.
    private static func slot(in value: inout UInt32) -> UInt32 { value }

    static func heapBytes(of key: EntityKey) -> Int {
        let parts = key.parts
        var total = parts.count > 1 ? MemoryFootprint.arrayBytes(capacity: parts.count, stride: MemoryLayout<KeyPart>.stride) : 0
        for case .string(let text) in parts.lazy.map(\.storage) {
            total += MemoryFootprint.stringBytes(text)
        }
        return total
    }

    // MARK: - Reading

    /// Validates the request and reads; see `readValidated`.
    func read(fieldIndexes: [Int], keys: [EntityKey], nowMicros: Int64) throws(SkewlessError) -> [ReadColumn] {
        try schema.validateRead(fieldIndexes: fieldIndexes, keys: keys)
        return try readValidated(fieldIndexes: fieldIndexes, keys: keys, nowMicros: nowMicros)
    }

    /// One `ReadColumn` per entry of `fieldIndexes` (which `schema.validateRead` accepted),
    /// in that order, each with one element per key.
    ///
    /// - Throws: `failedPrecondition` when the view is `failClosed` and a requested row is
    ///   stale, naming the first such key, its age and the TTL.
    func readValidated(fieldIndexes: [Int], keys: [EntityKey], nowMicros: Int64) throws(SkewlessError) -> [ReadColumn] {
        let selected = try rows(for: keys, nowMicros: nowMicros)
        var result: [ReadColumn] = []
        result.reserveCapacity(fieldIndexes.count)
        for field in fieldIndexes {
            result.append(selected.column(field: field))
        }
        return result
    }

    /// The row of each key (keys of the right arity), with its freshness at `nowMicros`:
    /// what every field read of one request shares.
    ///
    /// - Throws: `failedPrecondition` when the view is `failClosed` and a requested row is
    ///   stale, naming the first such key, its age and the TTL.
    func rows(for keys: [EntityKey], nowMicros: Int64) throws(SkewlessError) -> ViewRows {
        let ttlSeconds = view.ttlSeconds
        var rows: [RowLookup] = []
        rows.reserveCapacity(keys.count)
        var rowEventTimes: [Int64] = []
        rowEventTimes.reserveCapacity(keys.count)
        var firstStale: Int?
        for (position, key) in keys.enumerated() {
            guard let slot = index[key].map(Int.init) else {
                rows.append(RowLookup(slot: -1, freshness: .missing))
                rowEventTimes.append(0)
                continue
            }
            let eventTime = eventTimes[slot]
            let freshness = RowFreshness(eventTime: eventTime, nowMicros: nowMicros, ttlSeconds: ttlSeconds)
            if freshness == .stale, firstStale == nil {
                firstStale = position
            }
            rows.append(RowLookup(slot: slot, freshness: freshness))
            rowEventTimes.append(eventTime)
        }
        if view.stalenessPolicy == .failClosed, let position = firstStale {
            throw staleError(key: keys[position], eventTime: rowEventTimes[position], nowMicros: nowMicros)
        }
        return ViewRows(table: self, rows: rows, eventTimes: rowEventTimes)
    }

    private func staleError(key: EntityKey, eventTime: Int64, nowMicros: Int64) -> SkewlessError {
        let age = RowFreshness.ageMicros(eventTime: eventTime, nowMicros: nowMicros)
        return SkewlessError(
            .failedPrecondition,
            "feature view '\(view.qualifiedName)' is fail_closed and the row of entity \(key) is stale: it is \(Self.seconds(age)) old (event time \(eventTime) µs), past the view's TTL of \(view.ttlSeconds)s; refresh the view by materializing or writing fresher rows")
    }

    /// Microseconds as seconds with up to six decimals: "90s", "90.5s".
    private static func seconds(_ micros: Int64) -> String {
        let whole = micros / 1_000_000
        let fraction = (micros % 1_000_000).magnitude
        guard fraction != 0 else { return "\(whole)s" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 6 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)s"
    }

    // MARK: - Memory

    /// Heap bytes of the table: the key index (estimated from its capacity, see
    /// `MemoryFootprint.dictionaryBytes`, plus keys' own heap storage), row times and every
    /// column (chunk capacities, null bitmaps, variable-width payloads).
    var memoryFootprint: Int {
        var total = MemoryFootprint.dictionaryBytes(
            capacity: index.capacity,
            keyStride: MemoryLayout<EntityKey>.stride,
            valueStride: MemoryLayout<UInt32>.stride)
        total += keyHeapBytes
        total += eventTimes.allocatedBytes + createdTimes.allocatedBytes
        total += MemoryFootprint.arrayBytes(capacity: columns.capacity, stride: MemoryLayout<FieldColumn>.stride)
        total += rowBlock?.allocatedBytes ?? 0
        for column in columns {
            total += column.allocatedBytes
        }
        return total
    }
}

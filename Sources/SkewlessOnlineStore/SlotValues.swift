/// One field's value per row slot: in a `ChunkedArray` of its own, or, for bool, float and
/// double fields, at an offset in the table's `RowBlock` (row by row, next to the row's
/// other such fields). `TypedColumn` reads and writes through it either way.
///
/// The block is referenced unretained (`Unmanaged`, used through `_withUnsafeGuaranteedRef`):
/// the table that owns the column owns the block for as long as the column lives, and reads
/// must not touch its reference count, which every event loop reading the table would share
/// (an `unowned(unsafe)` reference still retained it on each read and made 100 x 50 reads
/// twice as slow).
struct SlotValues<Element: ColumnElement> {
    private var own = ChunkedArray<Element>()
    private let block: Unmanaged<RowBlock>?
    private let offset: Int
    /// Slots written so far, when in a block (whose `rows` may be ahead: the table grows
    /// every field to the same count, one field at a time).
    private var sharedCount = 0

    /// Values in an array of their own.
    init() {
        block = nil
        offset = 0
    }

    /// Values at `offset` in every record of `block`; `Element` must be a fixed-width type.
    init(block: RowBlock, offset: Int) {
        precondition(_isPOD(Element.self) && offset + MemoryLayout<Element>.size <= block.stride, "only fixed-width values live in a row block")
        self.block = Unmanaged.passUnretained(block)
        self.offset = offset
    }

    var count: Int { block == nil ? own.count : sharedCount }

    /// The value at `index`, which must be below `count`. A write checks it in release
    /// builds too (a write through the block is a raw store into its records); a read, on
    /// the serving path, takes its slot from the table's own index.
    @inline(__always)
    subscript(index: Int) -> Element {
        get {
            guard let block else { return own[index] }
            return block._withUnsafeGuaranteedRef { $0.record(index) }.load(fromByteOffset: offset, as: Element.self)
        }
        set {
            guard let block else {
                own[index] = newValue
                return
            }
            precondition(index >= 0 && index < sharedCount, "slot \(index) written past the \(sharedCount) of a row block")
            block._withUnsafeGuaranteedRef { $0.record(index) }.storeBytes(of: newValue, toByteOffset: offset, as: Element.self)
        }
    }

    mutating func append(repeating element: Element, count n: Int) {
        guard let block else {
            own.append(repeating: element, count: n)
            return
        }
        let (start, offset) = (sharedCount, offset)
        block._withUnsafeGuaranteedRef { block in
            block.ensureRows(start + n)
            for index in start..<start + n {
                block.record(index).storeBytes(of: element, toByteOffset: offset, as: Element.self)
            }
        }
        sharedCount += n
    }

    mutating func append<C: Collection>(contentsOf elements: C) where C.Element == Element {
        guard let block else {
            own.append(contentsOf: elements)
            return
        }
        let (start, offset) = (sharedCount, offset)
        sharedCount = block._withUnsafeGuaranteedRef { block in
            block.ensureRows(start + elements.count)
            var index = start
            for element in elements {
                block.record(index).storeBytes(of: element, toByteOffset: offset, as: Element.self)
                index += 1
            }
            return index
        }
    }

    /// Bytes allocated for this field's own values (0 in a block, which the table counts).
    var allocatedBytes: Int { block == nil ? own.allocatedBytes : 0 }
}

import Testing
@testable import SkewlessOnlineStore

@Suite struct ChunkedArrayTests {
    @Test func appendsAndUpdatesAcrossChunks() {
        let size = ChunkedArray<Int>.chunkSize
        var array = ChunkedArray<Int>()
        #expect(array.isEmpty)
        for i in 0..<(2 * size + 5) {
            array.append(i)
        }
        #expect(array.count == 2 * size + 5)
        #expect(array.chunks.count == 3)
        #expect(array.chunks.dropLast().allSatisfy { $0.count == size })
        #expect(array[0] == 0 && array[size - 1] == size - 1 && array[size] == size && array[2 * size + 4] == 2 * size + 4)
        array[size] = -1
        #expect(array[size] == -1 && array[size - 1] == size - 1 && array[size + 1] == size + 1)
    }

    /// The point of chunks: over-allocation is bounded by one chunk, whatever the count.
    @Test(arguments: [1, 100, 4_097, 70_000, 100_000, 600_000])
    func overAllocationIsAtMostAboutOneChunk(count: Int) {
        var array = ChunkedArray<Float>()
        for i in 0..<count {
            array.append(Float(i))
        }
        let used = count * MemoryLayout<Float>.stride
        let slack = ChunkedArray<Float>.chunkSize * MemoryLayout<Float>.stride + 64 * array.chunks.count + 1_024
        #expect(array.allocatedBytes >= used)
        #expect(array.allocatedBytes <= used + slack)
    }

    @Test func appendRepeatingFillsChunksInOrder() {
        let size = ChunkedArray<Int8>.chunkSize
        var array = ChunkedArray<Int8>()
        array.append(1)
        array.append(repeating: 2, count: size + 10)
        array.append(repeating: 3, count: 0)
        array.append(3)
        #expect(array.count == size + 12)
        #expect(array.chunks.map(\.count) == [size, 12])
        #expect(array[0] == 1 && array[1] == 2 && array[size + 10] == 2 && array[size + 11] == 3)
        #expect(array.chunks.allSatisfy { $0.capacity <= size + 64 })
    }
}

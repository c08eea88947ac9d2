import Testing
@testable import SkewlessOnlineStore

@Suite struct NullBitmapTests {
    @Test func appendAndSetAcrossWordBoundaries() {
        var bitmap = NullBitmap()
        for row in 0..<200 {
            bitmap.append(row % 3 == 0)
        }
        #expect(bitmap.count == 200)
        #expect(bitmap.words.count == 4)
        #expect((0..<200).allSatisfy { bitmap[$0] == ($0 % 3 == 0) })
        #expect(bitmap.nullCount == 67)

        bitmap[63] = true
        bitmap[64] = true
        bitmap[0] = false
        #expect(bitmap[63] && bitmap[64] && !bitmap[0])
        #expect(bitmap[62] == false && bitmap[65] == false)
        bitmap[64] = false
        #expect(!bitmap[64])
        #expect(bitmap.nullCount == 66)
    }

    @Test func costsAboutOneBitPerRow() {
        var bitmap = NullBitmap()
        #expect(bitmap.allocatedBytes == 0)
        for _ in 0..<100_000 {
            bitmap.append(false)
        }
        #expect(bitmap.allocatedBytes <= 2 * 100_000 / 8 + 64)
    }

    @Test func appendRepeatingSetsWholeRunsAcrossWords() {
        var bitmap = NullBitmap()
        bitmap.append(false)
        bitmap.append(repeating: true, count: 130)
        bitmap.append(repeating: false, count: 70)
        bitmap.append(repeating: true, count: 0)
        #expect(bitmap.count == 201)
        #expect(!bitmap[0])
        #expect((1...130).allSatisfy { bitmap[$0] })
        #expect((131..<201).allSatisfy { !bitmap[$0] })
        #expect(bitmap.nullCount == 130)
        #expect(bitmap.words.count == 4)
    }

    @Test func theNullCountFollowsEverySetAndAppend() {
        var bitmap = NullBitmap()
        var state: UInt64 = 7
        for step in 0..<5_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let pick = Int(state >> 33)
            if bitmap.count == 0 || pick % 7 == 0 {
                bitmap.append(repeating: pick % 2 == 0, count: pick % 90)
            } else {
                // Setting a bit to what it already is must not change the count.
                bitmap[pick % bitmap.count] = (pick >> 3) % 2 == 0
            }
            if step % 250 == 0 || step == 4_999 {
                #expect(bitmap.nullCount == bitmap.words.reduce(0) { $0 + $1.nonzeroBitCount })
            }
        }
    }
}

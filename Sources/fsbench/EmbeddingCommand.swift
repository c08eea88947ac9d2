import ArgumentParser
import Foundation
import SkewlessCompression
import SkewlessBenchmark
import SkewlessModel

/// `fsbench embeddings`: what LZ4 does to dense, sparse (ReLU-like) and repetitive float32
/// embeddings: the size ratio the codec keeps, and the encode and decode cost per vector.
struct EmbeddingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embeddings",
        abstract: "Measure LZ4 ratio and cost of the embedding codec on dense, sparse and repetitive vectors.")

    @Option(help: "Vector dimension.")
    var dimension: Int = 768

    @Option(help: "Vectors per kind.")
    var vectors: Int = 2000

    @Option(help: "Share of exact zeros in the sparse vectors.")
    var sparsity: Double = 0.8

    func run() throws {
        guard dimension > 0, vectors > 0, (0...1).contains(sparsity) else {
            throw ValidationError("--dimension and --vectors must be positive, --sparsity in 0...1")
        }
        var rng = SplitMix64(seed: 7)
        let kinds: [(String, [[Float]])] = [
            ("dense (uniform -1...1)", (0..<vectors).map { _ in (0..<dimension).map { _ in Float.random(in: -1...1, using: &rng) } }),
            ("sparse (ReLU, \(Int(sparsity * 100))% zeros)", (0..<vectors).map { _ in
                (0..<dimension).map { _ in Double.random(in: 0..<1, using: &rng) < sparsity ? 0 : Float.random(in: 0...3, using: &rng) }
            }),
            ("repetitive (8 distinct values)", (0..<vectors).map { _ in
                let palette = (0..<8).map { _ in Float.random(in: -1...1, using: &rng) }
                return (0..<dimension).map { i in palette[(i / 16) % 8] }
            }),
        ]
        print("dimension \(dimension), \(vectors) vectors per kind, raw \(dimension * 4) bytes each")
        print("kind                               kept LZ4   bytes/vector   ratio   encode us   decode us")
        for (name, data) in kinds {
            let encodeStart = DispatchTime.now().uptimeNanoseconds
            let encoded = data.map(EmbeddingCodec.encode)
            let encodeNanos = DispatchTime.now().uptimeNanoseconds - encodeStart
            let decodeStart = DispatchTime.now().uptimeNanoseconds
            var checksum: Float = 0
            for e in encoded { checksum += (try EmbeddingCodec.decode(e)).first ?? 0 }
            let decodeNanos = DispatchTime.now().uptimeNanoseconds - decodeStart
            let compressed = encoded.filter(\.isCompressed).count
            let bytes = Double(encoded.reduce(0) { $0 + $1.bytes.count }) / Double(vectors)
            let ratio = bytes / Double(dimension * 4)
            let label = name.padding(toLength: 34, withPad: " ", startingAt: 0)
            print(label + String(format: " %5d%%   %12.0f   %5.2f   %9.2f   %9.2f",
                         compressed * 100 / vectors, bytes, ratio,
                         Double(encodeNanos) / 1000 / Double(vectors), Double(decodeNanos) / 1000 / Double(vectors)))
            if checksum.isNaN { print("(checksum \(checksum))") }
        }
    }
}

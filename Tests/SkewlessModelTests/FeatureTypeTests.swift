import Testing

@testable import SkewlessModel

@Suite struct FeatureTypeTests {
    static let all: [FeatureType] = [
        .bool, .int32, .int64, .float, .double, .string, .bytes, .timestamp,
        .embedding(dimension: 768), .int64List, .stringList,
    ]

    @Test func eachTypeParsesBackFromItsSpelling() {
        for type in Self.all {
            #expect(FeatureType(parsing: type.description) == type)
        }
        #expect(FeatureType.embedding(dimension: 768).description == "embedding[768]")
        #expect(FeatureType.int64List.description == "int64_list")
        #expect(FeatureType(parsing: "float64") == .double)
        #expect(FeatureType(parsing: "embedding[0]") == nil)
        #expect(FeatureType(parsing: "float16") == nil)
    }

    @Test func typesAreEqualOnlyToThemselvesAndHashSo() {
        #expect(Set(Self.all).count == Self.all.count)
        #expect(FeatureType.embedding(dimension: 3) == .embedding(dimension: 3))
        #expect(FeatureType.embedding(dimension: 3) != .embedding(dimension: 4))
        #expect(FeatureType.int64 != .timestamp)
        #expect(FeatureType.int64.storage == .int64)
    }

    @Test func onlyEmbeddingsHaveADimension() {
        #expect(FeatureType.embedding(dimension: 768).embeddingDimension == 768)
        #expect(FeatureType.embedding(dimension: 768).isEmbedding)
        for type in Self.all where type != .embedding(dimension: 768) {
            #expect(type.embeddingDimension == nil)
            #expect(!type.isEmbedding)
        }
    }
}

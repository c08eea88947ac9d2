import SkewlessModel
import Testing

@testable import SkewlessMonitoring

/// The rule that names why a served value differs from the offline store point in time.
@Suite struct ServedAuditClassificationTests {
    static let t: Int64 = 1_000_000

    static func present(_ value: Int64, at time: Int64) -> AuditCell { AuditCell(status: .present, value: .int64(value), eventTime: time) }
    static let notFound = AuditCell(status: .notFound, value: nil, eventTime: nil)

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var served: AuditCell
        var known: AuditCell
        var pointInTime: AuditCell
        var otherVersion = false
        var cause: AuditCause?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "the same row and value", served: present(5, at: t), known: present(5, at: t), pointInTime: present(5, at: t), cause: nil),
        Case(
            name: "a stale row served flagged is OUTSIDE_TTL in training sets too",
            served: AuditCell(status: .outsideTTL, value: .int64(5), eventTime: t), known: AuditCell(status: .outsideTTL, value: nil, eventTime: t),
            pointInTime: AuditCell(status: .outsideTTL, value: nil, eventTime: t), cause: nil),
        Case(name: "no row anywhere", served: notFound, known: notFound, pointInTime: notFound, cause: nil),
        Case(name: "served as known, then a late row", served: present(5, at: t), known: present(5, at: t), pointInTime: present(6, at: t + 1), cause: .lateData),
        Case(name: "a late first row", served: notFound, known: notFound, pointInTime: present(6, at: t), cause: .lateData),
        Case(name: "the store knew a newer row", served: present(5, at: t), known: present(6, at: t + 1), pointInTime: present(6, at: t + 1), cause: .materializationLag),
        Case(
            name: "the store knew a row the node did not have (default served)",
            served: AuditCell(status: .defaulted, value: .int64(0), eventTime: nil), known: present(6, at: t), pointInTime: present(6, at: t),
            cause: .materializationLag),
        Case(
            name: "a row the store says arrived after the serve time", served: present(6, at: t + 1), known: present(5, at: t),
            pointInTime: present(6, at: t + 1), cause: .lateData),
        Case(name: "a row nobody has", served: present(7, at: t + 2), known: present(5, at: t), pointInTime: present(5, at: t), cause: .unexplained),
        Case(
            name: "serve_default on a stale row", served: AuditCell(status: .defaulted, value: .int64(0), eventTime: t),
            known: AuditCell(status: .outsideTTL, value: nil, eventTime: t), pointInTime: AuditCell(status: .outsideTTL, value: nil, eventTime: t),
            cause: .ttlOrPolicy),
        Case(
            name: "fresh for the node, stale for this repo's TTL", served: present(5, at: t),
            known: AuditCell(status: .outsideTTL, value: nil, eventTime: t), pointInTime: AuditCell(status: .outsideTTL, value: nil, eventTime: t),
            cause: .ttlOrPolicy),
        Case(
            name: "a default for a missing row", served: AuditCell(status: .defaulted, value: .int64(0), eventTime: nil), known: notFound,
            pointInTime: notFound, cause: .defaultApplied),
        Case(
            name: "a default for a null field", served: AuditCell(status: .defaulted, value: .int64(0), eventTime: t),
            known: AuditCell(status: .nullValue, value: nil, eventTime: t), pointInTime: AuditCell(status: .nullValue, value: nil, eventTime: t),
            cause: .defaultApplied),
        Case(name: "the same row, another value", served: present(5, at: t), known: present(6, at: t), pointInTime: present(6, at: t), cause: .unexplained),
        Case(name: "another version, another value", served: present(5, at: t), known: present(6, at: t), pointInTime: present(6, at: t), otherVersion: true, cause: .otherVersion),
        Case(name: "another version, the same value", served: present(5, at: t), known: present(5, at: t), pointInTime: present(5, at: t), otherVersion: true, cause: nil),
    ]

    @Test(arguments: cases)
    func causeOf(_ example: Case) {
        #expect(ServedAudit.classify(served: example.served, known: example.known, pointInTime: example.pointInTime, otherVersion: example.otherVersion) == example.cause)
    }

    @Test func floatsMatchByBitPattern() {
        let nan = AuditCell(status: .present, value: .float(.nan), eventTime: 1)
        #expect(nan.matches(nan))
        #expect(!AuditCell(status: .present, value: .double(0), eventTime: 1).matches(AuditCell(status: .present, value: .double(-0.0), eventTime: 1)))
    }
}

import SkewlessModel

/// Holds views to their serving objectives (`fsctl check`): freshness (the newest event time
/// the nodes hold may be at most `max_staleness` old, or the view's TTL when it declares no
/// objective) and completeness (the share of lookups that found a fresh stored value may not
/// fall below `min_completeness`). No I/O: the caller gathers the nodes' observations.
package struct ObjectiveCheck: Sendable {
    /// Which views to hold to what.
    package enum Selection: Sendable, Hashable {
        /// Views that declare `max_staleness` or `min_completeness`.
        case declared
        /// Every view of the repo: those without `max_staleness` are held to their TTL.
        case all
        /// These views ("name" for every version, or "name@version"), held to their TTL where
        /// they declare no `max_staleness`.
        case named([String])
    }

    package enum Objective: String, Sendable, Hashable, Codable {
        case maxStaleness = "max_staleness"
        case minCompleteness = "min_completeness"
    }

    package enum Outcome: String, Sendable, Hashable, Codable {
        case met
        case violated
        /// Not enough lookups to judge completeness: neither met nor violated.
        case notEnoughData = "not_enough_data"
    }

    /// One objective of one view, judged.
    package struct Result: Sendable, Hashable, Codable {
        package var featureView: String
        package var objective: Objective
        /// Seconds for staleness, a share 0...1 for completeness.
        package var target: Double
        /// Where the target comes from: "objectives" (declared) or "ttl".
        package var targetSource: String
        /// Seconds of staleness or the completeness observed; nil when there was nothing to
        /// observe (no rows, no lookups).
        package var observed: Double?
        package var outcome: Outcome
        /// What was seen, and for a violation what to look at, in words.
        package var detail: String
    }

    package var views: [FeatureView]
    /// Completeness is judged only over at least this many lookups (fewer: not enough data).
    package var minimumReads: UInt64

    /// - Throws: `notFound` when a named view is not in the repo.
    package init(repo: FeatureRepo, selection: Selection, minimumReads: UInt64) throws(SkewlessError) {
        self.minimumReads = minimumReads
        switch selection {
        case .declared:
            views = repo.featureViews.filter { $0.objectives.maxStalenessSeconds != nil || $0.objectives.minCompleteness != nil }
        case .all:
            views = repo.featureViews
        case .named(let names):
            var chosen: [FeatureView] = []
            for name in names {
                let matching = repo.featureViews.filter { $0.name == name || $0.qualifiedName == name }
                guard !matching.isEmpty else {
                    let known = repo.featureViews.map(\.qualifiedName).joined(separator: ", ")
                    throw SkewlessError(.notFound, "no feature view '\(name)' in the repo (it has \(known))")
                }
                chosen += matching.filter { view in !chosen.contains { $0.qualifiedName == view.qualifiedName } }
            }
            views = chosen
        }
    }

    /// Judges every selected view against what the nodes observed at `nowMicros`.
    package func evaluate(_ observations: [String: ServingObservation], nowMicros: Int64) -> [Result] {
        var results: [Result] = []
        for view in views {
            let observation = observations[view.qualifiedName] ?? ServingObservation(featureView: view.qualifiedName)
            results.append(staleness(of: view, observation, nowMicros: nowMicros))
            if let minimum = view.objectives.minCompleteness {
                results.append(completeness(of: view, observation, minimum: minimum))
            }
        }
        return results
    }

    private func staleness(of view: FeatureView, _ observation: ServingObservation, nowMicros: Int64) -> Result {
        let declared = view.objectives.maxStalenessSeconds
        let target = declared ?? view.ttlSeconds
        var result = Result(
            featureView: view.qualifiedName, objective: .maxStaleness, target: Double(target),
            targetSource: declared == nil ? "ttl" : "objectives", observed: nil, outcome: .violated, detail: "")
        guard let newest = observation.newestEventTime else {
            result.detail = "no node holds a row of the view: it was never materialized or written (fsctl materialize, or check the ingest job)"
            return result
        }
        let age = Double(nowMicros - newest) / 1_000_000
        result.observed = age
        if age <= Double(target) {
            result.outcome = .met
            result.detail = "newest event \(Self.duration(age)) old, within \(Self.duration(Double(target)))"
        } else {
            result.detail = "newest event \(Self.duration(age)) old, over \(Self.duration(Double(target))): the job that feeds the view may have stopped (fsctl health shows each node's newest rows)"
        }
        return result
    }

    private func completeness(of view: FeatureView, _ observation: ServingObservation, minimum: Double) -> Result {
        let reads = observation.reads
        var result = Result(
            featureView: view.qualifiedName, objective: .minCompleteness, target: minimum, targetSource: "objectives",
            observed: reads.completeness, outcome: .notEnoughData, detail: "")
        let breakdown = "present \(reads.present), not found \(reads.notFound), null \(reads.null), outside TTL \(reads.outsideTTL), defaulted \(reads.defaulted)"
        guard reads.total >= max(minimumReads, 1), let share = reads.completeness else {
            result.detail = "\(reads.total) lookups, fewer than the \(max(minimumReads, 1)) needed to judge (--min-reads)"
            return result
        }
        let percent = "\(Self.percent(share)) of \(reads.total) lookups found a fresh value (\(breakdown))"
        if share >= minimum {
            result.outcome = .met
            result.detail = percent
        } else {
            result.outcome = .violated
            result.detail = "\(percent), below \(Self.percent(minimum)): look at the largest of those counts"
        }
        return result
    }

    /// "93.2%".
    static func percent(_ share: Double) -> String {
        let tenths = (share * 1_000).rounded()
        return "\(Int(tenths) / 10).\(Int(tenths) % 10)%"
    }

    /// "42s", "17m", "3.5h", "2.1d".
    package static func duration(_ seconds: Double) -> String {
        func oneDecimal(_ value: Double) -> String {
            let tenths = Int((value * 10).rounded())
            return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
        }
        if seconds < 0 { return "-" + duration(-seconds) }
        if seconds < 120 { return "\(Int(seconds.rounded()))s" }
        if seconds < 7_200 { return "\(Int((seconds / 60).rounded()))m" }
        if seconds < 172_800 { return "\(oneDecimal(seconds / 3_600))h" }
        return "\(oneDecimal(seconds / 86_400))d"
    }
}

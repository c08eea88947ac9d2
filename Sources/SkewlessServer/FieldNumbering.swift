import SkewlessModel

/// Numbers every (view version, field) pair of a repo, 0 ..< `count`, in repo order, for
/// `FieldSet`s; and every view version, 0 ..< `viewCount`.
struct FieldNumbering: Sendable {
    let repo: FeatureRepo
    /// View version index -> the number of its first field.
    private let offsets: [Int]
    private let viewIndexes: [String: Int]
    let count: Int

    init(repo: FeatureRepo) {
        self.repo = repo
        var offsets: [Int] = []
        var indexes: [String: Int] = [:]
        var next = 0
        for (index, view) in repo.featureViews.enumerated() {
            offsets.append(next)
            indexes[view.qualifiedName] = index
            next += view.fields.count
        }
        self.offsets = offsets
        self.viewIndexes = indexes
        self.count = next
    }

    var viewCount: Int { offsets.count }

    /// The index of a view version in `repo.featureViews`.
    func index(of view: FeatureView) -> Int? {
        viewIndexes[view.qualifiedName]
    }

    func number(of view: FeatureView, field: Int) -> Int? {
        index(of: view).map { offsets[$0] + field }
    }

    /// The (view, field) a number stands for.
    func feature(_ number: Int) -> (view: FeatureView, field: Field) {
        var low = 0, high = offsets.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if offsets[middle] <= number { low = middle } else { high = middle - 1 }
        }
        let view = repo.featureViews[low]
        return (view, view.fields[number - offsets[low]])
    }

    /// The set of `features`.
    func set(of features: [ResolvedFeature]) -> FieldSet {
        var set = FieldSet(capacity: count)
        for feature in features {
            if let number = number(of: feature.view, field: feature.fieldIndex) { set.insert(number) }
        }
        return set
    }
}

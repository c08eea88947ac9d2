import ArgumentParser

/// How `fsctl get` prints features.
enum OutputFormat: String, CaseIterable, ExpressibleByArgument {
    /// `table` when it fits the terminal's width, else `list`.
    case auto
    /// One line per entity, one column per feature.
    case table
    /// One block per entity, one line per feature, with the age of its event time.
    case list
    case json
}

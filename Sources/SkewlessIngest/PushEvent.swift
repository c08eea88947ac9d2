/// What a push reports while it runs, for a person watching (standard error in fsctl).
package enum PushEvent: Sendable {
    /// A row left out, with every problem of it: `events.jsonl: line 7, column 'x': ...`.
    case badRow([String])
    /// An attempt failed and the batch will be sent again, with the same key.
    case retrying(String)
    /// Totals now (every `PushOptions.progressInterval`).
    case progress(PushTotals)
}

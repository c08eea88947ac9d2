import SkewlessModel

/// Reads the served-feature logs of every node in the offline store (docs/served-log.md,
/// "Reading"): the records of a range of serve times, of one service or all, ordered by
/// serve time.
///
/// A file is read up to its first incomplete or corrupt record (a record being written
/// now, or one torn by a crash or a failed write): that record and the bytes after it are
/// skipped, with a warning naming the file, the offset and why, and every record before it
/// is returned. The next file is read as usual.
package struct ServedLogReader: Sendable {
    /// Which records to read; nil: no bound.
    package struct Selection: Sendable, Hashable {
        /// Serve times in [from, to), microseconds since the epoch.
        package var from: Int64?
        package var to: Int64?
        package var service: String?
        package var node: String?

        package init(from: Int64? = nil, to: Int64? = nil, service: String? = nil, node: String? = nil) {
            self.from = from
            self.to = to
            self.service = service
            self.node = node
        }

        func contains(_ record: ServedLogRecord) -> Bool {
            (from.map { record.servedTime >= $0 } ?? true) && (to.map { record.servedTime < $0 } ?? true)
                && (service.map { record.service == $0 } ?? true)
        }
    }

    /// What one read found.
    package struct Result: Sendable {
        /// By (serve time, node, sequence number).
        package var records: [ServedLogRecord] = []
        /// One sentence per skipped stretch of bytes or unreadable file.
        package var warnings: [String] = []
        package var filesRead = 0
        /// The nodes whose logs were read.
        package var nodes: [String] = []
    }

    private let layout: StoreLayout

    package init(store: OfflineStore) {
        self.layout = store.layout
    }

    /// The records `selection` picks, from every node's log (or one node's).
    /// - Throws: only when the log directory cannot be listed; unreadable files are warnings.
    package func read(_ selection: Selection = Selection()) throws(SkewlessError) -> Result {
        var result = Result()
        let root = layout.servedLogDirectory
        guard DiskFile.exists(root) else { return result }
        let nodes = try DiskFile.list(root).sorted().filter { name in selection.node.map { $0 == name } ?? true }
        for node in nodes {
            let directory = layout.nodeServedLogDirectory(node: node)
            guard let names = try? DiskFile.list(directory) else { continue }
            result.nodes.append(node)
            let numbers = names.compactMap(StoreLayout.servedLogFileNumber(fileName:)).sorted()
            for number in numbers {
                let path = layout.servedLogFile(number, in: directory)
                readFile(path, selection: selection, into: &result)
            }
        }
        result.records.sort { ($0.servedTime, $0.node, $0.sequence) < ($1.servedTime, $1.node, $1.sequence) }
        return result
    }

    private func readFile(_ path: String, selection: Selection, into result: inout Result) {
        let bytes: [UInt8]
        do throws(SkewlessError) {
            // Retention may delete a file meanwhile: then it holds nothing for us.
            guard let contents = try DiskFile.contents(path) else { return }
            bytes = contents
        } catch {
            result.warnings.append("could not read \(path): \(error.message)")
            return
        }
        if let reason = ServedLogFile.checkHeader(bytes) {
            // A file cut short while it was being created holds nothing yet.
            if bytes.count > ServedLogFile.headerSize || !reason.contains("incomplete") {
                result.warnings.append("skipped \(path): \(reason)")
            }
            return
        }
        result.filesRead += 1
        var offset = ServedLogFile.headerSize
        while offset < bytes.count {
            switch ServedLogRecord.read(bytes, at: offset, file: path) {
            case .record(let record, let end):
                if selection.contains(record) { result.records.append(record) }
                offset = end
            case .incomplete:
                result.warnings.append(
                    "skipped \(bytes.count - offset) bytes at offset \(offset) of \(path): an incomplete record (being written now, or torn by a crash); the records before it are read")
                return
            case .corrupt(let reason):
                result.warnings.append(
                    "skipped \(bytes.count - offset) bytes at offset \(offset) of \(path): \(reason) (a torn write or corruption); the records before it are read")
                return
            }
        }
    }
}

/// The moments of a store change at which tests simulate a crash (`OfflineStore.Options`'
/// `crashHook` throws there, and the change stops without any cleanup, as a kill would).
package enum CrashPoint: Sendable, Hashable, CaseIterable {
    /// Ingest: new segments written and synced; the manifest is unchanged.
    case ingestSegmentsWritten
    /// Ingest: the new manifest is written to MANIFEST.tmp and synced, not yet renamed.
    case ingestManifestWritten
    /// Compaction: merged segments written and synced; the manifest is unchanged.
    case compactionSegmentsWritten
    /// Compaction: the new manifest is in MANIFEST.tmp, not yet renamed.
    case compactionManifestWritten
    /// Compaction: the new manifest is live; no replaced segment is deleted yet.
    case compactionManifestSwapped
    /// Compaction: the first replaced segment is deleted, the others not yet.
    case compactionFirstOldSegmentDeleted
    /// Sealing: the segment of the log's records is written and synced; the manifest is unchanged.
    case sealSegmentWritten
    /// Sealing: the new manifest is in MANIFEST.tmp, not yet renamed.
    case sealManifestWritten
    /// Sealing: the new manifest (segment, log positions) is live; no log file is deleted yet.
    case sealManifestSwapped
    /// Sealing: the first fully sealed log file is deleted, the others not yet.
    case sealFirstLogFileDeleted
}

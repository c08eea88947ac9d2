import SkewlessWire

extension ViewWatermark {
    init(_ wire: Skewless_V1_ViewWatermark) {
        self.init(
            featureView: wire.featureView, watermarkMicros: wire.watermarkMicros,
            rowsScanned: wire.rowsScanned, entitiesWritten: wire.entitiesWritten)
    }
}

extension MaterializationProgress {
    init(_ wire: Skewless_V1_MaterializationProgress) {
        self.init(
            featureView: wire.featureView, viewsDone: Int(wire.viewsDone), viewsTotal: Int(wire.viewsTotal),
            entitiesWritten: wire.entitiesWritten)
    }
}

extension ViewFreshness {
    init(_ wire: Skewless_V1_ViewFreshness) {
        self.init(
            featureView: wire.featureView,
            newestEventTime: wire.newestEventTimeMicros == 0 ? nil : wire.newestEventTimeMicros,
            newestArrival: wire.newestArrivalMicros == 0 ? nil : wire.newestArrivalMicros,
            logUnsealedRecords: wire.logUnsealedRecords, logUnsealedBytes: wire.logUnsealedBytes,
            logOldestUnsealed: wire.logOldestUnsealedMicros == 0 ? nil : wire.logOldestUnsealedMicros,
            rowsLogged: wire.rowsLogged,
            reads: ViewReads(
                present: wire.readsPresent, notFound: wire.readsNotFound, nullValue: wire.readsNull,
                outsideTTL: wire.readsOutsideTtl, defaulted: wire.readsDefaulted))
    }
}

extension AntiEntropyStatus {
    init(_ wire: Skewless_V1_AntiEntropyStatus) {
        self.init(
            enabled: wire.enabled, partitionsCompared: wire.partitionsCompared, partitionsDiffering: wire.partitionsDiffering,
            partitionsUnverifiable: wire.partitionsUnverifiable, rowsRepaired: wire.rowsRepaired, passes: wire.passes,
            lastFullPass: wire.lastFullPassMicros == 0 ? nil : wire.lastFullPassMicros)
    }
}

extension ServedLogStatus {
    init(_ wire: Skewless_V1_ServedLogStatus) {
        self.init(
            enabled: wire.enabled, recordsLogged: wire.recordsLogged, rowsLogged: wire.rowsLogged, bytesWritten: wire.bytesWritten,
            droppedQueueFull: wire.droppedQueueFull, droppedWriteFailed: wire.droppedWriteFailed, queuedRecords: wire.queuedRecords,
            queuedBytes: wire.queuedBytes, bytesOnDisk: wire.bytesOnDisk, filesDeleted: wire.filesDeleted)
    }
}

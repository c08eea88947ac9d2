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

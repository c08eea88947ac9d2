import SkewlessWire

extension Skewless_V1_ViewWatermark {
    init(_ watermark: Materializer.Watermark) {
        self.init()
        featureView = watermark.featureView
        watermarkMicros = watermark.watermarkMicros
        rowsScanned = UInt64(clamping: watermark.rowsScanned)
        entitiesWritten = UInt64(clamping: watermark.entitiesWritten)
    }
}

import NIOCore

/// Writes a client's request frames by hand: the `RequestFrame` envelope around a payload,
/// and the `GetOnlineFeaturesRequest` payload, byte for byte what swift-protobuf writes for
/// the same messages (fields in number order, defaults omitted, int64 arrays packed; the
/// tests check it), without its generic, unspecialized encoder on the hot path.
package enum RequestEncoding {
    /// Appends one whole request frame: the 4-byte length prefix and a `RequestFrame`.
    package static func writeFrame(requestID: UInt64, method: Int, timeoutMicros: UInt64, payload: [UInt8], into buffer: inout ByteBuffer) {
        let methodNumber = UInt64(bitPattern: Int64(method))
        var frame = ProtobufSize.varintFieldSize(requestID) + ProtobufSize.varintFieldSize(methodNumber) + ProtobufSize.varintFieldSize(timeoutMicros)
        if !payload.isEmpty { frame += ProtobufSize.fieldSize(length: payload.count) }
        let total = ProtocolVersion.lengthPrefixBytes + frame
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { region in
            typealias Field = ProtobufField.RequestFrame
            var out = ProtobufCursor(region)
            out.bigEndianUInt32(UInt32(frame))
            out.varintField(Field.requestID, requestID)
            out.varintField(Field.method, methodNumber)
            out.varintField(Field.timeoutMicros, timeoutMicros)
            if !payload.isEmpty {
                out.lengthDelimited(Field.payload, length: payload.count)
                out.bytes(payload)
            }
            out.finish(expecting: total, "a request frame")
            return out.offset
        }
    }

    /// The bytes of a `GetOnlineFeaturesRequest`.
    package static func encode(_ request: Skewless_V1_GetOnlineFeaturesRequest) -> [UInt8] {
        var size = 0
        var listSize = 0
        switch request.selector {
        case .featureService(let name):
            size += ProtobufSize.fieldSize(length: name.utf8.count)
        case .features(let list):
            for feature in list.features { listSize += ProtobufSize.fieldSize(length: feature.utf8.count) }
            size += ProtobufSize.fieldSize(length: listSize)
        case nil:
            break
        }
        let requestIDBytes = request.requestID.utf8.count
        if requestIDBytes > 0 { size += ProtobufSize.fieldSize(length: requestIDBytes) }
        let servedServiceBytes = request.servedService.utf8.count
        if servedServiceBytes > 0 { size += ProtobufSize.fieldSize(length: servedServiceBytes) }
        var columnSizes: [(column: Int, int64s: Int)] = []
        columnSizes.reserveCapacity(request.entities.count)
        for column in request.entities {
            var int64s = 0
            for value in column.int64Values { int64s += ProtobufSize.varintSize(value) }
            var columnSize = 0
            let nameBytes = column.joinKey.utf8.count
            if nameBytes > 0 { columnSize += ProtobufSize.fieldSize(length: nameBytes) }
            if int64s > 0 { columnSize += ProtobufSize.fieldSize(length: int64s) }
            for value in column.stringValues { columnSize += ProtobufSize.fieldSize(length: value.utf8.count) }
            columnSizes.append((columnSize, int64s))
            size += ProtobufSize.fieldSize(length: columnSize)
        }
        return [UInt8](unsafeUninitializedCapacity: size) { bytes, initialized in
            typealias Field = ProtobufField.GetOnlineFeaturesRequest
            typealias KeyField = ProtobufField.EntityKeyColumn
            var out = ProtobufCursor(UnsafeMutableRawBufferPointer(bytes))
            switch request.selector {
            case .featureService(let name):
                out.lengthDelimited(Field.featureService, length: name.utf8.count)
                out.string(name)
            case .features(let list):
                out.lengthDelimited(Field.features, length: listSize)
                for feature in list.features {
                    out.lengthDelimited(ProtobufField.FeatureList.features, length: feature.utf8.count)
                    out.string(feature)
                }
            case nil:
                break
            }
            for (column, sizes) in zip(request.entities, columnSizes) {
                out.lengthDelimited(Field.entities, length: sizes.column)
                let nameBytes = column.joinKey.utf8.count
                if nameBytes > 0 {
                    out.lengthDelimited(KeyField.joinKey, length: nameBytes)
                    out.string(column.joinKey)
                }
                if sizes.int64s > 0 {
                    out.lengthDelimited(KeyField.int64Values, length: sizes.int64s)
                    out.varints(column.int64Values)
                }
                for value in column.stringValues {
                    out.lengthDelimited(KeyField.stringValues, length: value.utf8.count)
                    out.string(value)
                }
            }
            if requestIDBytes > 0 {
                out.lengthDelimited(Field.requestID, length: requestIDBytes)
                out.string(request.requestID)
            }
            if servedServiceBytes > 0 {
                out.lengthDelimited(Field.servedService, length: servedServiceBytes)
                out.string(request.servedService)
            }
            out.finish(expecting: size, "a GetOnlineFeaturesRequest")
            initialized = out.offset
        }
    }
}

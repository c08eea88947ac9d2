extension FeatureValue {
    // The typed getters: each answers the value when it is of that type, nil when it is of
    // another. They are how code outside the package branches on a value (it cannot bind a
    // payload with `case .int64(let n)`, and a `switch` needs a `default`, so that a type
    // added later breaks nobody). The SDK adds `dateValue` (a timestamp as a `Date`).

    /// The value of a `bool`; nil for any other type.
    public var boolValue: Bool? {
        if case .bool(let value) = storage { return value }
        return nil
    }

    /// The value of an `int32`; nil for any other type (an `int64` included: no narrowing).
    public var int32Value: Int32? {
        if case .int32(let value) = storage { return value }
        return nil
    }

    /// The value of an `int64`; nil for any other type (an `int32` or a timestamp included).
    public var int64Value: Int64? {
        if case .int64(let value) = storage { return value }
        return nil
    }

    /// The value of a `float`; nil for any other type.
    public var floatValue: Float? {
        if case .float(let value) = storage { return value }
        return nil
    }

    /// The value of a `double`; nil for any other type (a `float` included; see `numberValue`).
    public var doubleValue: Double? {
        if case .double(let value) = storage { return value }
        return nil
    }

    /// A `float` or a `double` as a `Double` (a model's input vector, say); nil for any
    /// other type.
    public var numberValue: Double? {
        switch storage {
        case .float(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The value of a `string`; nil for any other type.
    public var stringValue: String? {
        if case .string(let value) = storage { return value }
        return nil
    }

    /// The value of a `bytes`; nil for any other type.
    public var bytesValue: [UInt8]? {
        if case .bytes(let value) = storage { return value }
        return nil
    }

    /// A `timestamp` as microseconds since the Unix epoch, UTC; nil for any other type.
    public var timestampMicros: Int64? {
        if case .timestamp(let value) = storage { return value }
        return nil
    }

    /// The vector of an embedding (of any dimension: `type` has it); nil for any other type.
    public var embeddingValue: [Float]? {
        if case .embedding(let value) = storage { return value }
        return nil
    }

    /// The value of an `int64_list`; nil for any other type.
    public var int64ListValue: [Int64]? {
        if case .int64List(let value) = storage { return value }
        return nil
    }

    /// The value of a `string_list`; nil for any other type.
    public var stringListValue: [String]? {
        if case .stringList(let value) = storage { return value }
        return nil
    }
}

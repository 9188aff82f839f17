// MARK: - Stable JSON keys for optional fields
//
// Synthesized Encodable leaves a nil optional's key out; report consumers (scripts, the documented key lists in
// the tests) want every key every time, with null when there is no value. Marking the optional properties with
// this wrapper keeps the synthesized Codable instead of a hand-written encode(to:) per report type.

/// An optional property encoded as `null` when nil (and decoded from a missing key or `null` as nil).
@propertyWrapper
public struct NullWhenNil<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// A missing key decodes as nil, as it would for a plain optional.
    public func decode<V>(_ type: NullWhenNil<V>.Type, forKey key: Key) throws -> NullWhenNil<V> {
        try decodeIfPresent(type, forKey: key) ?? NullWhenNil(wrappedValue: nil)
    }
}

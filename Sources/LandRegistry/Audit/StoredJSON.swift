import Foundation
import GRDB
import LandGeoJSON
import LandGeometry

// MARK: - JSON text as the store keeps it
//
// The `details` of events (and `imports.options`, `spots.zone_codes`) are compact JSON with object keys sorted,
// strings escaped by the project's one escaper (JSONValue, LandGeometry) and numbers as Swift prints them
// (`String(describing:)`: 0.0 is "0.0", 622.7258849497885 stays so), non-finite numbers as null. Stores made
// before events had types hold exactly this text, `spots history` prints it as it is, and tests compare it.
// Written by hand because JSONEncoder cannot give that text: it prints 0.0 as "0" and 8000.0 as "8000", so the
// same event would read differently in an old and a new store. Decoding needs no such care: JSONDecoder reads it.
//
// Keys are the properties' names in snake_case, as the CLI's JSON has them (`areaM2` → `area_m2`, `importID` →
// `import_id`): written with JSONEncoder's own `.convertToSnakeCase`, read back with the store's column-to-property
// conversion (`DatabaseColumnDecodingStrategy.propertyName(ofColumn:)`, which knows `ID`, `CRS`, `SHA256`), so the
// details types need no CodingKeys. The keys of a `[String: …]` dictionary are data and kept as they are, as
// JSONEncoder and JSONDecoder keep them.

/// Compact JSON text of `value` in the store's form (see above).
enum StoredJSON {
    static func text<T: Encodable>(_ value: T) -> String {
        let root = Node()
        // Our details types only hold strings, numbers, booleans, arrays and objects: encoding cannot fail.
        try! encode(value, into: root, codingPath: [])
        var out: [UInt8] = []
        out.reserveCapacity(128)
        root.append(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A decoder for stored text: snake_case keys to the properties' names.
    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in
            StoreColumnKey(
                stringValue: DatabaseColumnDecodingStrategy.cachedPropertyName(ofColumn: path.last!.stringValue))
        }
        return decoder
    }

    /// `key` as JSONEncoder's `.convertToSnakeCase` writes it, asked of JSONEncoder itself (once per key name), so
    /// that a stored key and the same property's key in the CLI's JSON cannot differ.
    static func snakeCase(_ key: String) -> String { snakeCaseKeys.cached(key) }

    private static let snakeCaseKeys = SnakeCaseCache()

    fileprivate static func encode<T: Encodable>(_ value: T, into node: Node, codingPath: [CodingKey]) throws {
        if let dictionary = value as? any VerbatimKeys {
            try dictionary.encodeEntries(into: node, codingPath: codingPath)
        } else {
            try value.encode(to: NodeEncoder(node: node, codingPath: codingPath))
        }
    }
}

// `keys` is only touched under `lock`.
private final class SnakeCaseCache: @unchecked Sendable {
    private let lock = NSLock()
    private var keys: [String: String] = [:]

    /// One key, encoded as JSONEncoder encodes a property of that name.
    private struct Probe: Encodable {
        let key: String
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: StoreColumnKey.self)
            try c.encodeNil(forKey: StoreColumnKey(stringValue: key))
        }
    }

    func cached(_ key: String) -> String {
        lock.withLock {
            if let snake = keys[key] { return snake }
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            // An object with one null member: encoding and reading it back cannot fail.
            let object = try! JSONDecoder().decode([String: String?].self, from: try! encoder.encode(Probe(key: key)))
            let snake = object.keys.first!
            keys[key] = snake
            return snake
        }
    }
}

/// A `[String: …]` dictionary: its keys are written as they are.
private protocol VerbatimKeys {
    func encodeEntries(into node: Node, codingPath: [CodingKey]) throws
}

extension Dictionary: VerbatimKeys where Key == String, Value: Encodable {
    fileprivate func encodeEntries(into node: Node, codingPath: [CodingKey]) throws {
        _ = node.object()
        for (key, value) in self {
            try StoredJSON.encode(
                value, into: node.member(key), codingPath: codingPath + [StoreColumnKey(stringValue: key)])
        }
    }
}

/// One JSON value being built: a scalar's text, an array or an object (keys sorted when written).
private final class Node {
    var scalar: String?
    var elements: [Node]?
    var members: [String: Node]?

    func object() -> Node {
        if members == nil { members = [:] }
        return self
    }

    func member(_ key: String) -> Node {
        let child = Node()
        if members == nil { members = [:] }
        members![key] = child
        return child
    }

    func element() -> Node {
        let child = Node()
        if elements == nil { elements = [] }
        elements!.append(child)
        return child
    }

    func append(to out: inout [UInt8]) {
        if let members {
            out.append(UInt8(ascii: "{"))
            for (i, key) in members.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: JSONValue.string(key).serialized.utf8)
                out.append(UInt8(ascii: ":"))
                members[key]!.append(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        } else if let elements {
            out.append(UInt8(ascii: "["))
            for (i, e) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                e.append(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        } else {
            out.append(contentsOf: (scalar ?? "null").utf8)
        }
    }

    static func text(_ s: String) -> String { JSONValue.string(s).serialized }
    static func text(_ d: Double) -> String { d.isFinite ? String(d) : "null" }
}

private struct NodeEncoder: Encoder {
    let node: Node
    var codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(Keyed(node: node.object(), codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        if node.elements == nil { node.elements = [] }
        return Unkeyed(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer { Single(node: node, codingPath: codingPath) }
}

private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    var codingPath: [CodingKey]

    private func member(_ key: Key) -> Node { node.member(StoredJSON.snakeCase(key.stringValue)) }
    private func set(_ text: String, _ key: Key) { member(key).scalar = text }
    mutating func encodeNil(forKey key: Key) { set("null", key) }
    mutating func encode(_ v: Bool, forKey key: Key) { set(v ? "true" : "false", key) }
    mutating func encode(_ v: String, forKey key: Key) { set(Node.text(v), key) }
    mutating func encode(_ v: Double, forKey key: Key) { set(Node.text(v), key) }
    mutating func encode(_ v: Float, forKey key: Key) { set(Node.text(Double(v)), key) }
    mutating func encode(_ v: Int, forKey key: Key) { set(String(v), key) }
    mutating func encode(_ v: Int8, forKey key: Key) { set(String(v), key) }
    mutating func encode(_ v: Int16, forKey key: Key) { set(String(v), key) }
    mutating func encode(_ v: Int32, forKey key: Key) { set(String(v), key) }
    mutating func encode(_ v: Int64, forKey key: Key) { set(String(v), key) }
    mutating func encode(_ v: UInt, forKey key: Key) { set(String(v), key) }
    mutating func encode(_ v: UInt8, forKey key: Key) { set(String(v), key) }
    mutating func encode(_ v: UInt16, forKey key: Key) { set(String(v), key) }
    mutating func encode(_ v: UInt32, forKey key: Key) { set(String(v), key) }
    mutating func encode(_ v: UInt64, forKey key: Key) { set(String(v), key) }
    mutating func encode<T: Encodable>(_ v: T, forKey key: Key) throws {
        try StoredJSON.encode(v, into: member(key), codingPath: codingPath + [key])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        KeyedEncodingContainer(Keyed<NestedKey>(node: member(key).object(), codingPath: codingPath + [key]))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        NodeEncoder(node: member(key), codingPath: codingPath + [key]).unkeyedContainer()
    }
    mutating func superEncoder() -> Encoder { NodeEncoder(node: node.member("super"), codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> Encoder {
        NodeEncoder(node: member(key), codingPath: codingPath + [key])
    }
}

private struct Unkeyed: UnkeyedEncodingContainer {
    let node: Node
    var codingPath: [CodingKey]
    var count: Int { node.elements?.count ?? 0 }

    private func add(_ text: String) { node.element().scalar = text }
    mutating func encodeNil() { add("null") }
    mutating func encode(_ v: Bool) { add(v ? "true" : "false") }
    mutating func encode(_ v: String) { add(Node.text(v)) }
    mutating func encode(_ v: Double) { add(Node.text(v)) }
    mutating func encode(_ v: Float) { add(Node.text(Double(v))) }
    mutating func encode(_ v: Int) { add(String(v)) }
    mutating func encode(_ v: Int8) { add(String(v)) }
    mutating func encode(_ v: Int16) { add(String(v)) }
    mutating func encode(_ v: Int32) { add(String(v)) }
    mutating func encode(_ v: Int64) { add(String(v)) }
    mutating func encode(_ v: UInt) { add(String(v)) }
    mutating func encode(_ v: UInt8) { add(String(v)) }
    mutating func encode(_ v: UInt16) { add(String(v)) }
    mutating func encode(_ v: UInt32) { add(String(v)) }
    mutating func encode(_ v: UInt64) { add(String(v)) }
    mutating func encode<T: Encodable>(_ v: T) throws {
        try StoredJSON.encode(v, into: node.element(), codingPath: codingPath)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<
        NestedKey
    > {
        KeyedEncodingContainer(Keyed<NestedKey>(node: node.element().object(), codingPath: codingPath))
    }
    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        NodeEncoder(node: node.element(), codingPath: codingPath).unkeyedContainer()
    }
    mutating func superEncoder() -> Encoder { NodeEncoder(node: node.element(), codingPath: codingPath) }
}

private struct Single: SingleValueEncodingContainer {
    let node: Node
    var codingPath: [CodingKey]

    mutating func encodeNil() { node.scalar = "null" }
    mutating func encode(_ v: Bool) { node.scalar = v ? "true" : "false" }
    mutating func encode(_ v: String) { node.scalar = Node.text(v) }
    mutating func encode(_ v: Double) { node.scalar = Node.text(v) }
    mutating func encode(_ v: Float) { node.scalar = Node.text(Double(v)) }
    mutating func encode(_ v: Int) { node.scalar = String(v) }
    mutating func encode(_ v: Int8) { node.scalar = String(v) }
    mutating func encode(_ v: Int16) { node.scalar = String(v) }
    mutating func encode(_ v: Int32) { node.scalar = String(v) }
    mutating func encode(_ v: Int64) { node.scalar = String(v) }
    mutating func encode(_ v: UInt) { node.scalar = String(v) }
    mutating func encode(_ v: UInt8) { node.scalar = String(v) }
    mutating func encode(_ v: UInt16) { node.scalar = String(v) }
    mutating func encode(_ v: UInt32) { node.scalar = String(v) }
    mutating func encode(_ v: UInt64) { node.scalar = String(v) }
    mutating func encode<T: Encodable>(_ v: T) throws {
        try StoredJSON.encode(v, into: node, codingPath: codingPath)
    }
}

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

/// Compact JSON text of `value` in the store's form (see above).
enum StoredJSON {
    static func text<T: Encodable>(_ value: T) -> String {
        let root = Node()
        // Our details types only hold strings, numbers, booleans, arrays and objects: encoding cannot fail.
        try! value.encode(to: NodeEncoder(node: root, codingPath: []))
        var out: [UInt8] = []
        out.reserveCapacity(128)
        root.append(to: &out)
        return String(decoding: out, as: UTF8.self)
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

    private func set(_ text: String, _ key: Key) { node.member(key.stringValue).scalar = text }
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
        try v.encode(to: NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]))
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        KeyedEncodingContainer(
            Keyed<NestedKey>(node: node.member(key.stringValue).object(), codingPath: codingPath + [key]))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }
    mutating func superEncoder() -> Encoder { NodeEncoder(node: node.member("super"), codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> Encoder {
        NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key])
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
        try v.encode(to: NodeEncoder(node: node.element(), codingPath: codingPath))
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
        try v.encode(to: NodeEncoder(node: node, codingPath: codingPath))
    }
}

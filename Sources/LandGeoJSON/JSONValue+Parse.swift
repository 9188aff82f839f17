// MARK: - Parsing a standalone JSON text (stored property objects)

extension JSONValue {
    /// Parses one JSON text (strict RFC 8259, depth-limited) into a value.
    /// - Throws: `GeoJSONError` (file "", no feature) naming what is wrong.
    public static func parse(_ text: String, maxDepth: Int = 64) throws -> JSONValue {
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBufferPointer { buffer in
            var reader = JSONByteReader(
                UnsafeBufferPointer(buffer), maxDepth: maxDepth, endDescription: "the end of the text")
            do {
                let value = try reader.parseValue()
                reader.skipWhitespace()
                if reader.peek() != nil { throw reader.fail("text after the JSON value") }
                return value
            } catch let e as JSONSyntaxFailure {
                throw GeoJSONError(file: "", message: "\(e.message) at byte \(e.offset)")
            }
        }
    }
}

extension JSONObject {
    /// Parses a JSON object text such as a stored `properties` column. - Throws: `GeoJSONError`.
    public static func parse(_ text: String) throws -> JSONObject {
        guard let object = try JSONValue.parse(text).objectValue else {
            throw GeoJSONError(file: "", message: "expected a JSON object")
        }
        return object
    }
}

import LandGeometryCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - Streaming GeoJSON input
//
// Policy: the file is read in chunks; memory is bounded by the largest single feature (plus the buffer), never by
// the file. The scanner that cuts features out is iterative (a depth counter, no recursion) and checks the nesting
// limit itself, so 100,000 nested '[' end in an error, not a stack overflow. Features are parsed by
// `GeoJSONFeatureParser`, which may run on other threads; everything else here is single-threaded.

/// How a GeoJSON file holds its features.
public enum GeoJSONInputFormat: Sendable, Equatable {
    /// One FeatureCollection object.
    case featureCollection
    /// A GeoJSON text sequence: RFC 8142 (RS 0x1E before each feature) or one feature per line
    /// (.geojsons / .geojsonl / .geojsonseq / .ndjson).
    case sequence
}

/// Reads the features of a GeoJSON FeatureCollection or GeoJSON text sequence, one at a time, from a file.
/// Not Sendable: use it from one thread; hand `RawFeature`s to other threads to parse.
public final class GeoJSONFeatureSource {
    /// The path as given (used in errors).
    public let path: String
    /// The input's form, known once `init` returns.
    public private(set) var format: GeoJSONInputFormat = .featureCollection
    /// The name of the legacy "crs" member ogr2ogr writes, e.g. "urn:ogc:def:crs:EPSG::4549" (a 2008-style
    /// {"type":"EPSG","properties":{"code":4549}} gives "EPSG:4549"). Set when met: ogr2ogr writes it before
    /// "features", so it is usually known when `init` returns; in any case it is known once `nextRawFeature`
    /// has returned nil.
    public private(set) var legacyCRSName: String?
    /// The FeatureCollection's "name" member, if any.
    public private(set) var collectionName: String?
    /// Bytes read from the file so far (for progress).
    public private(set) var bytesRead: Int64 = 0
    /// The file's size, when it is a regular file.
    public let fileSize: Int64?

    /// Deepest nesting accepted inside one feature (the feature object is level 1).
    public let maxDepth: Int
    /// Largest accepted feature text, in bytes.
    public let maxFeatureBytes: Int

    private let fd: Int32
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var pos = 0
    private var end = 0
    private var eof = false
    private var line = 1
    /// Bytes from here on must stay in the buffer (the start of what is being cut out).
    private var mark: Int?
    /// While the top-level object may still turn out to be a single Feature (a sequence), its start stays in the buffer.
    private var rootMark: Int?
    private var rootLine = 1
    private var featureCount = 0

    private enum State {
        case rootMembers(first: Bool)
        case featuresArray(first: Bool)
        case trailing
        case sequence
        case finished
    }
    private var state: State = .finished
    private var decided = false
    private var featuresSeen = false
    private var rootKeys: Set<String> = []

    /// Opens `path` ("-" reads standard input) and reads up to the first feature.
    /// - Parameters:
    ///   - bufferSize: bytes read at a time (the buffer grows when one feature is larger).
    ///   - maxDepth: deepest nesting accepted inside a feature.
    ///   - maxFeatureBytes: largest accepted feature text (256 MiB by default).
    /// - Throws: `GeoJSONError` when the file cannot be read or its top level is neither a FeatureCollection
    ///   nor a sequence of Features.
    public init(
        path: String, bufferSize: Int = 1 << 20, maxDepth: Int = GeoJSONFeatureParser.maxDepth,
        maxFeatureBytes: Int = 1 << 28
    ) throws {
        self.path = path
        self.maxDepth = maxDepth
        self.maxFeatureBytes = maxFeatureBytes
        capacity = max(bufferSize, 4)
        if path == "-" {
            fd = 0
        } else {
            // Not a regular file (a FIFO would block the open itself): refused before opening.
            do { try InputFile.regular(path, role: "import file") } catch let e as InputFileError {
                throw GeoJSONError(file: path, message: e.isNotARegularFile ? e.problem : "cannot open: " + e.problem)
            }
            fd = open(path, O_RDONLY)
            guard fd >= 0 else {
                let reason = String(cString: strerror(errno))
                throw GeoJSONError(file: path, message: "cannot open: \(reason)")
            }
        }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
            fileSize = Int64(info.st_size)
        } else {
            fileSize = nil
        }
        buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        do {
            try start()
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
        buffer.deallocate()
    }

    private var closed = false
    private func close() {
        if !closed && fd > 0 { _ = geojsonCloseFile(fd) }
        closed = true
    }

    /// The next feature's text, or nil at the end of the input.
    /// - Throws: `GeoJSONError` for malformed or truncated input, with the feature index when inside a feature.
    ///   After an error the source is finished: further calls return nil.
    public func nextRawFeature() throws -> RawFeature? {
        do {
            return try scanNextFeature()
        } catch {
            state = .finished
            throw error
        }
    }

    private func scanNextFeature() throws -> RawFeature? {
        while true {
            switch state {
            case .finished:
                return nil
            case .sequence:
                skipWhitespace(recordSeparators: true)
                guard let b = try peek() else {
                    state = .finished
                    return nil
                }
                guard b == UInt8(ascii: "{") else {
                    throw error(
                        "expected a feature object ('{') after feature \(featureCount - 1), found \(describe(b))",
                        feature: featureCount > 0 ? featureCount : nil)
                }
                return try cutFeature()
            case .featuresArray(let first):
                skipWhitespace()
                guard var b = try peek() else { throw truncatedInFeatures() }
                if b == UInt8(ascii: "]") {
                    pos += 1
                    state = .rootMembers(first: false)
                    continue
                }
                if !first {
                    guard b == UInt8(ascii: ",") else {
                        throw error(
                            "\"features\": expected ',' or ']' after feature \(featureCount - 1), found \(describe(b))",
                            feature: featureCount - 1)
                    }
                    pos += 1
                    skipWhitespace()
                    guard let c = try peek() else { throw truncatedInFeatures() }
                    b = c
                }
                guard b == UInt8(ascii: "{") else {
                    throw error(
                        "\"features\": expected a feature object, found \(describe(b))",
                        feature: featureCount)
                }
                state = .featuresArray(first: false)
                return try cutFeature()
            case .rootMembers(let first):
                try readRootMember(first: first)
            case .trailing:
                skipWhitespace()
                if let b = try peek() {
                    throw error("unexpected \(describe(b)) after the end of the FeatureCollection")
                }
                state = .finished
                return nil
            }
        }
    }

    /// The next feature, parsed; nil at the end of the input.
    public func nextFeature() throws -> GeoJSONFeature? {
        guard let raw = try nextRawFeature() else { return nil }
        return try GeoJSONFeatureParser.parse(raw, file: path)
    }

    // MARK: Top level

    private func start() throws {
        // A UTF-8 byte order mark is skipped (RFC 8259 §8.1 lets parsers ignore it).
        if try ensure(3), buffer[pos] == 0xEF, buffer[pos + 1] == 0xBB, buffer[pos + 2] == 0xBF { pos += 3 }
        if try ensure(2),
            (buffer[pos] == 0xFF && buffer[pos + 1] == 0xFE) || (buffer[pos] == 0xFE && buffer[pos + 1] == 0xFF)
        {
            throw error("the file is UTF-16; GeoJSON must be UTF-8")
        }
        skipWhitespace()
        guard let b = try peek() else {
            throw error("the file is empty: not a FeatureCollection or a feature sequence")
        }
        if b == 0x1E {
            format = .sequence
            state = .sequence
            return
        }
        guard b == UInt8(ascii: "{") else {
            throw error("not GeoJSON: expected '{' at the start, found \(describe(b))")
        }
        rootMark = pos
        rootLine = line
        pos += 1
        state = .rootMembers(first: true)
        // Read the top-level members up to "features" (or until the object turns out to be a Feature).
        while case .rootMembers(let first) = state { try readRootMember(first: first) }
    }

    private func readRootMember(first: Bool) throws {
        skipWhitespace()
        guard var b = try peek() else { throw error("the file ends inside the top-level object") }
        if b == UInt8(ascii: "}") {
            pos += 1
            if !decided {
                if GeoJSONFeatureSource.hasSequenceExtension(path) {
                    try rewindToSequence()
                    return
                }
                throw error(
                    "the top level is neither a FeatureCollection nor a Feature (it has no \"type\")",
                    line: rootLine)
            }
            guard featuresSeen else { throw error("the FeatureCollection has no \"features\" member") }
            state = .trailing
            return
        }
        if !first {
            guard b == UInt8(ascii: ",") else {
                throw error("expected ',' or '}' in the top-level object, found \(describe(b))")
            }
            pos += 1
            skipWhitespace()
            guard let c = try peek() else { throw error("the file ends inside the top-level object") }
            b = c
        }
        guard b == UInt8(ascii: "\"") else {
            throw error("expected a member name in the top-level object, found \(describe(b))")
        }
        let key = try cutAndParseValue(what: "a member name").stringValue ?? ""
        skipWhitespace()
        let colon = try peek()
        guard colon == UInt8(ascii: ":") else {
            throw error("expected ':' after \(JSONValue.string(key).serialized), found \(describe(colon))")
        }
        pos += 1
        skipWhitespace()
        guard rootKeys.insert(key).inserted else {
            throw error("top-level object: " + JSONByteReader.duplicateKeyMessage(key))
        }
        state = .rootMembers(first: false)
        switch key {
        case "features":
            if !decided { decide() }
            featuresSeen = true
            guard let c = try peek() else { throw error("the file ends inside the top-level object") }
            guard c == UInt8(ascii: "[") else { throw error("\"features\" must be an array, found \(describe(c))") }
            pos += 1
            state = .featuresArray(first: true)
        case "type":
            let value = try cutAndParseValue(what: "\"type\"")
            guard case .string(let type) = value else {
                throw error("the top-level \"type\" must be a string, found \(value.serialized)")
            }
            switch type {
            case "FeatureCollection":
                if !decided { decide() }
            case "Feature" where !decided:
                try rewindToSequence()
            default:
                throw error(
                    "the top level is a \(JSONValue.string(type).serialized), "
                        + "not a FeatureCollection or a sequence of Features", line: rootLine)
            }
        case "crs":
            let value = try cutAndParseValue(what: "\"crs\"")
            legacyCRSName = GeoJSONFeatureSource.crsName(value)
        case "name":
            collectionName = try cutAndParseValue(what: "\"name\"").stringValue
        default:
            _ = try cutAndParseValue(what: JSONValue.string(key).serialized)
        }
    }

    private func decide() {
        decided = true
        format = .featureCollection
        rootMark = nil
    }

    private func rewindToSequence() throws {
        guard let rootMark else { throw error("internal error: cannot rewind to the start of the file") }
        pos = rootMark
        line = rootLine
        self.rootMark = nil
        decided = true
        format = .sequence
        state = .sequence
        legacyCRSName = nil
        collectionName = nil
        rootKeys = []
    }

    static func hasSequenceExtension(_ path: String) -> Bool {
        let lower = path.lowercased()
        return [".geojsons", ".geojsonl", ".geojsonseq", ".ndjson", ".jsonl", ".jsonseq"].contains {
            lower.hasSuffix($0)
        }
    }

    /// "urn:ogc:def:crs:EPSG::4549" from {"type":"name","properties":{"name":…}}; "EPSG:4549" from the 2008 form
    /// {"type":"EPSG","properties":{"code":4549}}.
    static func crsName(_ value: JSONValue) -> String? {
        guard let crs = value.objectValue, let properties = crs["properties"]?.objectValue else { return nil }
        if let name = properties["name"]?.stringValue { return name }
        if crs["type"]?.stringValue?.uppercased() == "EPSG", let code = properties["code"]?.stringValue {
            return "EPSG:" + code
        }
        return nil
    }

    /// Cuts out the value at the cursor (a container by bracket matching, a string, or a bare number / literal)
    /// and parses it strictly.
    private func cutAndParseValue(what: String) throws -> JSONValue {
        let startLine = line
        let bytes = try cutValue()
        return try bytes.withUnsafeBufferPointer { buf in
            var reader = JSONByteReader(buf, maxDepth: maxDepth, endDescription: "the end of \(what)")
            do {
                let value = try reader.parseValue()
                reader.skipWhitespace()
                if !reader.atEnd { throw reader.fail("unexpected \(reader.found()) after \(what)") }
                return value
            } catch let failure as JSONSyntaxFailure {
                var newlines = 0
                for i in 0..<min(failure.offset, buf.count) where buf[i] == 0x0A { newlines += 1 }
                throw GeoJSONError(file: path, line: startLine + newlines, message: "\(what): \(failure.message)")
            }
        }
    }

    private func cutValue() throws -> [UInt8] {
        guard let b = try peek() else { throw error("the file ends inside the top-level object") }
        if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
            return try cutContainer(feature: nil)
        }
        mark = pos
        defer { mark = nil }
        var i = pos + 1
        if b == UInt8(ascii: "\"") {
            var escaped = false
            while true {
                while i < end {
                    let c = buffer[i]
                    i += 1
                    if escaped {
                        escaped = false
                    } else if c == UInt8(ascii: "\\") {
                        escaped = true
                    } else if c == UInt8(ascii: "\"") {
                        return take(upTo: i)
                    } else if c == 0x0A {
                        line += 1
                    }
                }
                pos = i
                guard try refill() else { throw error("the file ends inside a string in the top-level object") }
                i = pos
            }
        }
        // A number or literal: up to the next delimiter.
        while true {
            while i < end {
                switch buffer[i] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09:
                    return take(upTo: i)
                default:
                    i += 1
                }
                if i - mark! > 4096 {
                    throw error("a top-level value is malformed (more than 4096 bytes without a delimiter)")
                }
            }
            pos = i
            guard try refill() else { return take(upTo: pos) }
            i = pos
        }
    }

    /// Copies the bytes from `mark` to `i` and moves the cursor to `i`.
    private func take(upTo i: Int) -> [UInt8] {
        let from = mark!
        let bytes = Array(UnsafeBufferPointer(start: buffer + from, count: i - from))
        pos = i
        mark = nil
        return bytes
    }

    // MARK: Cutting features

    private func cutFeature() throws -> RawFeature? {
        let index = featureCount
        let startLine = line
        let bytes = try cutContainer(feature: index)
        featureCount += 1
        return RawFeature(index: index, line: startLine, bytes: bytes)
    }

    /// Cuts out the object or array at the cursor by string- and escape-aware bracket matching. Iterative; the
    /// nesting depth is checked against `maxDepth` as it goes.
    private func cutContainer(feature: Int?) throws -> [UInt8] {
        let startLine = line
        mark = pos
        defer { mark = nil }
        var state = GeoJSONBracketScan()
        var i = pos
        while true {
            let stop = GeoJSONBracketScan.scan(buffer, from: i, to: end, &state, maxDepth: maxDepth)
            line += state.lines
            state.lines = 0
            if state.tooDeep {
                pos = stop
                throw error("nesting deeper than \(maxDepth) levels", feature: feature)
            }
            if state.depth == 0 { return take(upTo: stop) }
            pos = end
            if pos - mark! > maxFeatureBytes {
                throw error(
                    "\(feature.map { "feature \($0)" } ?? "a top-level value") is larger than \(maxFeatureBytes) bytes",
                    feature: feature, line: startLine)
            }
            guard try refill() else {
                if let feature {
                    throw error(
                        "the file ends inside feature \(feature) (which starts at line \(startLine))",
                        feature: feature)
                }
                throw error("the file ends inside a top-level value (which starts at line \(startLine))")
            }
            i = pos
        }
    }

    // MARK: Buffer

    /// Reads more bytes, keeping everything from the marks (or the cursor) on. False at the end of the input.
    private func refill() throws -> Bool {
        if eof { return false }
        let keep = min(mark ?? pos, rootMark ?? pos, pos)
        if keep > 0 {
            if end > keep { memmove(buffer, buffer + keep, end - keep) }
            end -= keep
            pos -= keep
            if mark != nil { mark! -= keep }
            if rootMark != nil { rootMark! -= keep }
        }
        if end == capacity {
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            bigger.update(from: buffer, count: end)
            buffer.deallocate()
            buffer = bigger
            capacity *= 2
        }
        while true {
            let n = read(fd, buffer + end, capacity - end)
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                throw error("read failed: \(reason)")
            }
            if n == 0 {
                eof = true
                return false
            }
            end += n
            bytesRead += Int64(n)
            return true
        }
    }

    /// True when at least `n` bytes are available from the cursor.
    private func ensure(_ n: Int) throws -> Bool {
        while end - pos < n {
            if try !refill() { return false }
        }
        return true
    }

    @inline(__always) private func peek() throws -> UInt8? {
        while pos >= end {
            if try !refill() { return nil }
        }
        return buffer[pos]
    }

    private func skipWhitespace(recordSeparators: Bool = false) {
        while true {
            while pos < end {
                switch buffer[pos] {
                case 0x20, 0x09, 0x0D: pos += 1
                case 0x0A:
                    line += 1
                    pos += 1
                case 0x1E where recordSeparators: pos += 1
                default: return
                }
            }
            guard (try? refill()) == true else { return }
        }
    }

    // MARK: Errors

    private func describe(_ b: UInt8?) -> String {
        guard let b else { return "the end of the file" }
        return JSONByteReader.describe(byte: b)
    }

    private func truncatedInFeatures() -> GeoJSONError {
        error(
            featureCount == 0
                ? "the file ends inside the \"features\" array"
                : "the file ends inside the \"features\" array, after feature \(featureCount - 1)")
    }

    private func error(_ message: String, feature: Int? = nil, line: Int? = nil) -> GeoJSONError {
        GeoJSONError(file: path, featureIndex: feature, line: line ?? self.line, message: message)
    }
}

#if canImport(Glibc) || canImport(Musl)
    @inline(__always) private func geojsonCloseFile(_ fd: Int32) -> Int32 { close(fd) }
#else
    @inline(__always) private func geojsonCloseFile(_ fd: Int32) -> Int32 { Darwin.close(fd) }
#endif

/// String- and escape-aware bracket matching over a buffer, resumable across buffer refills.
/// Newlines inside strings are not counted: they are invalid JSON and the parser reports them.
struct GeoJSONBracketScan {
    var depth = 0
    var inString = false
    var escaped = false
    var tooDeep = false
    /// Newlines passed in the last `scan`.
    var lines = 0

    /// Scans `p[from..<to]`; returns the index just past the bracket that closes the container (depth back to 0),
    /// the index where the depth went over `maxDepth` (`tooDeep` set), or `to`.
    static func scan(
        _ p: UnsafeMutablePointer<UInt8>, from: Int, to: Int, _ s: inout GeoJSONBracketScan,
        maxDepth: Int
    ) -> Int {
        var i = from
        var depth = s.depth
        var lines = 0
        var inString = s.inString
        if s.escaped && i < to {
            s.escaped = false
            i += 1
        }
        defer {
            s.depth = depth
            s.inString = inString
            s.lines = lines
        }
        while i < to {
            if inString {
                while i < to {
                    let b = p[i]
                    i += 1
                    if b == UInt8(ascii: "\\") {
                        if i < to { i += 1 } else { s.escaped = true }
                    } else if b == UInt8(ascii: "\"") {
                        inString = false
                        break
                    }
                }
                continue
            }
            let b = p[i]
            i += 1
            // Most bytes (digits, ',', '.', ':', '-', letters) are none of the six that matter.
            if b > 0x22 && (b | 0x20) != UInt8(ascii: "{") && (b | 0x20) != UInt8(ascii: "}") { continue }
            switch b {
            case UInt8(ascii: "\""):
                inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth > maxDepth {
                    s.tooDeep = true
                    return i
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return i }
            case 0x0A:
                lines += 1
            default:
                break
            }
        }
        return to
    }
}

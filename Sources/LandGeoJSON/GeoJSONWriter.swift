import LandGeometryCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - Streaming GeoJSON output
//
// Policy: features are written one per line into a buffer that is flushed every `bufferSize` bytes, so memory
// does not grow with the layer. The writer creates a new file at the path it is given (never an existing one) and
// removes it again when it is not finished; putting a complete file in place (temporary name, fsync, rename) is
// the caller's: landreg's exports go through LandRegistry's `OutputFile`, the one temporary + rename mechanism.
// Numbers: shortest text that reads back as the same Double, integral values without ".0" ("500000"); with
// `coordinateDecimals`, coordinates are rounded to that many decimals and trailing zeros dropped.

/// Writes features as a GeoJSON FeatureCollection or a GeoJSON text sequence, streaming.
public final class GeoJSONWriter {
    /// The output's form.
    public enum Format: Sendable, Equatable {
        /// One FeatureCollection, one feature per line.
        case featureCollection
        /// One feature per line; with `rfc8142: true` each line starts with RS (0x1E), per RFC 8142.
        case sequence
    }

    /// The path as given.
    public let path: String
    public let format: Format
    /// Number of features written so far.
    public private(set) var featureCount = 0

    private let rfc8142: Bool
    private let rfc7946Orientation: Bool
    private let coordinateDecimals: Int?
    private let decimalScale: Double
    private let decimalDivisor: UInt64
    private let bufferSize: Int
    private var out: [UInt8] = []
    private var fd: Int32
    private var finished = false

    /// Creates the output file (it must not exist) and writes the FeatureCollection's opening.
    /// - Parameters:
    ///   - path: the file to create; "-" writes to standard output.
    ///   - format: a FeatureCollection or a text sequence (one feature per line).
    ///   - rfc8142: for `.sequence`, start each feature with RS (0x1E) as RFC 8142 asks.
    ///   - legacyCRSName: writes the legacy "crs" member (e.g. "urn:ogc:def:crs:EPSG::4549") that GDAL and QGIS
    ///     read; leave nil for RFC 7946 lon/lat output. Ignored for sequences.
    ///   - rfc7946Orientation: exterior rings counter-clockwise, holes clockwise (rings reversed when needed,
    ///     by the sign of the shoelace area).
    ///   - coordinateDecimals: round coordinates to this many decimals (7 for degrees ≈ 1 cm, 3 for metres);
    ///     nil writes the shortest round-trip text.
    ///   - name: the FeatureCollection's "name" member (the layer name GDAL shows). Ignored for sequences.
    /// - Throws: `GeoJSONError` when the file cannot be created (it exists, or the folder is not writable).
    public init(
        path: String, format: Format = .featureCollection, rfc8142: Bool = false,
        legacyCRSName: String? = nil, rfc7946Orientation: Bool = true, coordinateDecimals: Int? = nil,
        name: String? = nil, bufferSize: Int = 1 << 20
    ) throws {
        self.path = path
        self.format = format
        self.rfc8142 = rfc8142
        self.rfc7946Orientation = rfc7946Orientation
        if let d = coordinateDecimals, d >= 0, d <= 15 {
            self.coordinateDecimals = d
            var divisor: UInt64 = 1
            for _ in 0..<d { divisor *= 10 }
            decimalDivisor = divisor
            decimalScale = Double(divisor)
        } else {
            self.coordinateDecimals = nil
            decimalDivisor = 1
            decimalScale = 1
        }
        self.bufferSize = max(bufferSize, 256)
        out.reserveCapacity(self.bufferSize + 4096)

        if path == "-" {
            fd = 1
        } else {
            // O_EXCL | O_NOFOLLOW: never truncate or follow what is there; the file removed on failure is ours.
            fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                let reason = String(cString: strerror(errno))
                throw GeoJSONError(file: path, message: "cannot create: \(reason)")
            }
        }

        if format == .featureCollection {
            append("{\"type\":\"FeatureCollection\"")
            if let name {
                append(",\"name\":")
                JSONText.appendQuoted(name, to: &out)
            }
            if let legacyCRSName {
                append(",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":")
                JSONText.appendQuoted(legacyCRSName, to: &out)
                append("}}")
            }
            append(",\"features\":[\n")
        }
    }

    deinit {
        if !finished && fd > 1 {
            _ = geojsonWriterClose(fd)
            _ = unlink(path)
        }
    }

    /// Writes one feature.
    /// - Parameters:
    ///   - id: the feature's "id" member (omitted when nil).
    ///   - properties: written in order, numbers as their lexeme.
    ///   - geometry: nil writes "geometry": null.
    /// - Throws: `GeoJSONError` for a non-finite coordinate (nothing of the feature is written) or a failed write.
    public func write(id: JSONValue?, properties: JSONObject, geometry: Geometry?) throws {
        guard !finished else { throw GeoJSONError(file: path, message: "write after finish()") }
        if let geometry {
            var finite = true
            geometry.forEachCoordinate { if !$0.x.isFinite || !$0.y.isFinite { finite = false } }
            guard finite else {
                throw GeoJSONError(
                    file: path, featureIndex: featureCount, featureID: id.map(GeoJSONFeatureParser.describeID),
                    message: "cannot write a coordinate that is NaN or infinite")
            }
        }
        // Work on a local buffer: one exclusive access to the stored property per feature, not one per byte.
        var out: [UInt8] = []
        swap(&out, &self.out)
        defer { swap(&out, &self.out) }
        if format == .featureCollection {
            if featureCount > 0 { GeoJSONWriter.append(",\n", &out) }
        } else if rfc8142 {
            out.append(0x1E)
        }
        GeoJSONWriter.append("{\"type\":\"Feature\"", &out)
        if let id {
            GeoJSONWriter.append(",\"id\":", &out)
            id.appendJSON(to: &out)
        }
        GeoJSONWriter.append(",\"properties\":", &out)
        properties.appendJSON(to: &out)
        GeoJSONWriter.append(",\"geometry\":", &out)
        if let geometry { appendGeometry(geometry, &out) } else { GeoJSONWriter.append("null", &out) }
        out.append(UInt8(ascii: "}"))
        if format == .sequence { out.append(0x0A) }
        featureCount += 1
        if out.count >= bufferSize {
            swap(&out, &self.out)
            defer { swap(&out, &self.out) }
            try flush()
        }
    }

    /// Closes the FeatureCollection, writes everything out and closes the file. (Syncing it to disk and moving it
    /// into place is the caller's: see the policy above.) On failure the file is removed.
    public func finish() throws {
        guard !finished else { return }
        if format == .featureCollection { append(featureCount > 0 ? "\n]}\n" : "]}\n") }
        do {
            try flush()
        } catch {
            finished = true
            if fd > 1 { _ = geojsonWriterClose(fd); _ = unlink(path) }
            throw error
        }
        finished = true
        if fd > 1 && geojsonWriterClose(fd) != 0 {
            let reason = String(cString: strerror(errno))
            _ = unlink(path)
            throw GeoJSONError(file: path, message: "cannot write: \(reason)")
        }
    }

    // MARK: Output

    private func flush() throws {
        var written = 0
        let total = out.count
        while written < total {
            let n = out.withUnsafeBufferPointer { buf in
                geojsonWriterWrite(fd, buf.baseAddress! + written, total - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                throw GeoJSONError(file: path, message: "cannot write: \(reason)")
            }
            written += n
        }
        out.removeAll(keepingCapacity: true)
    }

    @inline(__always) private func append(_ s: StaticString) { GeoJSONWriter.append(s, &out) }

    @inline(__always) private static func append(_ s: StaticString, _ out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    private func appendGeometry(_ g: Geometry, _ out: inout [UInt8]) {
        switch g {
        case .point(let p):
            GeoJSONWriter.append("{\"type\":\"Point\",\"coordinates\":", &out)
            appendPosition(p, &out)
        case .multiPoint(let ps):
            GeoJSONWriter.append("{\"type\":\"MultiPoint\",\"coordinates\":", &out)
            appendPositions(ps, ccw: nil, &out)
        case .lineString(let ps):
            GeoJSONWriter.append("{\"type\":\"LineString\",\"coordinates\":", &out)
            appendPositions(ps, ccw: nil, &out)
        case .multiLineString(let lines):
            GeoJSONWriter.append("{\"type\":\"MultiLineString\",\"coordinates\":[", &out)
            for (i, l) in lines.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendPositions(l, ccw: nil, &out)
            }
            out.append(UInt8(ascii: "]"))
        case .polygon(let p):
            GeoJSONWriter.append("{\"type\":\"Polygon\",\"coordinates\":", &out)
            appendPolygon(p, &out)
        case .multiPolygon(let ps):
            GeoJSONWriter.append("{\"type\":\"MultiPolygon\",\"coordinates\":[", &out)
            for (i, p) in ps.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendPolygon(p, &out)
            }
            out.append(UInt8(ascii: "]"))
        case .geometryCollection(let gs):
            GeoJSONWriter.append("{\"type\":\"GeometryCollection\",\"geometries\":[", &out)
            for (i, member) in gs.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendGeometry(member, &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
    }

    private func appendPolygon(_ p: Polygon, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        if !p.exterior.isEmpty || !p.holes.isEmpty {
            appendPositions(p.exterior, ccw: true, &out)
            for h in p.holes {
                out.append(UInt8(ascii: ","))
                appendPositions(h, ccw: false, &out)
            }
        }
        out.append(UInt8(ascii: "]"))
    }

    /// Writes a list of positions; a ring (`ccw` non-nil) is reversed when RFC 7946 orientation asks for it.
    private func appendPositions(_ ps: [XY], ccw: Bool?, _ out: inout [UInt8]) {
        var reverse = false
        if rfc7946Orientation, let ccw {
            let area = signedRingArea(ps)
            reverse = ccw ? area < 0 : area > 0
        }
        out.append(UInt8(ascii: "["))
        if reverse {
            for (i, p) in ps.reversed().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendPosition(p, &out)
            }
        } else {
            for (i, p) in ps.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendPosition(p, &out)
            }
        }
        out.append(UInt8(ascii: "]"))
    }

    @inline(__always) private func appendPosition(_ p: XY, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        appendNumber(p.x, &out)
        out.append(UInt8(ascii: ","))
        appendNumber(p.y, &out)
        out.append(UInt8(ascii: "]"))
    }

    private func appendNumber(_ v: Double, _ out: inout [UInt8]) {
        if coordinateDecimals != nil {
            let scaled = (v * decimalScale).rounded()
            if abs(scaled) < 9.0e15 {
                appendFixed(scaled, &out)
                return
            }
        }
        var text = v.description
        text.withUTF8 { bytes in
            var n = bytes.count
            if n >= 2 && bytes[n - 2] == UInt8(ascii: ".") && bytes[n - 1] == UInt8(ascii: "0") { n -= 2 }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0..<n]))
        }
    }

    /// Writes scaled / 10^decimals with trailing zeros dropped.
    private func appendFixed(_ scaled: Double, _ out: inout [UInt8]) {
        let magnitude = UInt64(abs(scaled))
        if scaled < 0 && magnitude != 0 { out.append(UInt8(ascii: "-")) }
        let integer = magnitude / decimalDivisor
        var fraction = magnitude % decimalDivisor
        appendDigits(integer, &out)
        guard fraction != 0, let decimals = coordinateDecimals else { return }
        var width = decimals
        while fraction % 10 == 0 {
            fraction /= 10
            width -= 1
        }
        out.append(UInt8(ascii: "."))
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { tmp in
            var k = width
            var f = fraction
            while k > 0 {
                k -= 1
                tmp[k] = UInt8(ascii: "0") + UInt8(f % 10)
                f /= 10
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: tmp[0..<width]))
        }
    }

    private func appendDigits(_ value: UInt64, _ out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { tmp in
            var k = 20
            var v = value
            repeat {
                k -= 1
                tmp[k] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            } while v != 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: tmp[k..<20]))
        }
    }
}

#if canImport(Glibc) || canImport(Musl)
    @inline(__always) private func geojsonWriterClose(_ fd: Int32) -> Int32 { close(fd) }
    @inline(__always) private func geojsonWriterWrite(_ fd: Int32, _ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        write(fd, p, n)
    }
#else
    @inline(__always) private func geojsonWriterClose(_ fd: Int32) -> Int32 { Darwin.close(fd) }
    @inline(__always) private func geojsonWriterWrite(_ fd: Int32, _ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        Darwin.write(fd, p, n)
    }
#endif

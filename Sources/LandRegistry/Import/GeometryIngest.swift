import Foundation
import LandGeometry

// MARK: - One feature's geometry on its way into the store
//
// Order matters: structure first (GEOS cannot even build an unclosed ring), then whether the coordinates can
// be in the declared CRS, then validity in the *source* coordinates (so a reported location is one the user
// can find in their own file), repair on request, transform to the store CRS, then measure and encode.
// One instance per worker thread: it owns a GEOS context and PROJ transforms.

/// A polygonal geometry ready to store.
struct IngestedGeometry: Sendable {
    /// In the store CRS, always a MultiPolygon.
    let geometry: Geometry
    let blob: [UInt8]
    let envelope: Envelope
    let planarAreaM2: Double
    let ellipsoidalAreaM2: Double
    /// What --repair did, when it did something.
    let repairNote: String?
}

final class GeometryIngest {
    let sourceCRS: CRS
    let storeCRS: CRS
    let repair: Bool
    private let toStore: CoordinateTransform?
    private let geos = GEOSContext()
    private let areas: AreaCalculator
    private let srsID: Int32

    init(sourceCRS: CRS, storeCRS: CRS, repair: Bool) throws {
        self.sourceCRS = sourceCRS; self.storeCRS = storeCRS; self.repair = repair
        self.toStore = sourceCRS == storeCRS ? nil : try CoordinateTransform(from: sourceCRS, to: storeCRS)
        self.areas = try AreaCalculator(crs: storeCRS)
        self.srsID = Int32(storeCRS.epsg)
    }

    /// Checks, repairs (when allowed), transforms, measures and encodes; the error message says what is wrong.
    func ingest(_ input: Geometry?) -> Result<IngestedGeometry, IngestError> {
        guard let input else { return .failure(IngestError("has no geometry (null)")) }
        guard var polygons = input.polygons else {
            return .failure(IngestError("is a \(input.typeName); only Polygon and MultiPolygon are accepted"))
        }
        if input.isEmpty { return .failure(IngestError("has an empty \(input.typeName)")) }
        var notes: [String] = []

        var geometry = Geometry.multiPolygon(polygons)
        var structure = geometry.structuralProblems()
        if !structure.isEmpty && repair {
            polygons = polygons.map(Self.closingRings)
            geometry = .multiPolygon(polygons)
            let remaining = geometry.structuralProblems()
            if remaining.count < structure.count { notes.append("closed unclosed rings") }
            structure = remaining
        }
        if !structure.isEmpty { return .failure(IngestError(structure.joined(separator: "; "))) }
        if let problem = coordinatePlausibility(geometry) { return .failure(IngestError(problem)) }

        do {
            let validity = try geos.validity(of: geometry)
            if !validity.isValid {
                let reason = validity.reason ?? "invalid"
                let at = validity.location.map { " at (\(Self.format($0.x)), \(Self.format($0.y)))" } ?? ""
                guard repair else {
                    return .failure(IngestError("invalid geometry: \(reason)\(at); fix it or use --repair"))
                }
                let before = geometry.planarArea
                geometry = try geos.makeValid(geometry)
                guard let parts = geometry.polygons, !geometry.isEmpty else {
                    return .failure(IngestError("invalid geometry: \(reason)\(at); repair leaves no area"))
                }
                geometry = .multiPolygon(parts)
                notes.append(
                    "made valid (\(reason)\(at)); planar area \(Self.format(before)) → \(Self.format(geometry.planarArea)) in source units"
                )
            }
            if let toStore {
                geometry = try toStore.transform(geometry)
            }
            guard let envelope = geometry.envelope else { return .failure(IngestError("has an empty geometry")) }
            let planar = areas.planarArea(geometry)
            let ellipsoidal = try areas.ellipsoidalArea(geometry)
            let blob = GeoPackageBinary.encode(geometry, srsID: srsID)
            return .success(
                IngestedGeometry(
                    geometry: geometry, blob: blob, envelope: envelope, planarAreaM2: planar,
                    ellipsoidalAreaM2: ellipsoidal, repairNote: notes.isEmpty ? nil : notes.joined(separator: "; ")))
        } catch {
            return .failure(IngestError("geometry could not be processed: \(error)"))
        }
    }

    /// Measures and encodes a polygonal geometry that is already in the store CRS and valid (one landreg built,
    /// e.g. a union of stored parcels).
    func ingestStoreGeometry(_ g: Geometry) -> Result<IngestedGeometry, IngestError> {
        guard let polygons = g.polygons, !g.isEmpty else { return .failure(IngestError("has no polygonal area")) }
        let geometry = Geometry.multiPolygon(polygons)
        guard let envelope = geometry.envelope else { return .failure(IngestError("has an empty geometry")) }
        do {
            return .success(
                IngestedGeometry(
                    geometry: geometry, blob: GeoPackageBinary.encode(geometry, srsID: srsID), envelope: envelope,
                    planarAreaM2: areas.planarArea(geometry), ellipsoidalAreaM2: try areas.ellipsoidalArea(geometry),
                    repairNote: nil))
        } catch {
            return .failure(IngestError("geometry could not be measured: \(error)"))
        }
    }

    /// A declared CRS that cannot be right is the most common import mistake: lon/lat read as metres or
    /// metres read as lon/lat. Say which and what to pass instead.
    private func coordinatePlausibility(_ g: Geometry) -> String? {
        guard let e = g.envelope else { return nil }
        let looksLonLat = e.minX >= -180 && e.maxX <= 180 && e.minY >= -90 && e.maxY <= 90
        if sourceCRS.isGeographic {
            if !looksLonLat {
                return
                    "coordinates (\(Self.format(e.minX)), \(Self.format(e.minY))) cannot be longitude/latitude in \(sourceCRS); "
                    + "the file looks projected: pass its CRS, e.g. --crs \(storeCRS.isGeographic ? "EPSG:4549" : storeCRS.description)"
            }
        } else {
            if looksLonLat {
                return
                    "coordinates (\(Self.format(e.minX)), \(Self.format(e.minY))) look like longitude/latitude, not \(sourceCRS) metres; "
                    + "pass --crs EPSG:4326 (or EPSG:4490)"
            }
            if let safe = plausibleBox, safe.contains(XY(e.minX, e.minY)), safe.contains(XY(e.maxX, e.maxY)) {
                return nil
            }
            if let use = sourceCRS.areaOfUseLonLat, let toLonLat = try? lonLatTransform() {
                let corners = [XY(e.minX, e.minY), XY(e.maxX, e.maxY)]
                let margin = Self.areaOfUseMarginDegrees
                for c in corners {
                    guard let ll = try? toLonLat.transform(c), ll.x.isFinite, ll.y.isFinite,
                        ll.x >= use.minX - margin, ll.x <= use.maxX + margin,
                        ll.y >= use.minY - margin, ll.y <= use.maxY + margin
                    else {
                        return
                            "coordinates (\(Self.format(c.x)), \(Self.format(c.y))) are outside the area where \(sourceCRS) is used; "
                            + "check the file's CRS and pass it with --crs"
                    }
                }
            }
        }
        return nil
    }

    /// Gauss-Krüger zones are used somewhat beyond their nominal band.
    static let areaOfUseMarginDegrees = 3.0

    /// A box in the source CRS whose every point passes the area-of-use check, so that a feature inside it
    /// needs no PROJ call (transforming two corners per feature was a tenth of the preparing threads' time).
    private lazy var plausibleBox: Envelope? = Self.plausibleBoxes.box(for: sourceCRS)

    private static let plausibleBoxes = PlausibleBoxes()

    /// Computed once per CRS and process (creating the PROJ transforms costs as much as checking thousands
    /// of features): the largest axis-aligned box inside the image of the area of use (with its margin), found
    /// from the images of its four edges, shrunk by 1 % and accepted only when its own corners pass. Nil
    /// (every feature checked with PROJ) when that does not work out.
    private final class PlausibleBoxes: @unchecked Sendable {
        private let lock = NSLock()
        private var boxes: [Int: Envelope?] = [:]

        func box(for crs: CRS) -> Envelope? {
            lock.lock(); defer { lock.unlock() }
            if let known = boxes[crs.epsg] { return known }
            let box = Self.compute(crs)
            boxes[crs.epsg] = box
            return box
        }

        private static func compute(_ crs: CRS) -> Envelope? {
            guard !crs.isGeographic, let use = crs.areaOfUseLonLat,
                let toSource = try? CoordinateTransform(from: .wgs84, to: crs),
                let toLonLat = try? CoordinateTransform(from: crs, to: .wgs84)
            else { return nil }
            let m = GeometryIngest.areaOfUseMarginDegrees
            let west = use.minX - m, east = use.maxX + m, south = max(use.minY - m, -89), north = min(use.maxY + m, 89)
            let steps = 64
            func edge(_ point: (Double) -> XY) -> [XY]? {
                try? toSource.transform((0...steps).map { point(Double($0) / Double(steps)) })
            }
            guard let westEdge = edge({ XY(west, south + $0 * (north - south)) }),
                let eastEdge = edge({ XY(east, south + $0 * (north - south)) }),
                let southEdge = edge({ XY(west + $0 * (east - west), south) }),
                let northEdge = edge({ XY(west + $0 * (east - west), north) })
            else { return nil }
            let all = westEdge + eastEdge + southEdge + northEdge
            guard all.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { return nil }
            var box = Envelope(
                minX: westEdge.map(\.x).max()!, minY: southEdge.map(\.y).max()!,
                maxX: eastEdge.map(\.x).min()!, maxY: northEdge.map(\.y).min()!)
            guard box.minX < box.maxX, box.minY < box.maxY else { return nil }
            let dx = (box.maxX - box.minX) / 100, dy = (box.maxY - box.minY) / 100
            box = Envelope(minX: box.minX + dx, minY: box.minY + dy, maxX: box.maxX - dx, maxY: box.maxY - dy)
            let corners = [
                XY(box.minX, box.minY), XY(box.minX, box.maxY), XY(box.maxX, box.minY), XY(box.maxX, box.maxY)
            ]
            for c in corners {
                guard let ll = try? toLonLat.transform(c), ll.x >= west, ll.x <= east,
                    ll.y >= use.minY - m, ll.y <= use.maxY + m
                else { return nil }
            }
            return box
        }
    }

    private var lonLatCache: CoordinateTransform?
    private func lonLatTransform() throws -> CoordinateTransform {
        if let t = lonLatCache { return t }
        let t = try CoordinateTransform(from: sourceCRS, to: .wgs84)
        lonLatCache = t
        return t
    }

    private static func closingRings(_ p: Polygon) -> Polygon {
        func close(_ r: Ring) -> Ring {
            guard let first = r.first, let last = r.last, first != last else { return r }
            return r + [first]
        }
        return Polygon(exterior: close(p.exterior), holes: p.holes.map(close))
    }

    static func format(_ v: Double) -> String {
        // Coordinates in messages come from the file: far beyond 1e15 a Double has no millimetres to round, and
        // Int64 cannot hold 1e19 (converting it would trap), so such a value is printed as it is.
        guard abs(v) < 1e15 else { return String(v) }
        let rounded = (v * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int64(rounded)) : String(rounded)
    }
}

struct IngestError: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
}

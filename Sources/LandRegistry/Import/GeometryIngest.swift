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
                notes.append("made valid (\(reason)\(at)); planar area \(Self.format(before)) → \(Self.format(geometry.planarArea)) in source units")
            }
            if let toStore {
                geometry = try toStore.transform(geometry)
            }
            guard let envelope = geometry.envelope else { return .failure(IngestError("has an empty geometry")) }
            let planar = areas.planarArea(geometry)
            let ellipsoidal = try areas.ellipsoidalArea(geometry)
            let blob = GeoPackageBinary.encode(geometry, srsID: srsID)
            return .success(IngestedGeometry(
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
            return .success(IngestedGeometry(
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
                return "coordinates (\(Self.format(e.minX)), \(Self.format(e.minY))) cannot be longitude/latitude in \(sourceCRS); "
                    + "the file looks projected: pass its CRS, e.g. --crs \(storeCRS.isGeographic ? "EPSG:4549" : storeCRS.description)"
            }
        } else {
            if looksLonLat {
                return "coordinates (\(Self.format(e.minX)), \(Self.format(e.minY))) look like longitude/latitude, not \(sourceCRS) metres; "
                    + "pass --crs EPSG:4326 (or EPSG:4490)"
            }
            if let use = sourceCRS.areaOfUseLonLat, let toLonLat = try? lonLatTransform() {
                let corners = [XY(e.minX, e.minY), XY(e.maxX, e.maxY)]
                let margin = 3.0  // Gauss-Krüger zones are used somewhat beyond their nominal band
                for c in corners {
                    guard let ll = try? toLonLat.transform(c), ll.x.isFinite, ll.y.isFinite,
                          ll.x >= use.minX - margin, ll.x <= use.maxX + margin,
                          ll.y >= use.minY - margin, ll.y <= use.maxY + margin
                    else {
                        return "coordinates (\(Self.format(c.x)), \(Self.format(c.y))) are outside the area where \(sourceCRS) is used; "
                            + "check the file's CRS and pass it with --crs"
                    }
                }
            }
        }
        return nil
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
        let rounded = (v * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int64(rounded)) : String(rounded)
    }
}

struct IngestError: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
}

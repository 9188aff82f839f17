// MARK: - Structural checks
//
// What GEOS would refuse or choke on, checked in pure Swift before GEOS sees the geometry: rings with fewer
// than 4 points, rings whose last point differs from the first, lines with fewer than 2 points, non-finite
// coordinates. These are not OGC validity (self-intersection etc.); see `GEOSContext.validity(of:)` for that.

extension Geometry {
    /// The structural problems of the geometry, one sentence each; `[]` when GEOS can take it.
    ///
    /// Rings and polygons are numbered from 0 ("ring 0 of polygon 1 has 3 points (needs at least 4)");
    /// coordinates are numbered from 0 across the whole geometry, in `forEachCoordinate` order.
    /// At most `limit` problems are listed, then one line saying how many more there are.
    public func structuralProblems(limit: Int = 20) -> [String] {
        var problems: [String] = []
        var extra = 0
        var coordinateIndex = 0
        func report(_ s: @autoclosure () -> String) {
            if problems.count < limit { problems.append(s()) } else { extra += 1 }
        }
        func checkCoordinates(_ cs: [XY]) {
            for p in cs {
                if !p.x.isFinite || !p.y.isFinite { report("coordinate \(coordinateIndex) is not finite") }
                coordinateIndex += 1
            }
        }
        func checkLine(_ line: [XY], _ name: String) {
            if line.count == 1 { report("\(name) has 1 point (needs at least 2)") }
            checkCoordinates(line)
        }
        func checkPolygon(_ polygon: Polygon, _ suffix: String) {
            if polygon.exterior.isEmpty && !polygon.holes.isEmpty {
                report("polygon\(suffix) has holes but an empty exterior ring")
            }
            for (i, ring) in polygon.rings.enumerated() {
                if i == 0 && ring.isEmpty { continue } // an empty polygon
                let name = "ring \(i)\(suffix.isEmpty ? "" : " of polygon\(suffix)")"
                if ring.count < 4 {
                    report("\(name) has \(ring.count) point\(ring.count == 1 ? "" : "s") (needs at least 4)")
                }
                if let first = ring.first, let last = ring.last, first != last, first.x.isFinite, first.y.isFinite,
                    last.x.isFinite, last.y.isFinite
                {
                    report("\(name) is not closed (first point \(first.x) \(first.y), last \(last.x) \(last.y))")
                }
                checkCoordinates(ring)
            }
        }
        func check(_ g: Geometry, _ prefix: String) {
            let before = problems.count
            switch g {
            case .point(let p):
                if p.x.isNaN && p.y.isNaN { coordinateIndex += 1 } else { checkCoordinates([p]) } // POINT EMPTY
            case .multiPoint(let ps): checkCoordinates(ps)
            case .lineString(let l): checkLine(l, "line")
            case .multiLineString(let ls): for (i, l) in ls.enumerated() { checkLine(l, "line \(i)") }
            case .polygon(let p): checkPolygon(p, "")
            case .multiPolygon(let ps): for (i, p) in ps.enumerated() { checkPolygon(p, " \(i)") }
            case .geometryCollection(let gs): for (i, m) in gs.enumerated() { check(m, "\(prefix)member \(i): ") }
            }
            if !prefix.isEmpty && !g.isCollection {
                for k in before..<problems.count { problems[k] = prefix + problems[k] }
            }
        }
        check(self, "")
        if extra > 0 { problems.append("… and \(extra) more problem\(extra == 1 ? "" : "s")") }
        return problems
    }

    /// Throws `GeometryInputError` listing the structural problems, if there are any.
    public func checkStructure() throws(GeometryInputError) {
        let problems = structuralProblems()
        if !problems.isEmpty { throw GeometryInputError(problems.joined(separator: "; ")) }
    }

    var isCollection: Bool {
        if case .geometryCollection = self { return true }
        return false
    }
}

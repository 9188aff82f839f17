import CPROJ
import Foundation
import LandGeometry

// MARK: - Ground distances and true north at the map's centre
//
// The store CRS is projected (CGCS2000 Gauss-Krüger): a map metre is a ground metre only on the central meridian
// (scale factor 1 there, growing as (Δλ cos φ)²/2 away from it), and grid north is not true north (meridian
// convergence Δλ sin φ). So the scale bar is measured on the ground: its two ends, a horizontal segment through
// the map's centre, are transformed to CGCS2000 longitude/latitude with PROJ and their distance taken on the
// CGCS2000 ellipsoid with PROJ's geodesic (GeographicLib's geod_inverse); the bar's map length is corrected until
// that ground distance is the round figure it is labelled with. The north arrow points along the meridian through
// the centre (a point 0.001° north of it, transformed back into the store CRS).

final class GroundMeasure {
    private let toGeographic: CoordinateTransform
    private let fromGeographic: CoordinateTransform
    private var geodesic = geod_geodesic()

    init(storeCRS: CRS) throws {
        toGeographic = try CoordinateTransform(from: storeCRS, to: .cgcs2000Geographic)
        fromGeographic = try CoordinateTransform(from: .cgcs2000Geographic, to: storeCRS)
        geod_init(&geodesic, AreaCalculator.cgcs2000SemiMajorAxis, AreaCalculator.cgcs2000Flattening)
    }

    /// Geodesic distance in metres on the CGCS2000 ellipsoid between two points of the store CRS.
    func groundDistanceM(_ a: XY, _ b: XY) throws -> Double {
        let p = try toGeographic.transform(a), q = try toGeographic.transform(b)
        var s12 = 0.0
        geod_inverse(&geodesic, p.y, p.x, q.y, q.x, &s12, nil, nil)
        return s12
    }

    /// The ends of a horizontal segment centred on `centre` whose ground length is `groundM`.
    func segment(centredOn centre: XY, groundM: Double, firstGuessMapLength: Double) throws -> (XY, XY) {
        var half = firstGuessMapLength / 2
        for _ in 0..<4 { // the ratio ground/map is near constant over a bar: two rounds reach 1e-9
            let g = try groundDistanceM(XY(centre.x - half, centre.y), XY(centre.x + half, centre.y))
            guard g > 0 else { break }
            half *= groundM / g
        }
        return (XY(centre.x - half, centre.y), XY(centre.x + half, centre.y))
    }

    /// The direction of true north at `centre`, in radians clockwise from the map's up (grid north).
    func trueNorthAngle(at centre: XY) throws -> Double {
        let c = try toGeographic.transform(centre)
        let n = try fromGeographic.transform(XY(c.x, c.y + 0.001))
        return atan2(n.x - centre.x, n.y - centre.y)
    }
}

/// The largest 1, 2 or 5 × 10ⁿ not above `limit` (limit > 0).
func roundDistance(notAbove limit: Double) -> Double {
    var magnitude = pow(10, floor(log10(limit)))
    while magnitude > limit { magnitude /= 10 }
    for step in [5.0, 2.0, 1.0] where step * magnitude <= limit { return step * magnitude }
    return magnitude
}

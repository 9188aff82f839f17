import Dispatch
import Foundation

// MARK: - Union on several cores
//
// A district-wide dissolve (every reclaimable spot's farmland, every site) is one cascaded union, which GEOS runs
// on one core. Cut the parts into spatially compact groups (by the x of their envelopes' centres, so that groups
// share little boundary), dissolve each group on its own thread with its own GEOS context, then merge the group
// results on the caller's context (`mergeDissolved`). The point set is the same as one cascaded union's; only the
// noding order differs, so coordinates may differ in the last bits.

extension GEOSContext {
    /// `unaryUnion(parts)` computed by `workers` threads (each with its own GEOS context) and merged on this
    /// context. Below `minPartsPerWorker` parts per worker it is the plain cascaded union on this context.
    /// - Throws: the first error of any group (in group order), or of the final merge.
    public func parallelUnaryUnion(
        _ parts: [Geometry], workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        minPartsPerWorker: Int = 64
    ) throws -> Geometry {
        let groupCount = Swift.min(Swift.max(1, workers), parts.count / Swift.max(1, minPartsPerWorker))
        if groupCount <= 1 { return try unaryUnion(parts) }
        var keyed: [(x: Double, index: Int)] = []
        keyed.reserveCapacity(parts.count)
        for (i, g) in parts.enumerated() {
            let e = g.envelope
            keyed.append((e.map { ($0.minX + $0.maxX) / 2 } ?? -Double.infinity, i))
        }
        keyed.sort { a, b in a.x < b.x || (a.x == b.x && a.index < b.index) }
        let ordered = keyed.map { parts[$0.index] }
        let size = (ordered.count + groupCount - 1) / groupCount
        let groups = stride(from: 0, to: ordered.count, by: size).map {
            Array(ordered[$0..<Swift.min($0 + size, ordered.count)])
        }
        let results = GroupResults(count: groups.count)
        DispatchQueue.concurrentPerform(iterations: groups.count) { i in
            // GEOS contexts are per thread: each group gets a fresh one.
            let result = Result { try GEOSContext().unaryUnion(groups[i]) }
            results.set(i, result)
        }
        var merged = Geometry.multiPolygon([])
        for result in results.all() { merged = try mergeDissolved(merged, try result.get()) }
        return merged
    }

    /// The union of two dissolved (valid) polygonal geometries, overlaying only the polygons that can meet: a
    /// polygon of one whose envelope misses the other's whole envelope cannot touch any polygon of the other, so
    /// it passes through as it is. (The groups above are cut along x, so most polygons pass through; overlaying
    /// the two group results whole cost as much as dissolving both groups.) Polygons of one side never share an
    /// edge (they would have been merged), so the result is valid too.
    func mergeDissolved(_ a: Geometry, _ b: Geometry) throws -> Geometry {
        let pa = a.polygons ?? [], pb = b.polygons ?? []
        guard let ea = a.envelope, let eb = b.envelope, ea.intersects(eb) else {
            let all = pa + pb
            return all.count == 1 ? .polygon(all[0]) : .multiPolygon(all)
        }
        var kept: [Polygon] = [], near: [Geometry] = []
        for (polygons, other) in [(pa, eb), (pb, ea)] {
            for p in polygons {
                if let e = Geometry.polygon(p).envelope, e.intersects(other) {
                    near.append(.polygon(p))
                } else {
                    kept.append(p)
                }
            }
        }
        let all = kept + (try unaryUnion(near).polygons ?? [])
        return all.count == 1 ? .polygon(all[0]) : .multiPolygon(all)
    }
}

/// Results of the groups, written from the worker threads under a lock.
private final class GroupResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<Geometry, Error>?]
    init(count: Int) { results = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<Geometry, Error>) { lock.withLock { results[i] = r } }
    func all() -> [Result<Geometry, Error>] { lock.withLock { results.map { $0! } } }
}

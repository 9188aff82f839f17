// MARK: - Spatial index
//
// A packed, immutable R-tree built by Sort-Tile-Recursive (Leutenegger et al. 1997), pure Swift and Sendable,
// for in-memory overlays (spots × parcels, sites × zones). Queries return the indexes of the input envelopes
// whose boxes intersect the query box (touching counts), in no particular order. Empty or NaN envelopes are
// never returned. The caller refines candidates with exact geometry (GEOS or prepared geometry).

/// A static R-tree over bounding boxes.
public struct SpatialIndex: Sendable {
    /// One node or leaf entry: its box and, for nodes, the range of its children in the level below;
    /// for leaf entries, `start` is the index into the caller's array.
    struct Entry: Sendable {
        var minX: Double, minY: Double, maxX: Double, maxY: Double
        var start: Int32
        var end: Int32

        @inline(__always) func intersects(_ e: Envelope) -> Bool {
            !(e.minX > maxX || e.maxX < minX || e.minY > maxY || e.maxY < minY)
        }
    }

    /// levels[0] are the leaf entries (one per indexed envelope), levels.last the root level.
    let levels: [[Entry]]
    /// The number of envelopes given to `init`.
    public let count: Int

    /// Builds the tree. `nodeCapacity` (≥ 2) is the number of children per node.
    public init(_ envelopes: [Envelope], nodeCapacity: Int = 16) {
        precondition(envelopes.count < Int(Int32.max), "SpatialIndex holds at most 2^31 - 1 envelopes")
        let capacity = Swift.max(2, nodeCapacity)
        count = envelopes.count
        var leaves: [Entry] = []
        leaves.reserveCapacity(envelopes.count)
        for (i, e) in envelopes.enumerated() where e.minX <= e.maxX && e.minY <= e.maxY {
            leaves.append(Entry(minX: e.minX, minY: e.minY, maxX: e.maxX, maxY: e.maxY,
                                start: Int32(i), end: Int32(i + 1)))
        }
        var levels: [[Entry]] = []
        var current = Self.strSort(leaves, capacity)
        levels.append(current)
        while current.count > 1 {
            var parents: [Entry] = []
            parents.reserveCapacity((current.count + capacity - 1) / capacity)
            var i = 0
            while i < current.count {
                let j = Swift.min(i + capacity, current.count)
                var p = Entry(minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity,
                              start: Int32(i), end: Int32(j))
                for k in i..<j {
                    let c = current[k]
                    p.minX = Swift.min(p.minX, c.minX); p.minY = Swift.min(p.minY, c.minY)
                    p.maxX = Swift.max(p.maxX, c.maxX); p.maxY = Swift.max(p.maxY, c.maxY)
                }
                parents.append(p)
                i = j
            }
            // Sorting the parents keeps their child ranges: each node carries its own range.
            current = Self.strSort(parents, capacity)
            levels.append(current)
        }
        self.levels = levels
    }

    /// Orders entries so that consecutive runs of `capacity` are spatially compact: sort by centre x, cut into
    /// ⌈√(n / capacity)⌉ vertical slices, sort each slice by centre y.
    static func strSort(_ entries: [Entry], _ capacity: Int) -> [Entry] {
        let n = entries.count
        guard n > capacity else { return entries }
        let nodeCount = (n + capacity - 1) / capacity
        let slices = Int(Double(nodeCount).squareRoot().rounded(.up))
        let perSlice = slices == 0 ? n : ((nodeCount + slices - 1) / slices) * capacity
        var sorted = entries.sorted { ($0.minX + $0.maxX) < ($1.minX + $1.maxX) }
        var s = 0
        while s < n {
            let e = Swift.min(s + perSlice, n)
            sorted[s..<e].sort { ($0.minY + $0.maxY) < ($1.minY + $1.maxY) }
            s = e
        }
        return sorted
    }

    /// Calls `visit` with the index of every input envelope that intersects `e` (boundaries touching count).
    public func query(_ e: Envelope, _ visit: (Int) -> Void) {
        guard let top = levels.last, !e.isEmpty else { return }
        if levels.count == 1 {
            for entry in top where entry.intersects(e) { visit(Int(entry.start)) }
            return
        }
        // Depth-first over (level, index) pairs; the stack stays small (depth × capacity).
        var stack: [(level: Int, index: Int)] = []
        stack.reserveCapacity(64)
        let rootLevel = levels.count - 1
        for i in top.indices where top[i].intersects(e) { stack.append((rootLevel, i)) }
        while let (level, index) = stack.popLast() {
            let node = levels[level][index]
            let below = levels[level - 1]
            if level == 1 {
                for k in Int(node.start)..<Int(node.end) where below[k].intersects(e) { visit(Int(below[k].start)) }
            } else {
                for k in Int(node.start)..<Int(node.end) where below[k].intersects(e) { stack.append((level - 1, k)) }
            }
        }
    }

    /// The indexes of the input envelopes that intersect `e`, ascending.
    public func query(_ e: Envelope) -> [Int] {
        var out: [Int] = []
        query(e) { out.append($0) }
        out.sort()
        return out
    }
}

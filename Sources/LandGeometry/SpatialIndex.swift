// MARK: - Spatial index
//
// A packed, immutable R-tree built by Sort-Tile-Recursive (Leutenegger et al. 1997; `SortTileRecursive`, which
// also packs the R*Tree a layer import writes into the store), pure Swift and Sendable,
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
            leaves.append(
                Entry(
                    minX: e.minX, minY: e.minY, maxX: e.maxX, maxY: e.maxY,
                    start: Int32(i), end: Int32(i + 1)))
        }
        // Each level is its entries in sort-tile-recursive order; a node of the level above covers one group.
        var levels: [[Entry]] = []
        var current = leaves
        while true {
            // Ties by `start`: the input index of a leaf, the first child of a node (unique within a level).
            let groups = SortTileRecursive.groups(
                current, capacity: capacity,
                centre: { (($0.minX + $0.maxX) / 2, ($0.minY + $0.maxY) / 2) },
                id: { Int64($0.start) })
            var ordered: [Entry] = []
            ordered.reserveCapacity(current.count)
            var parents: [Entry] = []
            parents.reserveCapacity(groups.count)
            for group in groups {
                var p = Entry(
                    minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity,
                    start: Int32(ordered.count), end: Int32(ordered.count + group.count))
                for c in group {
                    p.minX = Swift.min(p.minX, c.minX); p.minY = Swift.min(p.minY, c.minY)
                    p.maxX = Swift.max(p.maxX, c.maxX); p.maxY = Swift.max(p.maxY, c.maxY)
                }
                ordered.append(contentsOf: group)
                parents.append(p)
            }
            levels.append(ordered)
            if ordered.count <= 1 { break }
            current = parents
        }
        self.levels = levels
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

// MARK: - Sort-tile-recursive grouping

/// The one sort-tile-recursive grouping (Leutenegger et al. 1997) of the project: the in-memory `SpatialIndex` and
/// the R*Tree a layer import packs into the store (LandRegistry's `RTreePacker`) both build their nodes with it.
public enum SortTileRecursive {
    /// Items cut into ⌈√(groups)⌉ vertical slices by centre x, each slice into runs by centre y. Groups are as
    /// even as possible (none below half full) and hold at most `capacity` items; ties go by `id`, so the same
    /// items give the same groups. No items give no groups.
    @inlinable
    public static func groups<Item>(
        _ items: [Item], capacity: Int, centre: (Item) -> (x: Double, y: Double),
        id: (Item) -> Int64
    ) -> [ArraySlice<Item>] {
        let groupCount = (items.count + capacity - 1) / capacity
        let sliceCount = Int(Double(groupCount).squareRoot().rounded(.up))
        let byX = items.sorted { (centre($0).x, id($0)) < (centre($1).x, id($1)) }
        var groups: [ArraySlice<Item>] = []
        groups.reserveCapacity(groupCount + sliceCount)
        for slice in evenRanges(count: byX.count, parts: sliceCount) {
            let byY = byX[slice].sorted { (centre($0).y, id($0)) < (centre($1).y, id($1)) }
            let parts = (byY.count + capacity - 1) / capacity
            for r in evenRanges(count: byY.count, parts: parts) { groups.append(byY[r]) }
        }
        return groups
    }

    /// `count` items cut into `parts` consecutive ranges whose sizes differ by at most one.
    @inlinable
    public static func evenRanges(count: Int, parts: Int) -> [Range<Int>] {
        guard parts > 0 else { return [] }
        var out: [Range<Int>] = []
        out.reserveCapacity(parts)
        var start = 0
        for i in 0..<parts {
            let size = count / parts + (i < count % parts ? 1 : 0)
            out.append(start..<(start + size))
            start += size
        }
        return out
    }
}

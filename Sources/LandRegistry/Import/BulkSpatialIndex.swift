import GRDB
import LandGeometry

// MARK: - The R*Tree of a layer during a bulk import
//
// Normally a layer's R*Tree is kept by the gpkg_rtree_index AFTER INSERT trigger. For a bulk import that
// trigger is the dearest part of a row: it runs five SQL functions and, because an INSERT that fires a trigger
// may change several rows, SQLite keeps a statement journal for every such INSERT (a copy of each page it
// touches, written to a temporary file: 1.4 million pwrite calls for 100,000 parcels). So the import drops the
// insert trigger inside its own transaction, indexes the rows itself (the envelopes are already known), and
// creates the trigger again, from its exact stored SQL, before the transaction commits. DDL is transactional
// in SQLite: a failed or refused import rolls the trigger back with everything else, and no other connection
// ever sees the layer without it.
//
// Into an empty R*Tree (the first import of a layer, the common case for a whole district) the rows are not
// inserted one by one (R*Tree insertion was 60 % of the writer thread) but packed at the end: sort-tile-
// recursive grouping into full nodes, written straight into the R*Tree's node, rowid and parent tables in
// SQLite's documented format, as GDAL's bulk loader does. Coordinates are rounded to 32-bit floats outwards
// exactly as SQLite's rtree module rounds them. A layer whose R*Tree already holds rows gets one INSERT per row.

final class BulkSpatialIndex {
    private let rtree: String
    private let triggerSQL: String?
    private enum Mode {
        /// No insert trigger: the layer is not indexed (as the trigger would not index it either).
        case none
        case rowByRow(BulkStatement)
        /// Cells collected for packing; the node size in bytes.
        case packed(nodeBytes: Int)
    }
    private let mode: Mode
    private var cells: [RTreeCell] = []

    /// Takes over the R*Tree of `table` (its `geom` column) for the rest of the transaction.
    /// - Throws: `DatabaseError`.
    init(_ db: Database, table: String) throws {
        rtree = "rtree_\(table)_geom"
        let triggerName = rtree + "_insert"
        triggerSQL = try String.fetchOne(
            db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ? AND tbl_name = ?",
            arguments: [triggerName, table])
        guard triggerSQL != nil else { mode = .none; return }
        try db.execute(sql: "DROP TRIGGER \"\(triggerName)\"")
        // An empty R*Tree is one root node (nodeno 1) with no cells; its blob length is the node size.
        let nodes = try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(rtree)_node\"") ?? 0
        let rows = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \"\(rtree)_rowid\")") ?? true
        let rootBytes = try Int.fetchOne(db, sql: "SELECT length(data) FROM \"\(rtree)_node\" WHERE nodeno = 1")
        if nodes == 1, !rows, let rootBytes, (rootBytes - 4) / RTreeCell.bytes >= 4 {
            mode = .packed(nodeBytes: rootBytes)
        } else {
            mode = .rowByRow(try BulkStatement(db, sql: "INSERT OR REPLACE INTO \"\(rtree)\" VALUES (?, ?, ?, ?, ?)"))
        }
    }

    /// Indexes the row `fid` just inserted, as the trigger would have (nothing for an empty envelope).
    func add(fid: Int64, envelope: Envelope) throws {
        guard !envelope.isEmpty else { return }
        switch mode {
        case .none:
            return
        case .rowByRow(let insert):
            insert.bind(1, fid)
            insert.bind(2, envelope.minX)
            insert.bind(3, envelope.maxX)
            insert.bind(4, envelope.minY)
            insert.bind(5, envelope.maxY)
            try insert.execute()
        case .packed:
            cells.append(RTreeCell(id: fid, envelope: envelope))
        }
    }

    /// Writes the packed tree (if any) and puts the trigger back, exactly as it was stored. Call before the
    /// transaction commits.
    func finish(_ db: Database) throws {
        if case .packed(let nodeBytes) = mode, !cells.isEmpty {
            try RTreePacker(capacity: (nodeBytes - 4) / RTreeCell.bytes, nodeBytes: nodeBytes).write(
                cells, into: rtree, db)
            cells = []
        }
        if let triggerSQL { try db.execute(sql: triggerSQL) }
    }
}

/// One R*Tree cell: a row id (leaf) or child node number, and its box as SQLite stores it (32-bit floats).
struct RTreeCell {
    var id: Int64
    var minX: Float, maxX: Float, minY: Float, maxY: Float

    /// 8-byte id + four 4-byte coordinates.
    static let bytes = 24

    /// The cell SQLite's rtree module would store for this envelope: minima rounded down, maxima up.
    init(id: Int64, envelope e: Envelope) {
        self.id = id
        minX = Self.down(e.minX); maxX = Self.up(e.maxX); minY = Self.down(e.minY); maxY = Self.up(e.maxY)
    }

    init(id: Int64, minX: Float, maxX: Float, minY: Float, maxY: Float) {
        self.id = id; self.minX = minX; self.maxX = maxX; self.minY = minY; self.maxY = maxY
    }

    // rtree.c: RNDTOWARDS / RNDAWAY and rtreeValueDown / rtreeValueUp, to the bit.
    private static let towards = 1.0 - 1.0 / 8388608.0
    private static let away = 1.0 + 1.0 / 8388608.0

    static func down(_ d: Double) -> Float {
        let f = Float(d)
        return Double(f) > d ? Float(d * (d < 0 ? away : towards)) : f
    }

    static func up(_ d: Double) -> Float {
        let f = Float(d)
        return Double(f) < d ? Float(d * (d < 0 ? towards : away)) : f
    }

    var centerX: Double { (Double(minX) + Double(maxX)) / 2 }
    var centerY: Double { (Double(minY) + Double(maxY)) / 2 }

    /// The box of several cells, under the given id.
    static func union(_ cells: ArraySlice<RTreeCell>, id: Int64) -> RTreeCell {
        var u = RTreeCell(id: id, minX: .infinity, maxX: -.infinity, minY: .infinity, maxY: -.infinity)
        for c in cells {
            u.minX = Swift.min(u.minX, c.minX); u.maxX = Swift.max(u.maxX, c.maxX)
            u.minY = Swift.min(u.minY, c.minY); u.maxY = Swift.max(u.maxY, c.maxY)
        }
        return u
    }
}

/// Packs cells into a complete SQLite R*Tree (sort-tile-recursive) and writes its shadow tables.
/// Node format (rtree.c): 2-byte big-endian depth (the root's is the tree's height, others 0), 2-byte cell
/// count, then cells of an 8-byte big-endian id and four big-endian 32-bit floats, zero-padded to the node
/// size. Node 1 is the root; `_rowid` maps each row to its leaf, `_parent` each non-root node to its parent.
struct RTreePacker {
    let capacity: Int
    let nodeBytes: Int

    func write(_ leafCells: [RTreeCell], into rtree: String, _ db: Database) throws {
        let nodeStatement = try BulkStatement(
            db, sql: "INSERT OR REPLACE INTO \"\(rtree)_node\" (nodeno, data) VALUES (?, ?)")
        let rowStatement = try BulkStatement(db, sql: "INSERT INTO \"\(rtree)_rowid\" (rowid, nodeno) VALUES (?, ?)")
        let parentStatement = try BulkStatement(
            db, sql: "INSERT INTO \"\(rtree)_parent\" (nodeno, parentnode) VALUES (?, ?)")
        var nextNode: Int64 = 2
        var level = leafCells
        var depth = 0
        var children: [(node: Int64, parent: Int64)] = []
        var rows: [(row: Int64, leaf: Int64)] = []
        rows.reserveCapacity(leafCells.count)

        while true {
            let isRoot = level.count <= capacity
            let groups = isRoot ? [level[...]] : Self.tiles(level, capacity: capacity)
            var parents: [RTreeCell] = []
            for group in groups {
                let node: Int64 = isRoot ? 1 : nextNode
                if !isRoot { nextNode += 1 }
                nodeStatement.bind(1, node)
                nodeStatement.bind(2, blob: encode(group, depth: isRoot ? depth : 0))
                try nodeStatement.execute()
                for cell in group {
                    if depth == 0 {
                        rows.append((cell.id, node))
                    } else {
                        children.append((cell.id, node))
                    }
                }
                parents.append(RTreeCell.union(group, id: node))
            }
            for c in children {
                parentStatement.bind(1, c.node)
                parentStatement.bind(2, c.parent)
                try parentStatement.execute()
            }
            children = []
            if isRoot { break }
            level = parents
            depth += 1
        }
        rows.sort { $0.row < $1.row }
        for r in rows {
            rowStatement.bind(1, r.row)
            rowStatement.bind(2, r.leaf)
            try rowStatement.execute()
        }
    }

    /// Sort-tile-recursive grouping (LandGeometry's, shared with SpatialIndex); ties by id, so the tree is the
    /// same for the same rows.
    static func tiles(_ cells: [RTreeCell], capacity: Int) -> [ArraySlice<RTreeCell>] {
        SortTileRecursive.groups(cells, capacity: capacity, centre: { ($0.centerX, $0.centerY) }, id: { $0.id })
    }

    func encode(_ cells: ArraySlice<RTreeCell>, depth: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: nodeBytes)
        func put16(_ v: Int, at i: Int) { out[i] = UInt8(v >> 8 & 0xFF); out[i + 1] = UInt8(v & 0xFF) }
        put16(depth, at: 0)
        put16(cells.count, at: 2)
        var i = 4
        for c in cells {
            let id = UInt64(bitPattern: c.id)
            for k in 0..<8 { out[i + k] = UInt8(truncatingIfNeeded: id >> (56 - 8 * UInt64(k))) }
            i += 8
            for f in [c.minX, c.maxX, c.minY, c.maxY] {
                let b = f.bitPattern
                for k in 0..<4 { out[i + k] = UInt8(truncatingIfNeeded: b >> (24 - 8 * UInt32(k))) }
                i += 4
            }
        }
        return out
    }
}

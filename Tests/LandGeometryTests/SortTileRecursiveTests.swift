import Testing

@testable import LandGeometry

/// The grouping both the in-memory SpatialIndex and the import's packed R*Tree are built with.
@Suite("Sort-tile-recursive grouping")
struct SortTileRecursiveTests {
    struct Box { var id: Int64; var x: Double; var y: Double }

    @Test(
        "every item once; groups even, at most full and none below half full; the same for any input order",
        arguments: [1, 7, 16, 17, 100, 1000, 4097])
    func groupsAreEvenAndDeterministic(count: Int) {
        var rng = SplitMix64(seed: UInt64(count))
        // Many equal centres, so that the ties decide.
        let boxes = (0..<count).map { i in
            Box(
                id: Int64(i), x: Double(Int.random(in: 0..<20, using: &rng)),
                y: Double(Int.random(in: 0..<20, using: &rng)))
        }
        for capacity in [4, 16, 51] {
            let groups = SortTileRecursive.groups(boxes, capacity: capacity, centre: { ($0.x, $0.y) }, id: { $0.id })
            #expect(groups.count >= (count + capacity - 1) / capacity)
            #expect(groups.flatMap { $0.map(\.id) }.sorted() == boxes.map(\.id))
            #expect(groups.allSatisfy { $0.count <= capacity })
            if groups.count > 1 { #expect(groups.allSatisfy { $0.count * 2 >= capacity }) }
            let shuffled = SortTileRecursive.groups(
                boxes.shuffled(using: &rng), capacity: capacity,
                centre: { ($0.x, $0.y) }, id: { $0.id })
            #expect(shuffled.map { $0.map(\.id) } == groups.map { $0.map(\.id) })
        }
    }

    @Test("no items, no groups")
    func empty() {
        #expect(SortTileRecursive.groups([Box](), capacity: 16, centre: { ($0.x, $0.y) }, id: { $0.id }).isEmpty)
    }
}

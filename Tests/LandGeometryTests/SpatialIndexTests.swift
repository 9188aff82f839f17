import Testing

@testable import LandGeometry

@Suite("Spatial index")
struct SpatialIndexTests {
    func randomBoxes(_ n: Int, _ rng: inout SplitMix64) -> [Envelope] {
        (0..<n).map { _ in
            let x = Double.random(in: 0..<1000, using: &rng), y = Double.random(in: 0..<1000, using: &rng)
            return Envelope(
                minX: x, minY: y, maxX: x + Double.random(in: 0..<30, using: &rng),
                maxY: y + Double.random(in: 0..<30, using: &rng))
        }
    }

    @Test("query equals brute force on random boxes", arguments: [0, 1, 2, 15, 16, 17, 300, 5000])
    func bruteForce(count: Int) {
        var rng = SplitMix64(seed: UInt64(count) + 1)
        let boxes = randomBoxes(count, &rng)
        for capacity in [2, 4, 16] {
            let index = SpatialIndex(boxes, nodeCapacity: capacity)
            for q in randomBoxes(100, &rng) {
                let expected = boxes.indices.filter { boxes[$0].intersects(q) }
                #expect(index.query(q) == expected)
            }
        }
    }

    @Test("touching boxes match; empty envelopes are never returned")
    func edges() {
        let boxes = [Envelope(minX: 0, minY: 0, maxX: 1, maxY: 1), .empty, Envelope(minX: 2, minY: 2, maxX: 3, maxY: 3)]
        let index = SpatialIndex(boxes)
        #expect(index.query(Envelope(minX: 1, minY: 1, maxX: 2, maxY: 2)) == [0, 2])
        #expect(index.query(Envelope(minX: -10, minY: -10, maxX: 10, maxY: 10)) == [0, 2])
        #expect(index.query(.empty) == [])
        #expect(index.count == 3)
        var visited = 0
        index.query(Envelope(minX: 0, minY: 0, maxX: 0.5, maxY: 0.5)) { _ in visited += 1 }
        #expect(visited == 1)
    }
}

import Foundation
import LandGeoJSON
import LandGeometry
import Testing

@testable import LandRegistry

/// When `ImportPipeline.run` returns, on success or on a consumer error, no preparer may still run and every
/// preparer must be released: a spot import's preparers hold GEOS contexts, PROJ transforms and read-only store
/// connections, and one that outlived the import raced the next import in the same process (heap corruption
/// seen in parallel test runs).
@Suite("Import pipeline lifetime")
struct ImportPipelineLifetimeTests {
    /// Something a preparer owns, counting the features it prepared.
    final class Owned: @unchecked Sendable {
        let lock = NSLock()
        var prepared = 0
        func count() { lock.withLock { prepared += 1 } }
    }

    /// A text sequence of `count` features with null geometries (the preparers below do not parse them).
    static func file(count: Int) -> String {
        Fixtures.write(
            String(repeating: #"{"type":"Feature","properties":{},"geometry":null}"# + "\n", count: count),
            name: "lifetime.geojsonl")
    }

    /// Runs the pipeline over `path`; `failAt` makes the consumer throw at that feature. Returns weak references to
    /// what the preparers owned, and the total prepared when run() returned.
    static func run(_ path: String, failAt: Int?) throws -> (
        owned: [() -> Owned?], preparedAtReturn: Int, error: Error?
    ) {
        var weakOwned: [() -> Owned?] = []
        var strong: [Owned] = []
        var error: Error? = nil
        do {
            let source = try GeoJSONFeatureSource(path: path)
            try ImportPipeline<Int>().run(
                source: source, workers: 2,
                makePreparer: {
                    let owned = Owned()
                    strong.append(owned)
                    weakOwned.append { [weak owned] in owned }
                    return { raw in
                        owned.count()
                        // A little work per feature, so that the scanning thread is mid-batch when the consumer stops.
                        var x = 0.0
                        for i in 0..<2000 { x += sin(Double(i + raw.index)) }
                        return x.isNaN
                            ? .failure(FeatureProblem(featureIndex: raw.index, message: "NaN")) : .success(raw.index)
                    }
                },
                progress: nil,
                consume: { result in
                    if case .success(let i) = result, i == failAt {
                        throw ImportFailed(file: path, problems: [], problemCount: 1)
                    }
                })
        } catch let e { error = e }
        let preparedAtReturn = strong.reduce(0) { total, o in total + o.lock.withLock { o.prepared } }
        strong.removeAll()
        return (weakOwned, preparedAtReturn, error)
    }

    @Test(arguments: [nil, 10, 3000])
    func nothingPreparesOrLivesOnAfterRunReturns(failAt: Int?) throws {
        let path = Self.file(count: 6000)
        let (owned, preparedAtReturn, error) = try Self.run(path, failAt: failAt)
        #expect((error != nil) == (failAt != nil))
        // Every preparer is released by the time run() returns (its owner above dropped the last strong reference).
        #expect(owned.allSatisfy { $0() == nil }, "a preparer outlived ImportPipeline.run")
        if failAt == nil { #expect(preparedAtReturn == 6000) }
    }
}

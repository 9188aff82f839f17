import Foundation
import Testing

@testable import LandGeometry

/// The make-valid time budget (GEOSTimeBudget): a geometry on which GEOS 3.11's overlay does not converge (found
/// by the wkb fuzzer: make-valid ran > 120 s) is given up after the budget with a clear error, and GEOS works on.
@Suite("GEOS time budget")
struct GEOSTimeBudgetTests {
    /// The fuzzer's input: a GeoPackage blob of a 123-point polygon with a few coordinates near ±3e231.
    static func nonConverging() throws -> Geometry {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../tools/fuzz/regressions/wkb-makevalid-nonconverging.gpkgblob")
        return try GeoPackageBinary.decode(Array(try Data(contentsOf: url))).geometry
    }

    @Test func makeValidGivesUpAfterItsBudget() throws {
        let geos = GEOSContext()
        let g = try Self.nonConverging()
        #expect(try !geos.isValid(g))
        let started = Date()
        do {
            _ = try geos.makeValid(g, budgetSeconds: 1)
            Issue.record("make-valid of the non-converging polygon returned instead of giving up")
        } catch let e as GEOSError {
            #expect(e.operation == "make valid")
            #expect(e.message.hasPrefix("gave up after 1 s: GEOS's overlay does not converge"), "\(e.message)")
        }
        let seconds = Date().timeIntervalSince(started)
        #expect(seconds >= 1 && seconds < 10, "took \(seconds) s")
        // The interrupt was consumed by the operation it was for: the same context, and another thread's, work on.
        let repaired = try geos.makeValid(Fixture.bowTie)
        #expect(abs(repaired.planarArea - 50) < 1e-9)
        let other = try Thread.runAndWait { try GEOSContext().makeValid(Fixture.bowTie).planarArea }
        #expect(abs(other - 50) < 1e-9)
    }

    @Test func aBudgetThatIsNotReachedChangesNothing() throws {
        let geos = GEOSContext()
        let unbudgeted = try geos.makeValid(Fixture.bowTie, budgetSeconds: 1e9)
        let budgeted = try geos.makeValid(Fixture.bowTie, budgetSeconds: 5)
        #expect(unbudgeted == budgeted)
    }
}

extension Thread {
    /// Runs `body` on a new thread and waits for it (GEOS's interrupt callback is per thread).
    static func runAndWait<R: Sendable>(_ body: @escaping @Sendable () throws -> R) throws -> R {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<R, Error>? = nil
        let t = Thread {
            outcome = Result { try body() }
            done.signal()
        }
        t.start()
        done.wait()
        return try outcome!.get()
    }
}

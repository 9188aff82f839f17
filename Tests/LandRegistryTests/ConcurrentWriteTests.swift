import Foundation
import GRDB
import Testing

@testable import LandRegistry

/// Many writers on one store: each on its own connection, as separate landreg processes are.
@Suite("Concurrent writes and busy retries")
struct ConcurrentWriteTests {
    @Test("8 connections × 50 spot status changes at once: all succeed, exactly 400 new events, in order")
    func eightWritersFiftyChangesEach() throws {
        // Given one spot per writer.
        let registry = try Fixtures.store()
        let writers = 8, changes = 50
        let spots = (0..<writers).map { w in
            Fixtures.squareFeature(code: "W\(w)", x: 580_000 + Double(w) * 30, y: 3_360_000, side: 20)
        }
        _ = try registry.importSpots(
            file: Fixtures.write(Fixtures.collection4549(spots)), batch: "concurrency",
            options: FeatureImportOptions(context: Fixtures.context))
        let eventsBefore = try registry.eventCount()
        let failures = Unchecked([String]())
        // When 8 threads, each with its own Registry (its own SQLite connection, as separate processes have),
        // apply 50 status changes each to their spot: verify as illegal, rectify, then 48 progress reports.
        DispatchQueue.concurrentPerform(iterations: writers) { w in
            do {
                let mine = try Registry.open(at: registry.path)
                let context = ChangeContext(actor: "writer-\(w)", effectiveDate: "2026-01-05")
                _ = try mine.applySpotStep(
                    .verify(judgement: .illegal, basis: nil, approvalDoc: nil), code: "W\(w)", context: context)
                _ = try mine.applySpotStep(
                    .rectify(measure: "demolish-restore", deadline: "2026-12-31"), code: "W\(w)", context: context)
                for i in 2..<changes {
                    _ = try mine.applySpotStep(
                        .progress(restoredM2: nil, recultivatedM2: Double(i), remainingM2: nil),
                        code: "W\(w)", context: context)
                }
            } catch {
                failures.lock.withLock { failures.value.append("writer \(w): \(error)") }
            }
        }
        // Then every change is there once, each spot's in the order it was made, and each spot ends rectifying
        // with the last reported recultivated area.
        #expect(failures.value.isEmpty, "\(failures.value)")
        #expect(try registry.eventCount() - eventsBefore == writers * changes)
        for w in 0..<writers {
            let log = try registry.events(entity: .spot, code: "W\(w)").filter { $0.actor == "writer-\(w)" }
            #expect(
                log.map(\.action.rawValue) == ["verify", "rectify"] + Array(repeating: "progress", count: changes - 2))
            #expect(try registry.spot(code: "W\(w)").recultivatedM2 == Double(changes - 1))
        }
    }

    @Test("a busy error is retried with pauses, then given up after the last attempt")
    func retriesBusyThenGivesUp() throws {
        let busy = DatabaseError(resultCode: .SQLITE_BUSY, message: "database is locked")
        var pauses: [Double] = []
        var calls = 0
        let policy = BusyRetry(attempts: 4, firstPauseSeconds: 0.1, maxPauseSeconds: 0.3)
        let (value, attempts) = try policy.run(sleep: { pauses.append($0) }) { () throws -> String in
            calls += 1
            if calls < 3 { throw busy }
            return "done"
        }
        #expect(value == "done" && attempts == 3 && pauses.count == 2)
        #expect(pauses[0] >= 0.05 && pauses[0] <= 0.15 && pauses[1] >= 0.1 && pauses[1] <= 0.3)

        calls = 0
        #expect(throws: DatabaseError.self) {
            try policy.run(sleep: { _ in }) { () throws -> Int in
                calls += 1; throw busy
            }
        }
        #expect(calls == 4)
        // Other errors are not retried.
        calls = 0
        #expect(throws: DatabaseError.self) {
            try policy.run(sleep: { _ in }) { () throws -> Int in
                calls += 1; throw DatabaseError(resultCode: .SQLITE_CONSTRAINT, message: "no")
            }
        }
        #expect(calls == 1)
    }

    @Test("a write that finds the store locked past its busy timeout is retried until the lock is released")
    func retryOutlastsAHeldLock() throws {
        let registry = try Fixtures.store()
        // Another connection holds the write lock for 0.4 s; ours gives up waiting at once (no busy timeout),
        // so only the retry can get it through.
        let holder = try DatabaseQueue(path: registry.path)
        let impatient = try DatabaseQueue(
            path: registry.path,
            configuration: {
                var c = Configuration(); c.busyMode = .immediateError; return c
            }())
        let locked = DispatchSemaphore(value: 0)
        let released = DispatchGroup()
        DispatchQueue.global().async(group: released) {
            try? holder.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                locked.signal()
                Thread.sleep(forTimeInterval: 0.4)
                try db.execute(sql: "COMMIT")
            }
        }
        locked.wait()
        let started = Date()
        let (_, attempts) = try BusyRetry(attempts: 40, firstPauseSeconds: 0.01, maxPauseSeconds: 0.05).run {
            try impatient.write { db in
                try db.execute(sql: "UPDATE landreg_meta SET value = value WHERE key = 'store_crs'")
            }
        }
        released.wait()
        #expect(attempts > 1, "the first attempt should have met SQLITE_BUSY")
        #expect(Date().timeIntervalSince(started) >= 0.3)
    }
}

import Foundation
import GRDB
import Testing
@testable import LandRegistry

/// Many writers on one store: each on its own connection, as separate landreg processes are.
@Suite("Concurrent writes and busy retries")
struct ConcurrentWriteTests {
    @Test("8 connections × 50 status changes at once: all succeed, no update is lost, exactly 400 new events")
    func eightWritersFiftyChangesEach() throws {
        // Given a parcel whose "status" (here its name, a counter) every writer reads and advances.
        let registry = try Fixtures.store()
        _ = try registry.importParcels(
            file: Fixtures.write(Fixtures.collection4549([Fixtures.squareFeature(code: "P", extra: #","name":"0""#)])),
            options: FeatureImportOptions(context: Fixtures.context))
        let eventsBefore = try registry.eventCount()
        let writers = 8, changes = 50
        let failures = Unchecked([String]())
        // When 8 threads, each with its own Registry (its own SQLite connection), make 50 changes each: every change
        // reads the current state and writes the next one, the pattern that loses updates or meets SQLITE_BUSY
        // when a transaction starts as a read.
        DispatchQueue.concurrentPerform(iterations: writers) { w in
            do {
                let mine = try Registry.open(at: registry.path)
                for _ in 0..<changes {
                    try mine.write { db in
                        let fid = try Int64.fetchOne(db, sql: "SELECT fid FROM parcels WHERE code = 'P' AND retired_at IS NULL")!
                        let state = Int(try String.fetchOne(db, sql: "SELECT name FROM parcels WHERE fid = ?", arguments: [fid])!)!
                        try db.execute(sql: "UPDATE parcels SET name = ? WHERE fid = ?", arguments: ["\(state + 1)", fid])
                        try AuditLog.append(db, context: ChangeContext(actor: "writer-\(w)"), entity: "parcel", entityID: fid,
                                            entityCode: "P", action: "advance", from: "\(state)", to: "\(state + 1)")
                    }
                }
            } catch {
                failures.lock.withLock { failures.value.append("writer \(w): \(error)") }
            }
        }
        // Then every change is there, once, in one unbroken chain 0 → 1 → … → 400.
        #expect(failures.value.isEmpty, "\(failures.value)")
        #expect(try registry.eventCount() - eventsBefore == writers * changes)
        let chain = try registry.events(entity: "parcel", code: "P").filter { $0.action == "advance" }
        #expect(chain.map(\.fromState) == (0..<400).map { "\($0)" as String? })
        #expect(chain.map(\.toState) == (1...400).map { "\($0)" as String? })
        #expect(try registry.parcel(code: "P").name == "400")
        let perWriter = Dictionary(grouping: chain, by: \.actor).mapValues(\.count)
        #expect(perWriter.count == writers && perWriter.values.allSatisfy { $0 == changes })
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
            try policy.run(sleep: { _ in }) { () throws -> Int in calls += 1; throw busy }
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
        let impatient = try DatabaseQueue(path: registry.path, configuration: {
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
            try impatient.write { db in try db.execute(sql: "UPDATE landreg_meta SET value = value WHERE key = 'store_crs'") }
        }
        released.wait()
        #expect(attempts > 1, "the first attempt should have met SQLITE_BUSY")
        #expect(Date().timeIntervalSince(started) >= 0.3)
    }
}

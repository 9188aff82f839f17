import Foundation
import GRDB

// MARK: - Write transactions that survive a busy store
//
// Several landreg processes may write to one store at once. Each write is one IMMEDIATE transaction: BEGIN
// takes the store's write lock first, and SQLite's busy handler waits up to `Registry.busyTimeoutSeconds` for
// another writer to finish. SQLITE_BUSY can still reach us in WAL mode:
// - when a transaction began as a read (DEFERRED, a SELECT first) and then writes after another connection
//   committed since its snapshot: SQLite returns SQLITE_BUSY(_SNAPSHOT) at once, without calling the busy
//   handler, because waiting cannot help — that read snapshot is stale for good, and only rolling back and
//   starting again can succeed. (BEGIN IMMEDIATE avoids this for our own transactions; a connection that
//   reads first and upgrades — GRDB's `inTransaction(.deferred)`, a sqlite3 shell — does not.)
// - while another connection recovers the WAL index after a crash (SQLITE_BUSY_RECOVERY), and
// - when the busy timeout runs out (another process held the write lock for longer: a very large import).
// So a write that meets SQLITE_BUSY before it changed anything is rolled back and run again, a few times,
// with growing, jittered pauses so that the waiting processes do not retry in lock step.

/// How often and how patiently a busy write transaction is retried.
public struct BusyRetry: Sendable {
    /// Attempts in all, the first included.
    public var attempts: Int
    /// Pause before the second attempt, in seconds; doubled for each later one, at most `maxPauseSeconds`.
    public var firstPauseSeconds: Double
    public var maxPauseSeconds: Double

    public init(attempts: Int = 8, firstPauseSeconds: Double = 0.02, maxPauseSeconds: Double = 2) {
        self.attempts = max(1, attempts); self.firstPauseSeconds = firstPauseSeconds;
        self.maxPauseSeconds = maxPauseSeconds
    }

    /// The policy of every store write.
    public static let standard = BusyRetry()

    /// True for SQLITE_BUSY and its extended codes (BUSY_SNAPSHOT, BUSY_RECOVERY, BUSY_TIMEOUT).
    static func isBusy(_ error: Error) -> Bool {
        guard let e = error as? DatabaseError else { return false }
        return e.resultCode == .SQLITE_BUSY
    }

    /// Runs `body`, running it again after a pause when it throws SQLITE_BUSY, at most `attempts` times.
    /// `body` must be safe to run again: everything it did before the error must have been undone.
    /// - Returns: the body's result and how many attempts it took.
    func run<T>(sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }, _ body: () throws -> T) throws
        -> (value: T, attempts: Int)
    {
        var pause = firstPauseSeconds
        var attempt = 1
        while true {
            do { return (try body(), attempt) } catch  where Self.isBusy(error) && attempt < attempts {
                sleep(pause * Double.random(in: 0.5...1.5))
                pause = min(maxPauseSeconds, pause * 2)
                attempt += 1
            }
        }
    }
}

/// A write refused because the store stayed busy after every retry; nothing was written.
public struct StoreBusy: Error, LocalizedError {
    public let path: String
    public let attempts: Int
    public let underlying: String
    public var errorDescription: String? {
        "\(path): the store stayed busy (another landreg process kept writing) through \(attempts) attempts; "
            + "nothing was written, try again (\(underlying))"
    }
}

extension Registry {
    /// Runs `updates` in one IMMEDIATE write transaction: committed when it returns, rolled back when it throws.
    /// SQLITE_BUSY at BEGIN (the busy timeout ran out, WAL recovery) is retried under `retry`; so is SQLITE_BUSY
    /// inside `updates` when `replayable` (the transaction was rolled back, and `updates` touches nothing but
    /// the database). An import reads its file as it goes and is not replayable; it holds the write lock from
    /// BEGIN, so it cannot meet SQLITE_BUSY after it.
    /// - Throws: what `updates` throws; `StoreBusy` when every attempt found the store busy.
    func write<T>(replayable: Bool = true, retry: BusyRetry = .standard, _ updates: (Database) throws -> T) throws -> T
    {
        do {
            return try retry.run {
                try dbQueue.writeWithoutTransaction { db in
                    try db.beginTransaction(.immediate)
                    do {
                        let result = try updates(db)
                        try db.commit()
                        return result
                    } catch {
                        if db.isInsideTransaction { try? db.rollback() }
                        if BusyRetry.isBusy(error) && !replayable { throw NotReplayable(error: error) }
                        throw error
                    }
                }
            }.value
        } catch let e as NotReplayable {
            throw e.error
        } catch  where BusyRetry.isBusy(error) {
            throw StoreBusy(path: path, attempts: retry.attempts, underlying: "\(error)")
        }
    }
}

/// Carries a busy error out of a transaction that must not be run again.
private struct NotReplayable: Error { let error: Error }

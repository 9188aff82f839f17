import CGEOS
import Foundation

// MARK: - A time budget for GEOS operations that may not converge
//
// GEOS 3.11's overlay can run for minutes on a degenerate polygon: the wkb fuzzer found a 123-point ring on which
// GEOSMakeValid_r ran for more than 120 s (MakeValid → OverlayNGRobust's snapping tries → KdTree). landreg repairs
// with make-valid on `import … --repair` and on invalid sources of `report reclaimable`, so such a geometry in a
// file, or in a store edited by another tool, would hang those commands. GEOS 3.11 has no per-context interrupt,
// only a process-wide one: a callback GEOS calls at every interruption check, on whichever thread is working, and
// a request flag that the next check consumes. So the callback looks at the calling thread's own deadline (a
// thread-specific value, set only while a budgeted operation runs on it) and requests the interrupt only when that
// deadline has passed; GEOS then checks the flag right after the callback, on the same thread, and the operation
// returns NULL. A thread without a budget never requests one. The one gap is a race GEOS's plain flag leaves open:
// another thread's check may land between the request and its consumption, and that thread's operation fails
// instead (its error says so, see `GEOSContext.failure`); this happens only while some geometry of the same command
// is already over its budget, and that command then fails on the geometry that was.

public enum GEOSTimeBudget {
    /// Seconds one make-valid may take before it is given up. Far above what a real parcel needs (a village of
    /// 100,000 vertices repairs in well under a second); `LANDREG_GEOS_BUDGET_S` overrides it (the tests use 1).
    public static let makeValidSeconds: Double = {
        if let text = ProcessInfo.processInfo.environment["LANDREG_GEOS_BUDGET_S"], let s = Double(text), s > 0,
            s.isFinite
        {
            return s
        }
        return 60
    }()

    /// The thread-specific deadline key; creating it also installs the callback, once per process.
    private static let deadlineKey: pthread_key_t = {
        var key = pthread_key_t()
        // pthread_key_create fails only when the process is out of keys (PTHREAD_KEYS_MAX, 1024), at start-up.
        guard pthread_key_create(&key, nil) == 0 else { fatalError("pthread_key_create: no thread-specific keys left") }
        _ = GEOS_interruptRegisterCallback(interruptIfOverBudget)
        return key
    }()

    /// Runs `body` (one GEOS call) with a deadline `seconds` from now on this thread. `expired` says whether the
    /// deadline passed before `body` returned (then a NULL result from GEOS means it was interrupted).
    public static func run<R>(seconds: Double, _ body: () throws -> R) rethrows -> (result: R, expired: Bool) {
        let key = deadlineKey
        let deadline = monotonicNanoseconds() &+ UInt64(max(0, min(seconds, 1e9)) * 1e9)
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: UInt(deadline)))
        defer { pthread_setspecific(key, previous) }
        let result = try body()
        return (result, monotonicNanoseconds() >= deadline)
    }

    /// True when GEOS's message is the one its interruption raises.
    static func isInterruption(_ message: String) -> Bool { message.contains("Interrupted") }

    /// GEOS's interruption callback: requests the interrupt when the calling thread's deadline has passed.
    private static let interruptIfOverBudget: @convention(c) () -> Void = {
        guard let bits = pthread_getspecific(GEOSTimeBudget.deadlineKey) else { return }
        if monotonicNanoseconds() >= UInt64(UInt(bitPattern: bits)) { GEOS_interruptRequest() }
    }

    private static func monotonicNanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }
}

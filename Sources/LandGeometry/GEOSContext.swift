import CGEOS

// MARK: - GEOS context
//
// Policy: one `GEOSContext` per thread (it is not Sendable). It owns one GEOS context handle whose error and
// notice handlers write into a message box instead of printing; every failing call becomes a `GEOSError`
// carrying that text. Inputs are checked with `structuralProblems()` first and refused with
// `GeometryInputError`. Overlay results keep only their polygonal part (see `GeometryOperations.swift`).

/// The messages GEOS's handlers reported since the last `clear()`.
final class GEOSMessageBox {
    var error: String?
    var notice: String?
    func clear() { error = nil; notice = nil }
}

/// The result of an OGC validity check (`GEOSisValidDetail_r`).
public struct Validity: Sendable, Hashable {
    /// True when the geometry is valid in the OGC sense.
    public let isValid: Bool
    /// GEOS's reason when invalid, e.g. "Self-intersection", "Ring Self-intersection", "Hole lies outside shell".
    public let reason: String?
    /// Where the problem is, in the geometry's coordinates, when GEOS says.
    public let location: XY?

    public init(isValid: Bool, reason: String?, location: XY?) {
        self.isValid = isValid; self.reason = reason; self.location = location
    }
}

/// One GEOS context: validity, repair, overlay and predicates over pure-Swift `Geometry` values.
/// Not thread-safe: create one per thread (or per task) and keep it for many operations.
public final class GEOSContext {
    /// The GEOS context handle; valid for the life of this object.
    let handle: GEOSContextHandle_t
    let messages = GEOSMessageBox()

    /// Creates a GEOS context with handlers that collect (never print) GEOS's messages.
    public init() {
        // GEOS_init_r returns NULL only when it cannot allocate the context.
        guard let h = GEOS_init_r() else { fatalError("GEOS_init_r could not allocate a context") }
        handle = h
        let box = Unmanaged.passUnretained(messages).toOpaque() // kept alive by `self.messages`
        // The setters return the previous handler (none here); they cannot fail.
        _ = GEOSContext_setErrorMessageHandler_r(
            h,
            { message, user in
                guard let message, let user else { return }
                Unmanaged<GEOSMessageBox>.fromOpaque(user).takeUnretainedValue().error = String(cString: message)
            }, box)
        _ = GEOSContext_setNoticeMessageHandler_r(
            h,
            { message, user in
                guard let message, let user else { return }
                Unmanaged<GEOSMessageBox>.fromOpaque(user).takeUnretainedValue().notice = String(cString: message)
            }, box)
    }

    deinit {
        GEOS_finish_r(handle)
    }

    /// The error for a failed call: GEOS's last error message, else its last notice.
    func failure(_ operation: String) -> GEOSError {
        var text = messages.error ?? messages.notice ?? "GEOS reported no message"
        messages.clear()
        if GEOSTimeBudget.isInterruption(text) {
            // Only another thread's over-budget geometry can interrupt this one (GEOSTimeBudget): say so.
            text += " (interrupted because another geometry of this command ran past its time budget)"
        }
        return GEOSError(operation: operation, message: text)
    }

    /// Runs `body` on a GEOS copy of `g`, destroying the copy afterwards.
    /// - Throws: `GeometryInputError` for structural problems, `GEOSError` when GEOS refuses the geometry.
    func withGEOS<R>(_ g: Geometry, _ operation: String, _ body: (OpaquePointer) throws -> R) throws -> R {
        messages.clear()
        let p = try makeGEOS(g, operation)
        defer { GEOSGeom_destroy_r(handle, p) }
        return try body(p)
    }

    /// Runs `body` on GEOS copies of `a` and `b`.
    func withGEOS<R>(
        _ a: Geometry, _ b: Geometry, _ operation: String,
        _ body: (OpaquePointer, OpaquePointer) throws -> R
    ) throws -> R {
        try withGEOS(a, operation) { pa in try withGEOS(b, operation) { pb in try body(pa, pb) } }
    }

    /// Takes ownership of a GEOS result (NULL meaning failure), converts it and destroys it.
    func consume(_ result: OpaquePointer?, _ operation: String, polygonalOnly: Bool) throws -> Geometry {
        guard let result else { throw failure(operation) }
        defer { GEOSGeom_destroy_r(handle, result) }
        return polygonalOnly ? try polygonal(from: result, operation) : try geometry(from: result, operation)
    }

    // MARK: Validity

    /// OGC validity of `g` with GEOS's reason and location when invalid.
    /// - Throws: `GeometryInputError` for structural problems (check `structuralProblems()` first to report
    ///   them as invalidity), `GEOSError` when GEOS fails.
    public func validity(of g: Geometry) throws -> Validity {
        try withGEOS(g, "validity check") { p in
            var reason: UnsafeMutablePointer<CChar>? = nil
            var location: OpaquePointer? = nil
            // GEOSisValidDetail_r returns 1 valid, 0 invalid, 2 on exception; reason/location are ours to free.
            let r = GEOSisValidDetail_r(handle, p, 0, &reason, &location)
            defer {
                if let reason { GEOSFree_r(handle, reason) }
                if let location { GEOSGeom_destroy_r(handle, location) }
            }
            if r == 2 { throw failure("validity check") }
            if r == 1 { return Validity(isValid: true, reason: nil, location: nil) }
            var at: XY? = nil
            if let location {
                var x = 0.0, y = 0.0
                // GEOSGeomGetX_r / GetY_r return 0 on exception (e.g. not a point).
                if GEOSGeomGetX_r(handle, location, &x) != 0, GEOSGeomGetY_r(handle, location, &y) != 0 {
                    at = XY(x, y)
                }
            }
            return Validity(isValid: false, reason: reason.map { String(cString: $0) }, location: at)
        }
    }

    /// True when `g` is valid; see `validity(of:)`.
    public func isValid(_ g: Geometry) throws -> Bool { try validity(of: g).isValid }

    /// GEOS's reason text for `g` ("Valid Geometry" when valid); see `validity(of:)`.
    public func isValidReason(_ g: Geometry) throws -> String {
        let v = try validity(of: g)
        if v.isValid { return "Valid Geometry" }
        var text = v.reason ?? "Invalid"
        if let l = v.location { text += "[\(l.x) \(l.y)]" }
        return text
    }

    /// Repairs `g` with `GEOSMakeValid_r` (the "linework" method) and keeps only the polygonal part:
    /// collapsed lines and points are dropped. Returns `.polygon` when one polygon remains, else `.multiPolygon`
    /// (empty when nothing polygonal is left). A valid polygonal input comes back unchanged in shape.
    /// - Throws: `GeometryInputError` for structural problems, `GEOSError` when GEOS fails.
    /// GEOS's overlay may not converge on a degenerate polygon: after `budgetSeconds` the repair is given up
    /// (see `GEOSTimeBudget`).
    public func makeValid(_ g: Geometry, budgetSeconds: Double = GEOSTimeBudget.makeValidSeconds) throws -> Geometry {
        try withGEOS(g, "make valid") { p in
            // GEOSMakeValid_r returns NULL on exception (an interruption is one); the result is ours.
            let (result, expired) = GEOSTimeBudget.run(seconds: budgetSeconds) { GEOSMakeValid_r(handle, p) }
            if result == nil, expired {
                messages.clear()
                throw GEOSError(
                    operation: "make valid",
                    message: """
                        gave up after \(Self.seconds(budgetSeconds)) s: GEOS's overlay does not converge on this \
                        geometry (a degenerate polygon: rings that nearly touch along many vertices); correct it in a GIS
                        """)
            }
            return try consume(result, "make valid", polygonalOnly: true)
        }
    }

    private static func seconds(_ s: Double) -> String {
        s == s.rounded() && s < 1e15 ? String(Int(s)) : String(s)
    }
}

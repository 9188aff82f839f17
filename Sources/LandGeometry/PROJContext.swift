import CPROJ

// MARK: - PROJ context
//
// One PJ_CONTEXT whose log messages go into a box instead of stderr; owned by one non-Sendable object
// (a CRS lookup, a CoordinateTransform) and destroyed with it, after every PJ made from it.

/// The last message PROJ logged on a context.
final class PROJMessageBox {
    var last: String?
}

/// A PROJ context with a capturing logger. Not Sendable: one owner, one thread.
final class PROJContext {
    let ctx: OpaquePointer
    let messages = PROJMessageBox()

    init() {
        // proj_context_create returns NULL only when it cannot allocate.
        guard let c = proj_context_create() else { fatalError("proj_context_create could not allocate a context") }
        ctx = c
        let box = Unmanaged.passUnretained(messages).toOpaque() // kept alive by `self.messages`
        // proj_log_func cannot fail.
        proj_log_func(c, box) { user, _, message in
            guard let user, let message else { return }
            Unmanaged<PROJMessageBox>.fromOpaque(user).takeUnretainedValue().last = String(cString: message)
        }
    }

    deinit {
        proj_context_destroy(ctx)
    }

    /// What PROJ said about the last failure: the context's errno text and the last log message.
    func errorText() -> String {
        var parts: [String] = []
        let err = proj_context_errno(ctx)
        // proj_context_errno_string returns NULL for an unknown code.
        if err != 0, let s = proj_context_errno_string(ctx, err) {
            let text = String(cString: s)
            if !text.hasPrefix("Unknown error") { parts.append(text) }
        }
        if let m = messages.last, !parts.contains(m) { parts.append(m) }
        messages.last = nil
        return parts.isEmpty ? "PROJ gave no reason" : parts.joined(separator: ": ")
    }
}

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - What a killed writer leaves behind
//
// SIGKILL (or a crash, or power loss) cannot be caught: an output being written stays under its hidden temporary
// name. Each write therefore first creates a lock beside its target, `.NAME.landreg-lock-PID-RANDOM`, holds it with
// flock(2) for as long as the write lasts, and names its temporary (`.NAME.landreg-tmp-PID-RANDOM[.ext]`) and an old
// folder it moves aside (`.NAME.landreg-old-PID-RANDOM`) with the same token. The kernel drops a flock when its
// holder dies, however it dies, and a flock does not care about pids: a reused pid or another pid namespace (a
// container sharing the folder) cannot make a live writer's files look dead or a dead writer's look live.
//
// Every output write sweeps its target's folder first: a lock it can take (LOCK_EX | LOCK_NB) belongs to a dead
// writer, and that writer's temporary is removed, its moved-aside folder put back if the target is missing (it was
// killed between the two renames) or removed if the new output is in place, and then the lock. A lock still empty
// (its writer is between creating it and writing its pid) is left until it is an hour old. Temporaries of a landreg
// from before these locks (no lock beside them) are removed once they are an hour old and no process has their pid,
// or once they are a week old. Entries the sweep cannot open or remove (another user's) are left as they are.

enum StaleOutputs {
    enum Role: String {
        case lock = "landreg-lock", temporary = "landreg-tmp", aside = "landreg-old"
    }

    /// Files of an unheld lock younger than this are left alone when empty; lockless temporaries older are removed
    /// when their pid is gone.
    static let graceSeconds: Double = 3600
    /// Lockless temporaries older than this are removed whatever their pid (it may have been reused).
    static let abandonedSeconds: Double = 7 * 24 * 3600

    /// This process's pid and a random number: unique per write.
    static func token() -> String { "\(getpid())-\(UInt32.random(in: 0...UInt32.max))" }

    /// `FOLDER/.NAME.ROLE-TOKEN` (a temporary's extension is added by the caller).
    static func path(_ role: Role, of name: String, in folder: String, token: String) -> String {
        folder + "/." + name + "." + role.rawValue + "-" + token
    }

    static func isLock(_ path: String) -> Bool { path.contains("." + Role.lock.rawValue + "-") }

    /// A write's lock: created exclusively, held with flock until `remove()`.
    final class Lock {
        let path: String
        private var fd: Int32

        /// - Throws: `POSIXError` from the create (the folder is not writable).
        init(creating path: String) throws {
            self.path = path
            fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EACCES) }
            // Blocks only while a sweep looks at the new, still empty lock (it then leaves it alone).
            _ = flock(fd, LOCK_EX)
            // The pid makes the lock non-empty: a sweep leaves an empty one (a writer not this far yet) alone.
            let line = Array("\(getpid())\n".utf8)
            _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }

        /// Removes the lock file, then releases it.
        func remove() {
            guard fd >= 0 else { return }
            unlink(path)
            close(fd)
            fd = -1
        }

        deinit { remove() }
    }

    /// Removes what dead writers left in `folder`; never throws (a sweep that cannot act leaves things as they are).
    /// - Returns: the names removed or put back, for tests and messages.
    @discardableResult
    static func sweep(folder: String, now: Date = Date()) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        let hidden = names.filter { $0.hasPrefix(".") && $0.contains(".landreg-") }
        guard !hidden.isEmpty else { return [] }
        var swept: [String] = []
        var locked: Set<String> = [] // "NAME\u{0}TOKEN" of every lock seen, held or not

        for name in hidden {
            guard let (base, token) = parse(name, role: .lock) else { continue }
            locked.insert(base + "\u{0}" + token)
            let lockPath = folder + "/" + name
            let fd = open(lockPath, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue } // held: its writer is alive
            var opened = stat(), named = stat()
            guard fstat(fd, &opened) == 0, lstat(lockPath, &named) == 0,
                opened.st_ino == named.st_ino, opened.st_dev == named.st_dev
            else { continue } // removed or replaced since it was listed
            if opened.st_size == 0 && age(opened, now) < graceSeconds { continue }
            for entry in hidden {
                if let (b, t) = parse(entry, role: .temporary), b == base, t == token {
                    OutputFile.removeTree(folder + "/" + entry)
                    swept.append(entry)
                }
            }
            for entry in hidden {
                if let (b, t) = parse(entry, role: .aside), b == base, t == token {
                    putBackOrRemove(aside: entry, target: base, in: folder)
                    swept.append(entry)
                }
            }
            unlink(lockPath)
            swept.append(name)
        }

        // Left by a landreg from before the locks: no lock of their token.
        for name in hidden {
            for role in [Role.temporary, .aside] {
                guard let (base, token) = parse(name, role: role), !locked.contains(base + "\u{0}" + token) else {
                    continue
                }
                var info = stat()
                guard lstat(folder + "/" + name, &info) == 0 else { continue }
                let old = age(info, now)
                let pid = Int32(token.split(separator: "-").first ?? "") ?? 0
                let pidGone = pid > 0 && kill(pid, 0) != 0 && errno == ESRCH
                guard old >= abandonedSeconds || (old >= graceSeconds && pidGone) else { continue }
                if role == .temporary {
                    OutputFile.removeTree(folder + "/" + name)
                } else {
                    putBackOrRemove(aside: name, target: base, in: folder)
                }
                swept.append(name)
            }
        }
        return swept
    }

    /// `.NAME.ROLE-TOKEN[...]` → (NAME, TOKEN), TOKEN being `PID-RANDOM`; nil for another role or a stranger's name.
    static func parse(_ entry: String, role: Role) -> (String, String)? {
        guard let r = entry.range(of: "." + role.rawValue + "-", options: .backwards) else { return nil }
        let base = String(entry[entry.index(after: entry.startIndex)..<r.lowerBound])
        let rest = entry[r.upperBound...]
        // PID-RANDOM, then the end (a lock, an aside) or an extension or SQLite companion (a temporary).
        let parts = rest.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard !base.isEmpty, parts.count == 2, let pid = parts[0].first, pid.isNumber,
            parts[0].allSatisfy(\.isNumber)
        else { return nil }
        let random = parts[1].prefix { $0.isNumber }
        guard !random.isEmpty else { return nil }
        let after = parts[1].dropFirst(random.count)
        switch role {
        case .lock, .aside: guard after.isEmpty else { return nil }
        case .temporary: guard after.isEmpty || after.hasPrefix(".") || after.hasPrefix("-") else { return nil }
        }
        return (base, parts[0] + "-" + random)
    }

    /// A folder moved aside by a killed writer: back under its name if nothing took its place, else removed.
    private static func putBackOrRemove(aside: String, target: String, in folder: String) {
        var info = stat()
        if lstat(folder + "/" + target, &info) != 0 && errno == ENOENT {
            _ = rename(folder + "/" + aside, folder + "/" + target)
        } else {
            OutputFile.removeTree(folder + "/" + aside)
        }
    }

    private static func age(_ info: stat, _ now: Date) -> Double {
        now.timeIntervalSince1970 - (Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
    }
}

import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - Outputs never destroy data
//
// Every file landreg writes (exports, backups) goes through `OutputFile`: one place that refuses a dangerous target
// before any work is done, and one temporary + fsync + rename. Policy:
// - Refused always, even with --overwrite: the store (by resolved path and by device+inode, so `./x/../store.gpkg`
//   and hard links are caught), its -wal / -shm / -journal, any SQLite database (first 16 bytes), a symbolic link
//   (lstat: a link could point anywhere), a device / pipe / socket, a folder holding anything but plain files.
// - Refused without --overwrite: an existing target.
// - The folder must exist and be writable; writability is probed by creating and removing a file, since root
//   passes access(2) on a read-only mount.
// - The output is written under a hidden unique name in the target's folder (same file system: the rename is
//   atomic), fsynced, and moved into place; the folder is fsynced after. A failed or interrupted (SIGINT, SIGTERM,
//   SIGHUP) write removes its temporary and leaves the target as it was. SIGKILL cannot be caught: it may leave a
//   hidden `.NAME.landreg-tmp-…` beside the target (never a partial file under the target's name), which the next
//   output written into that folder removes (StaleOutputs.swift).

/// What an output may replace.
public struct OutputPolicy: Sendable {
    /// `--overwrite` given: an existing output file (or output folder) may be replaced.
    public var overwrite: Bool
    /// Files never written to: the store's path (its -wal, -shm and -journal are protected with it).
    public var protectedPaths: [String]
    /// What the output is: a file, or a folder (a Shapefile's). nil: whatever `write`'s body creates, checked
    /// against an existing target only after the body ran.
    public var expects: OutputKind?

    public init(overwrite: Bool = false, protectedPaths: [String] = []) {
        self.overwrite = overwrite
        self.protectedPaths = protectedPaths
        self.expects = nil
    }
}

/// The kind of thing an output is.
public enum OutputKind: Sendable, Equatable {
    case file, directory
}

/// Why an output was refused or could not be written. Nothing was changed at the target.
public struct OutputFileError: Error, LocalizedError, Equatable {
    public enum Reason: Sendable, Equatable {
        /// The target exists and --overwrite was not given.
        case exists
        /// The target is the store or one of its companions (what it is, e.g. "the store's write-ahead log x.gpkg-wal").
        case store(String)
        /// The target is an SQLite database (a store, a backup, any other database).
        case database(String)
        case symbolicLink
        case folderMissing(String)
        /// What should be the folder is a file.
        case notAFolder(String)
        case folderNotWritable(String, String)
        /// A file is expected and the target is a directory.
        case directory
        /// A directory is expected and the target is a file.
        case notDirectory
        /// A device, pipe or socket.
        case special
        /// A directory target holding something an export does not write (a subfolder, a link, a database).
        case folderContents(String)
        /// The target cannot be read to tell what it is.
        case unreadable(String)
        /// Writing, syncing or moving into place failed.
        case failed(String)
    }

    public let path: String
    public let reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var errorDescription: String? {
        let unchanged = "nothing was written"
        switch reason {
        case .exists:
            return "\(path) already exists; pass --overwrite to replace it (\(unchanged))"
        case .store(let what):
            return "\(path) is \(what); an output never replaces the store, even with --overwrite (\(unchanged))"
        case .database(let note):
            return
                "\(path) is an SQLite database; an output never replaces a database, even with --overwrite\(note) (\(unchanged))"
        case .symbolicLink:
            return
                "\(path) is a symbolic link; outputs are never written through a link, give the real path (\(unchanged))"
        case .folderMissing(let folder):
            return "folder \(folder) does not exist; create it first (\(unchanged) to \(path))"
        case .notAFolder(let folder):
            return "\(folder) is a file, not a folder (\(unchanged) to \(path))"
        case .folderNotWritable(let folder, let why):
            return "folder \(folder) is not writable (\(why)); \(unchanged) to \(path)"
        case .directory:
            return "\(path) is a directory; a file is expected here (\(unchanged))"
        case .notDirectory:
            return "\(path) is a file; a folder is expected here (\(unchanged))"
        case .special:
            return "\(path) is a device, pipe or socket; outputs are written to plain files only (\(unchanged))"
        case .folderContents(let what):
            return
                "\(path) holds \(what), which an export does not write; it is not replaced, even with --overwrite (\(unchanged))"
        case .unreadable(let why):
            return "\(path) cannot be read to tell what it is (\(why)); \(unchanged)"
        case .failed(let why):
            return "cannot write \(path): \(why) (no file was left there; an earlier file is unchanged)"
        }
    }
}

public enum OutputFile {
    /// Refuses a target before any work is done (so a long export fails at once).
    /// - Throws: `OutputFileError` naming the path and the reason.
    public static func check(_ path: String, policy: OutputPolicy) throws {
        _ = try inspect(path, policy: policy, database: nil, probe: true)
    }

    /// Checks, then calls `body` with a temporary path beside the target (same folder, hidden unique name);
    /// `body` creates a file — or a directory, for a Shapefile folder — there; when it returns the result is
    /// fsynced and renamed into place (an existing target is replaced only with overwrite; a directory target
    /// is replaced by moving the old one aside first and removing it only after the new one is in place).
    /// If `body` throws, or the process is interrupted, nothing is left at the target and the temporary is removed.
    /// - Throws: `OutputFileError`, or what `body` throws.
    public static func write<T>(to path: String, policy: OutputPolicy, _ body: (String) throws -> T) throws -> T {
        try write(to: path, policy: policy, database: nil, body)
    }

    /// A database an output may replace with --overwrite (for `backup`: an earlier landreg backup).
    struct ReplaceableDatabase: Sendable {
        /// Added to the refusal of any other database.
        let note: String
        /// True when the database at the path may be replaced.
        let accepts: @Sendable (String) -> Bool
    }

    static func check(_ path: String, policy: OutputPolicy, database: ReplaceableDatabase?) throws {
        _ = try inspect(path, policy: policy, database: database, probe: true)
    }

    static func write<T>(
        to path: String, policy: OutputPolicy, database: ReplaceableDatabase?,
        _ body: (String) throws -> T
    ) throws -> T {
        let target = try inspect(path, policy: policy, database: database, probe: false)
        // Whatever earlier landreg processes killed mid-write (SIGKILL, a crash, power loss) left in this folder.
        StaleOutputs.sweep(folder: target.folder)
        // One token names this write's lock, temporary and moved-aside folder: the sweep of a later run finds all
        // three from the lock. The temporary keeps the target's extension last: GDAL's drivers choose what to
        // create from it (CSV: a file, not a folder; GeoPackage: no warning about a non-.gpkg name).
        let token = StaleOutputs.token()
        let ext = (target.name as NSString).pathExtension
        let temporary =
            StaleOutputs.path(.temporary, of: target.name, in: target.folder, token: token)
            + (ext.isEmpty ? "" : "." + ext)
        let lockPath = StaleOutputs.path(.lock, of: target.name, in: target.folder, token: token)
        // The clean-up on a signal covers the lock and the temporary from before they first exist: a signal between
        // a create and the matching unlink would otherwise leave one behind.
        Interruption.shared.begin(temporary: lockPath)
        Interruption.shared.begin(temporary: temporary)
        var placed = false
        // Creating the lock is the writability probe: its error is the folder's. It is held (flock) until the
        // temporary is gone, so a later run never removes the temporary of a live writer.
        let lock: StaleOutputs.Lock
        do { lock = try StaleOutputs.Lock(creating: lockPath) } catch let error as POSIXError {
            Interruption.shared.end(temporary: temporary)
            Interruption.shared.end(temporary: lockPath)
            throw OutputFileError(
                path: path,
                reason: .folderNotWritable(target.folderAsGiven, String(cString: strerror(error.code.rawValue))))
        }
        defer {
            if !placed { removeTree(temporary) }
            Interruption.shared.end(temporary: temporary)
            // The lock goes last: a SIGKILL before this leaves a lock a later run finds unheld, with its temporary.
            lock.remove()
            Interruption.shared.end(temporary: lockPath)
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw OutputFileError(
                path: path, reason: .folderNotWritable(target.folderAsGiven, String(cString: strerror(errno))))
        }
        close(fd)
        unlink(temporary)
        let result = try body(temporary)

        var info = stat()
        guard lstat(temporary, &info) == 0 else {
            throw OutputFileError(path: path, reason: .failed("the writer left nothing at the temporary \(temporary)"))
        }
        let kind: OutputKind
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .file
        case S_IFDIR: kind = .directory
        default:
            throw OutputFileError(
                path: path, reason: .failed("the writer made something that is neither a file nor a folder"))
        }
        if let expected = policy.expects, expected != kind {
            throw OutputFileError(
                path: path,
                reason: .failed(
                    "the writer made a \(kind == .file ? "file" : "folder") where a \(expected == .file ? "file" : "folder") is expected"
                ))
        }
        try syncTree(temporary, kind: kind, reportingAs: path)

        // Look again right before the move: during a long export someone may have put something there.
        var final = policy
        final.expects = kind
        let now = try inspect(path, policy: final, database: database, probe: false)
        try Interruption.shared.critical {
            try place(temporary, kind: kind, at: now, token: token)
            placed = true
        }
        syncFolder(now.folder)
        return result
    }

    // MARK: Inspecting a target

    /// A target after resolving its folder.
    struct Target {
        /// The folder as the user wrote it (for messages).
        let folderAsGiven: String
        /// realpath of the folder.
        let folder: String
        let name: String
        var full: String { folder + "/" + name }
        /// What is there now (nil: nothing).
        let existing: OutputKind?
        let path: String
    }

    private static func inspect(
        _ path: String, policy: OutputPolicy, database: ReplaceableDatabase?,
        probe: Bool
    ) throws -> Target {
        func refuse(_ reason: OutputFileError.Reason) -> OutputFileError { OutputFileError(path: path, reason: reason) }
        guard !path.isEmpty else { throw refuse(.failed("the path is empty")) }
        let (folderAsGiven, name) = split(path)
        guard !name.isEmpty, name != ".", name != ".." else { throw refuse(.directory) }
        guard let folder = realPath(folderAsGiven) else {
            let code = errno
            if code == ENOENT { throw refuse(.folderMissing(folderAsGiven)) }
            if code == ENOTDIR { throw refuse(.notAFolder(folderAsGiven)) }
            throw refuse(.folderNotWritable(folderAsGiven, String(cString: strerror(code))))
        }
        var folderInfo = stat()
        guard stat(folder, &folderInfo) == 0, (folderInfo.st_mode & S_IFMT) == S_IFDIR else {
            throw refuse(.notAFolder(folderAsGiven))
        }
        let full = folder + "/" + name

        // The store and its companions, by resolved name (they need not exist: a -wal appears while it is open).
        var protectedInodes: [(dev: UInt64, ino: UInt64, what: String)] = []
        for store in policy.protectedPaths where !store.isEmpty {
            for (suffix, role) in [
                ("", "the store"), ("-wal", "the store's write-ahead log"),
                ("-shm", "the store's shared-memory index"), ("-journal", "the store's rollback journal")
            ] {
                let p = store + suffix
                let what = "\(role) \(p)"
                let (pf, pn) = split(p)
                if let pfReal = realPath(pf), pfReal + "/" + pn == full { throw refuse(.store(what)) }
                // A store reached through a link: its real file counts too.
                if let real = realPath(p), real == full { throw refuse(.store(what)) }
                var s = stat()
                if stat(p, &s) == 0 {
                    protectedInodes.append(
                        (UInt64(s.st_dev), UInt64(s.st_ino), what + " under another name (a hard link)"))
                }
            }
        }

        var info = stat()
        var existing: OutputKind?
        if lstat(full, &info) == 0 {
            for p in protectedInodes where p.dev == UInt64(info.st_dev) && p.ino == UInt64(info.st_ino) {
                throw refuse(.store(p.what))
            }
            switch info.st_mode & S_IFMT {
            case S_IFLNK:
                throw refuse(.symbolicLink)
            case S_IFREG:
                existing = .file
                // A database first: its refusal (never, even with --overwrite) is the one that matters.
                if try isSQLite(full, path: path) {
                    guard let database, database.accepts(full) else { throw refuse(.database(database?.note ?? "")) }
                }
                if policy.expects == .directory { throw refuse(.notDirectory) }
            case S_IFDIR:
                existing = .directory
                if policy.expects == .file { throw refuse(.directory) }
                try checkReplaceableFolder(full, path: path, protectedInodes: protectedInodes.map { ($0.dev, $0.ino) })
            default:
                throw refuse(.special)
            }
            if !policy.overwrite { throw refuse(.exists) }
        } else if errno != ENOENT {
            throw refuse(.unreadable(String(cString: strerror(errno))))
        }

        if probe {
            let probePath = folder + "/." + name + ".landreg-probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            let fd = open(probePath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw refuse(.folderNotWritable(folderAsGiven, String(cString: strerror(errno)))) }
            close(fd)
            unlink(probePath)
        }
        return Target(folderAsGiven: folderAsGiven, folder: folder, name: name, existing: existing, path: path)
    }

    /// A folder output may replace a folder of plain files only, none of them a database or protected.
    private static func checkReplaceableFolder(_ folder: String, path: String, protectedInodes: [(UInt64, UInt64)])
        throws
    {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw OutputFileError(path: path, reason: .unreadable(error.localizedDescription))
        }
        for name in names.sorted() {
            let entry = folder + "/" + name
            var info = stat()
            guard lstat(entry, &info) == 0 else { continue }
            if protectedInodes.contains(where: { $0.0 == UInt64(info.st_dev) && $0.1 == UInt64(info.st_ino) }) {
                throw OutputFileError(path: path, reason: .folderContents("the store (\(name))"))
            }
            guard (info.st_mode & S_IFMT) == S_IFREG else {
                throw OutputFileError(path: path, reason: .folderContents("\(name), which is not a plain file"))
            }
            if try isSQLite(entry, path: path) {
                throw OutputFileError(path: path, reason: .folderContents("the SQLite database \(name)"))
            }
        }
    }

    /// True when the file starts with SQLite's 16-byte header string.
    static func isSQLite(_ file: String, path: String) throws -> Bool {
        let fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw OutputFileError(path: path, reason: .unreadable(String(cString: strerror(errno)))) }
        defer { close(fd) }
        var header = [UInt8](repeating: 0, count: 16)
        let n = header.withUnsafeMutableBytes { read(fd, $0.baseAddress, 16) }
        return n == 16 && header == Array("SQLite format 3\u{0}".utf8)
    }

    // MARK: Placing the result

    private static func place(_ temporary: String, kind: OutputKind, at target: Target, token: String) throws {
        func fail(_ what: String) -> OutputFileError {
            OutputFileError(path: target.path, reason: .failed("\(what): \(String(cString: strerror(errno)))"))
        }
        switch (kind, target.existing) {
        case (.file, nil):
            // link(2) fails with EEXIST instead of replacing: the no-clobber rename.
            if link(temporary, target.full) == 0 {
                unlink(temporary)
            } else if errno == EEXIST {
                throw OutputFileError(path: target.path, reason: .exists)
            } else if errno == EPERM || errno == EOPNOTSUPP || errno == ENOSYS {
                // A file system without hard links: checked absent just before.
                guard rename(temporary, target.full) == 0 else { throw fail("cannot move the written file into place") }
            } else {
                throw fail("cannot move the written file into place")
            }
        case (.file, .file?):
            guard rename(temporary, target.full) == 0 else { throw fail("cannot move the written file into place") }
        case (.directory, nil):
            guard rename(temporary, target.full) == 0 else { throw fail("cannot move the written folder into place") }
        case (.directory, .directory?):
            let aside = StaleOutputs.path(.aside, of: target.name, in: target.folder, token: token)
            guard rename(target.full, aside) == 0 else { throw fail("cannot move the old folder aside") }
            Interruption.shared.noteAside(aside, of: target.full)
            guard rename(temporary, target.full) == 0 else {
                let error = fail("cannot move the written folder into place")
                _ = rename(aside, target.full)
                Interruption.shared.noteAside(nil, of: target.full)
                throw error
            }
            Interruption.shared.noteAside(nil, of: target.full)
            syncFolder(target.folder)
            removeTree(aside)
        default:
            throw OutputFileError(path: target.path, reason: kind == .file ? .directory : .notDirectory)
        }
    }

    // MARK: File system helpers

    /// (folder, name) of a path: "a/b" → ("a", "b"), "b" → (".", "b"), "a/b/" → ("a", "b").
    static func split(_ path: String) -> (String, String) {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        guard let slash = p.lastIndex(of: "/") else { return (".", p) }
        let folder = String(p[..<slash])
        return (folder.isEmpty ? "/" : folder, String(p[p.index(after: slash)...]))
    }

    static func realPath(_ path: String) -> String? {
        guard let r = realpath(path, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    private static func syncTree(_ path: String, kind: OutputKind, reportingAs target: String) throws {
        var files = [path]
        if kind == .directory {
            let names = (try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []
            files = names.map { path + "/" + $0 } + [path]
        }
        for file in files {
            let fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { continue }
            // EINVAL / EROFS: a file system that cannot sync (nothing more can be done there).
            if fsync(fd) != 0 && errno != EINVAL && errno != EROFS {
                let why = String(cString: strerror(errno))
                close(fd)
                throw OutputFileError(path: target, reason: .failed("cannot sync the written data: \(why)"))
            }
            close(fd)
        }
    }

    /// Makes a rename in `folder` durable.
    private static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Removes a file or folder and the companions a SQLite writer may leave beside it.
    static func removeTree(_ path: String) {
        for p in [path, path + "-journal", path + "-wal", path + "-shm"] {
            var info = stat()
            guard lstat(p, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR { try? FileManager.default.removeItem(atPath: p) } else { unlink(p) }
        }
    }
}

// MARK: - Interruption

/// While an output is being written, SIGINT, SIGTERM and SIGHUP remove its temporary (and put back a folder
/// moved aside) before the process ends with 128 + the signal; a signal that was ignored when landreg started (a
/// background job's SIGINT, nohup's SIGHUP) stays ignored. The handler only records the signal (atomically) and
/// wakes a clean-up thread through a pipe; that thread takes the lock the move into place holds, so the clean-up
/// never runs half-way through a move. The move itself looks at the recorded signal first, under the same lock:
/// a signal that arrived while the output was written is obeyed even when the clean-up thread has not been
/// scheduled yet (on a loaded machine it may not be, for a while: with a dispatch signal source, an export
/// signalled mid-write could finish, put its file in place and exit 0).
/// The three are also unblocked on the writing thread meanwhile: a process started from a thread that blocks them
/// inherits that mask (Foundation's Process launched from a dispatch worker does: every signal but a few is
/// blocked there), and a blocked SIGTERM would wait, pending, until the export had put its file in place.
/// SIGXFSZ is ignored meanwhile so that a file-size limit surfaces as a write error (EFBIG), cleaned up like any.
final class Interruption: @unchecked Sendable {
    static let shared = Interruption()

    private let lock = NSLock()
    private var temporaries: Set<String> = []
    private var asides: [String: String] = [:]
    private var previous: [(Int32, sigaction)] = []
    private var previousMask = sigset_t()
    private static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    /// The signal received while outputs were open (0: none). Written by the handler: a lock-free atomic.
    fileprivate static let received = Atomic<Int32>(0)
    /// The self-pipe: the handler writes the signal number to `wakeWrite`; the clean-up thread reads `wakeRead`.
    fileprivate nonisolated(unsafe) static var wakeWrite: Int32 = -1
    private var wakeRead: Int32 = -1

    private init() {
        var fds: [Int32] = [-1, -1]
        // pipe fails only when the process is out of descriptors; outputs then stay without clean-up on a signal.
        guard pipe(&fds) == 0 else { return }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        wakeRead = fds[0]
        Self.wakeWrite = fds[1]
        let cleaner = Thread { [unowned self] in
            var sig: Int32 = 0
            while read(self.wakeRead, &sig, MemoryLayout<Int32>.size) == MemoryLayout<Int32>.size {
                self.interrupted(by: sig)
            }
        }
        cleaner.name = "landreg output clean-up"
        cleaner.start()
    }

    func begin(temporary: String) {
        lock.lock(); defer { lock.unlock() }
        if temporaries.isEmpty {
            previous = []
            for sig in Self.signals {
                var old = sigaction()
                sigaction(sig, nil, &old)
                if Self.isIgnored(old) { continue } // ignored on entry: keep it so
                var action = sigaction()
                action.__sigaction_handler.sa_handler = interruptionSignalHandler
                sigemptyset(&action.sa_mask)
                action.sa_flags = SA_RESTART
                sigaction(sig, &action, nil)
                previous.append((sig, old))
            }
            var ignore = sigaction(), old = sigaction()
            ignore.__sigaction_handler.sa_handler = SIG_IGN
            sigaction(SIGXFSZ, &ignore, &old)
            previous.append((SIGXFSZ, old))
            var handled = sigset_t()
            sigemptyset(&handled)
            for sig in Self.signals { sigaddset(&handled, sig) }
            pthread_sigmask(SIG_UNBLOCK, &handled, &previousMask)
        }
        temporaries.insert(temporary)
    }

    func end(temporary: String) {
        lock.lock(); defer { lock.unlock() }
        temporaries.remove(temporary)
        if temporaries.isEmpty {
            for (sig, old) in previous {
                var restore = old
                sigaction(sig, &restore, nil)
            }
            previous = []
            pthread_sigmask(SIG_SETMASK, &previousMask, nil)
            // A signal between the move into place and here: the output is complete and stays; landreg still
            // ends as the signal asked.
            let sig = Self.received.load(ordering: .sequentiallyConsistent)
            if sig != 0 { _exit(128 + sig) }
        }
    }

    /// Runs `body` (a move into place) with the clean-up held off; a signal already received stops it first.
    func critical(_ body: () throws -> Void) throws {
        lock.lock(); defer { lock.unlock() }
        let sig = Self.received.load(ordering: .sequentiallyConsistent)
        if sig != 0 { cleanUpAndExit(sig) }
        try body()
    }

    private static func isIgnored(_ action: sigaction) -> Bool {
        guard let handler = action.__sigaction_handler.sa_handler else { return false } // SIG_DFL
        return unsafeBitCast(handler, to: Int.self) == 1 // SIG_IGN is the handler address 1
    }

    /// Called with the lock held (inside `critical`).
    func noteAside(_ aside: String?, of target: String) { asides[target] = aside }

    private func interrupted(by sig: Int32) {
        lock.lock()
        cleanUpAndExit(sig)
    }

    /// With the lock held: removes the temporaries, puts back what was moved aside, and ends the process.
    private func cleanUpAndExit(_ sig: Int32) -> Never {
        // Locks last: a temporary must never be left without its lock.
        for t in temporaries.sorted(by: { !StaleOutputs.isLock($0) && StaleOutputs.isLock($1) }) {
            OutputFile.removeTree(t)
        }
        for (target, aside) in asides {
            var info = stat()
            if lstat(target, &info) != 0 { _ = rename(aside, target) }
        }
        _exit(128 + sig)
    }
}

/// The signal handler: async-signal-safe (an atomic store and a write(2)); the clean-up runs on its own thread.
private func interruptionSignalHandler(_ sig: Int32) {
    Interruption.received.store(sig, ordering: .sequentiallyConsistent)
    var value = sig
    _ = write(Interruption.wakeWrite, &value, MemoryLayout<Int32>.size)
}

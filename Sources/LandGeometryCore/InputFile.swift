import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - Every input file is a regular file
//
// Policy: a path the user names as input (an import's file, --evidence, --thresholds, evidence paths in CSV rows,
// the store) is looked at with stat(2), which follows symlinks, before anything opens it. Opening a FIFO for
// reading blocks until some other process opens it for writing, a character device may never end, and a
// directory "reads" as an error far from the cause; so anything but a regular file is refused with what it is.
// This lives in LandGeometryCore because the GeoJSON reader (LandGeoJSON) stands on it and LandRegistry and
// LandAnalysis see it through LandGeometry: one implementation for every reader. (A file swapped between this check and the open is not guarded against:
// that takes another process racing the user's own command.)

/// A path that cannot be used as an input file, and why, in words a user can act on.
public struct InputFileError: Error, LocalizedError, Equatable, Sendable {
    /// The path as the user gave it.
    public let path: String
    /// What the file was meant to be ("evidence file", "thresholds", "import file"), for the message.
    public let role: String
    /// What is wrong, without the path: "is a FIFO, not a regular file", "no such file", …
    public let problem: String
    /// Whether the path names something that is not a regular file (else: nothing there, or not readable).
    public let isNotARegularFile: Bool

    public var errorDescription: String? { "\(role) \(path): \(problem)" }
}

public enum InputFile {
    /// Checks that `path` names a regular file (after following symlinks) that this process may read, without
    /// opening anything that is not a regular file.
    /// - Parameter role: what the file is for, the first words of the message ("evidence file").
    /// - Throws: `InputFileError`: "no such file", "is a directory, not a regular file" (likewise a FIFO, a socket,
    ///   a character device, a block device), "cannot be read (permission denied)".
    public static func regular(_ path: String, role: String) throws {
        func refuse(_ problem: String, notRegular: Bool = false) -> InputFileError {
            InputFileError(path: path, role: role, problem: problem, isNotARegularFile: notRegular)
        }
        if path.isEmpty { throw refuse("no such file (the path is empty)") }
        var info = stat()
        guard stat(path, &info) == 0 else { throw refuse(reason(errno)) }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else { throw refuse("is \(describe(kind)), not a regular file", notRegular: true) }
        // Now that it is known to be a regular file, opening it cannot block; open rather than access(2) so that
        // the answer is the one the reader will get (effective ids, ACLs, read-only mounts).
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { throw refuse(reason(errno)) }
        _ = close(fd)
    }

    /// What a file type is, with its article: "a directory", "a FIFO".
    static func describe(_ kind: mode_t) -> String {
        switch kind {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFLNK: return "a symbolic link" // not seen: stat follows links
        default: return "of an unknown kind (mode \(String(kind, radix: 8)))"
        }
    }

    static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT, ENOTDIR: return "no such file"
        case EACCES, EPERM: return "cannot be read (permission denied)"
        case ELOOP: return "cannot be read (a loop of symbolic links)"
        default: return "cannot be read (\(String(cString: strerror(code))))"
        }
    }
}

import Foundation

// MARK: - Where a store is: a GeoPackage file, or a PostgreSQL + PostGIS database
//
// `--store` (and $LANDREG_STORE) takes either a path or a libpq connection URI, `postgresql://[user@]host[:port]/db`
// or `postgresql:///db?host=/socket/folder`. The URI is passed to libpq as it is (so every libpq parameter and
// environment variable — PGPASSWORD, ~/.pgpass, sslmode — works as in psql); landreg prints it without password.

public enum StoreLocation: Equatable, Sendable {
    case geoPackage(path: String)
    case postgres(url: String)

    public init(_ text: String) {
        let lower = text.lowercased()
        if lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://") {
            self = .postgres(url: text)
        } else {
            self = .geoPackage(path: text)
        }
    }

    /// The location for messages: a path as given, a URI without its password.
    public var display: String {
        switch self {
        case .geoPackage(let path): return path
        case .postgres(let url): return Self.redacted(url)
        }
    }

    /// `url` with the password of `user:password@` and of a `password=` parameter replaced by `***`.
    public static func redacted(_ url: String) -> String {
        var out = url
        if let scheme = out.range(of: "://") {
            let rest = out[scheme.upperBound...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@"),
                let colon = rest[..<at].firstIndex(of: ":")
            {
                out.replaceSubrange(rest.index(after: colon)..<at, with: "***")
            }
        }
        if let r = out.range(of: "password=", options: .caseInsensitive) {
            let end = out[r.upperBound...].firstIndex(of: "&") ?? out.endIndex
            out.replaceSubrange(r.upperBound..<end, with: "***")
        }
        return out
    }
}

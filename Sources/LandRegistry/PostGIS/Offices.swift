import CLibPQ
import Foundation

// MARK: - Offices of a district store: a PostgreSQL login role per 街道 office
//
// `landreg office add NAME --subdistrict CODE` creates the role NAME (LOGIN, in the group landreg_office) and files
// it under CODE in landreg.offices; from then on PostgreSQL's row-level security (PostGISSchema) lets that role read
// the whole district and insert or change only rows of CODE. A password, when given, is hashed by libpq on this
// machine (SCRAM-SHA-256) before it is sent, so it never appears in the server's statement log.

public struct Office: Sendable, Equatable, Codable {
    public let role: String
    public let subdistrict: String
    public let createdAt: String
    public let createdBy: String
}

public enum Offices {
    /// A role name landreg creates: lower-case ASCII letters, digits and _, starting with a letter, ≤ 63 bytes.
    public static func checkName(_ name: String) throws {
        let ok =
            (1...63).contains(name.utf8.count) && name.first.map { $0 >= "a" && $0 <= "z" } == true
            && name.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "_" }
        guard ok, !name.hasPrefix("pg_"), !name.hasPrefix("landreg_") else {
            throw PostGISStoreError(
                "office name '\(name)': use lower-case letters, digits and _, starting with a letter (not pg_… or landreg_…)"
            )
        }
    }

    /// Creates the office's role and files it. Refused when the store has no schema yet, the role exists or the
    /// code is not a subdistrict code.
    public static func add(url: String, name: String, subdistrict: String, password: String?) throws -> Office {
        try checkName(name)
        try StoreCopy.checkSubdistrict(subdistrict)
        let pg = try PGConnection(url: url)
        guard try PostGISSchema.installed(pg) != nil else {
            throw PostGISStoreError("\(pg.displayURL) holds no landreg store yet: load one with `landreg copy` first")
        }
        try pg.execute("BEGIN")
        do {
            if try pg.scalar("SELECT 1 FROM pg_roles WHERE rolname = $1", [name]) != nil {
                throw PostGISStoreError("\(pg.displayURL): a role named \(name) exists already")
            }
            var create = "CREATE ROLE \(PGConnection.identifier(name)) LOGIN IN ROLE \(PostGISSchema.officeRole)"
            if let password {
                create += " PASSWORD " + PGConnection.literal(try pg.hashedPassword(password, role: name))
            }
            try pg.execute(create)
            try pg.execute("INSERT INTO landreg.offices (role_name, subdistrict) VALUES ($1, $2)", [name, subdistrict])
            let office = try list(pg).first { $0.role == name }!
            try pg.execute("COMMIT")
            return office
        } catch {
            _ = try? pg.execute("ROLLBACK")
            throw error
        }
    }

    public static func list(url: String) throws -> [Office] { try list(try PGConnection(url: url)) }

    static func list(_ pg: PGConnection) throws -> [Office] {
        guard try PostGISSchema.installed(pg) != nil else { return [] }
        return try pg.execute(
            """
            SELECT role_name, subdistrict, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), created_by
            FROM landreg.offices ORDER BY subdistrict, role_name
            """
        ).rows.map { Office(role: $0[0]!, subdistrict: $0[1]!, createdAt: $0[2]!, createdBy: $0[3]!) }
    }
}

extension PGConnection {
    /// The password as the server's configured hash (SCRAM-SHA-256 by default), computed here.
    func hashedPassword(_ password: String, role: String) throws -> String {
        guard let hashed = withRawHandle({ PQencryptPasswordConn($0, password, role, nil) }) else {
            throw PostgresError(sqlState: nil, message: "the password cannot be hashed")
        }
        defer { PQfreemem(hashed) }
        return String(cString: hashed)
    }
}

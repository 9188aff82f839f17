import Foundation

/// A throw-away PostgreSQL + PostGIS cluster for the tests of the PostGIS store: started once per test process by
/// tools/pg/cluster.sh in a temporary folder (Unix socket only, no TCP, no system service) and stopped when the
/// process exits. Each test takes a database of its own (`freshDatabase`). A missing PostgreSQL fails the test,
/// saying what to install.
final class PostgresCluster: @unchecked Sendable {
    let dir: String
    private static let lock = NSLock()
    nonisolated(unsafe) private static var started: PostgresCluster?
    nonisolated(unsafe) private static var databases = 0

    private init(dir: String) { self.dir = dir }

    static func shared() throws -> PostgresCluster {
        lock.lock()
        defer { lock.unlock() }
        if let started { return started }
        // Under /tmp whatever $TMPDIR says: as root the server runs as `postgres`, which must reach the folder
        // (a $TMPDIR inside /root would be closed to it), and .ci/run looks there for a cluster left behind.
        let dir = "/tmp/landreg-e2e-" + UUID().uuidString + "-pg"
        let r = try CLI.run("/bin/bash", [CLI.repo.appendingPathComponent("tools/pg/cluster.sh").path, "start", dir])
        guard r.status == 0 else {
            throw CLI.MissingTool(
                description: "the test PostgreSQL cluster did not start (run tools/install-deps.sh: "
                    + "postgresql-15-postgis-3): \(r.stderr.suffix(600))")
        }
        let cluster = PostgresCluster(dir: dir)
        started = cluster
        atexit {
            guard let c = PostgresCluster.started else { return }
            _ = try? CLI.run("/bin/bash", [CLI.repo.appendingPathComponent("tools/pg/cluster.sh").path, "stop", c.dir])
            try? FileManager.default.removeItem(atPath: c.dir)
        }
        return cluster
    }

    /// The store URL of database `name` as role `user` (trusted on the socket).
    func url(database: String, user: String = "landreg_admin") -> String {
        "postgresql:///\(database)?host=\(dir)&user=\(user)"
    }

    /// A new database with PostGIS, for one test.
    func freshDatabase() throws -> String {
        Self.lock.lock()
        Self.databases += 1
        let name = "t\(Self.databases)_\(UInt32.random(in: 0...UInt32.max))"
        Self.lock.unlock()
        let r = try psql("CREATE DATABASE \(name)", database: "postgres")
        guard r.status == 0 else { throw CLI.MissingTool(description: "CREATE DATABASE failed: \(r.stderr)") }
        let e = try psql("CREATE EXTENSION postgis", database: name)
        guard e.status == 0 else { throw CLI.MissingTool(description: "PostGIS is not installed: \(e.stderr)") }
        return name
    }

    /// psql, unaligned and quiet, stopping at the first error; `input` is fed on stdin when given.
    func psql(_ sql: String, database: String, user: String = "landreg_admin") throws -> CLI.Result {
        try CLI.run(
            "/usr/bin/psql",
            ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", dir, "-d", database, "-U", user, "-c", sql])
    }

    /// The single value a query returns.
    func value(_ sql: String, database: String, user: String = "landreg_admin") throws -> String {
        let r = try psql(sql, database: database, user: user)
        guard r.status == 0 else { throw CLI.MissingTool(description: "psql: \(sql): \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

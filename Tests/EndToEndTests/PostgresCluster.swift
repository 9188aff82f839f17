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

    /// A psql session inside an open transaction that has run `sql` (a lock to hold).
    final class Holder {
        let process: Process
        let input: Pipe
        init(process: Process, input: Pipe) { self.process = process; self.input = input }

        /// Ends the transaction (COMMIT or ROLLBACK) and the session.
        func end(_ how: String) throws {
            input.fileHandleForWriting.write(Data("\(how);\n\\q\n".utf8))
            try input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    /// Starts a psql session that runs `BEGIN; sql;` and returns once the server has run it (the session is then
    /// idle in its transaction, holding what `sql` took): a landreg started after this finds the lock taken.
    func holdInTransaction(_ sql: String, database: String) throws -> Holder {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = ["-X", "-q", "-h", dir, "-d", database, "-U", "landreg_admin"]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data("BEGIN; \(sql);\n".utf8))
        for _ in 0..<400 {
            let idle = try value(
                """
                SELECT count(*) FROM pg_stat_activity WHERE application_name = 'psql' AND datname = current_database()
                AND state = 'idle in transaction'
                """, database: database)
            if idle != "0" { return Holder(process: process, input: input) }
            usleep(25_000)
        }
        throw CLI.MissingTool(description: "psql never ran \(sql)")
    }

    /// Waits (up to 10 s) until a landreg process waits for an advisory lock (a change lock another session holds);
    /// false if none did.
    func landregWaitsForAnAdvisoryLock(database: String) throws -> Bool {
        for _ in 0..<200 {
            let n = try value(
                """
                SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE NOT l.granted AND l.locktype = 'advisory' AND a.application_name = 'landreg'
                """, database: database)
            if n != "0" { return true }
            usleep(50_000)
        }
        return false
    }

    /// Runs landreg with `arguments` while another session holds `lock` (a LOCK TABLE statement, in its own open
    /// transaction); once landreg waits for that lock in a statement like `pattern` (LIKE, on pg_stat_activity's
    /// query), it is killed (SIGKILL) inside its transaction, the lock is released, and this returns when the server
    /// has noticed the lost client. Returns whether landreg reached the lock, and whether the signal ended it.
    func killWhileWaiting(_ arguments: [String], lock: String, pattern: String = "%", database: String) throws
        -> (reached: Bool, killed: Bool)
    {
        let holder = try holdInTransaction(lock, database: database)
        let landreg = Process()
        landreg.executableURL = URL(fileURLWithPath: CLI.binary)
        landreg.arguments = arguments
        landreg.standardOutput = FileHandle.nullDevice
        landreg.standardError = FileHandle.nullDevice
        try landreg.run()
        var reached = false
        for _ in 0..<400 {
            let n = try value(
                """
                SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE NOT l.granted AND a.application_name = 'landreg' AND a.query LIKE \(
                    "'" + pattern.replacingOccurrences(of: "'", with: "''") + "'")
                """, database: database)
            if n != "0" { reached = true; break }
            usleep(50_000)
        }
        kill(landreg.processIdentifier, SIGKILL)
        landreg.waitUntilExit()
        try holder.end("ROLLBACK")
        for _ in 0..<200 {
            let left = try value(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'landreg'", database: database)
            if left == "0" { break }
            usleep(50_000)
        }
        return (reached, landreg.terminationReason == .uncaughtSignal)
    }
}

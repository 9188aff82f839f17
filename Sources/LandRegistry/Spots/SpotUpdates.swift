import Foundation
import GRDB
import LandGeometry

// MARK: - Bulk lifecycle updates from field teams (`import spot-updates FILE.csv`)
//
// Columns: code, action, and the step options as columns (judgement, basis, approval, measure, deadline,
// restored_m2, recultivated_m2, remaining_m2, reason, doc) plus note, on, actor, evidence per row. Empty cells
// mean "not given"; a row's missing actor / date / note fall back to the command's. Rows apply in file order
// inside one transaction (a row may act on the spot as an earlier row left it); every bad row is listed
// (line, code, problem) and if there is any, nothing is applied. A relative evidence path is taken relative
// to the CSV file's folder (field teams send photos beside the sheet); it is stored like --evidence (see `Evidence`).

/// What a bulk update did.
public struct SpotUpdatesReport: Sendable, Codable {
    public let file: String
    public let applied: [SpotStepResult]
    public let dryRun: Bool
}

/// One bad row of a bulk update.
public struct SpotUpdateProblem: Sendable, Codable, Equatable, CustomStringConvertible {
    /// The 1-based line of the CSV where the row starts (the header is line 1).
    public let line: Int
    public let code: String?
    public let message: String
    public var description: String { "line \(line)" + (code.map { " (\($0))" } ?? "") + ": " + message }
}

/// A bulk update refused: every bad row, nothing applied.
public struct SpotUpdatesFailed: Error, LocalizedError, Sendable {
    public let file: String
    public let problems: [SpotUpdateProblem]
    public var errorDescription: String? {
        let name = (file as NSString).lastPathComponent
        return
            (["\(file): \(problems.count) bad row\(problems.count == 1 ? "" : "s"); nothing was applied"]
            + problems.map { "  \(name):\($0)" }).joined(separator: "\n")
    }
}

extension Registry {
    /// The columns a spot-updates CSV may have.
    public static let spotUpdateColumns = [
        "code", "action", "judgement", "basis", "approval", "measure", "deadline", "restored_m2", "recultivated_m2",
        "remaining_m2", "reason", "doc", "note", "on", "actor", "evidence", "level"
    ]

    /// Applies every row of a spot-updates CSV, or none. `defaults` supplies actor, date and note where a row has none.
    /// - Throws: `CSVError` for a malformed file, `SpotUpdatesFailed` listing every bad row (store unchanged).
    public func importSpotUpdates(
        file: String, table: TableReadOptions = .init(), defaults: ChangeContext,
        dryRun: Bool = false
    ) throws -> SpotUpdatesReport {
        do { try InputFile.regular(file, role: "spot-updates file") } catch let e as InputFileError {
            throw CSVError(file: file, line: nil, message: e.problem)
        }
        let csv = try CSVTable.read(file, options: table).table
        try csv.require(["code", "action"], known: Self.spotUpdateColumns)
        let folder = (file as NSString).deletingLastPathComponent
        let storeFolder = storeFolder
        let sha256 = try SHA256Hasher.hexDigest(ofFile: file)
        var problems: [SpotUpdateProblem] = []
        var applied: [SpotStepResult] = []
        do {
            try write { db in
                problems = []; applied = [] // a busy store may replay this transaction from the start
                for i in csv.rows.indices {
                    let record = csv.record(i).mapValues { $0.trimmed }
                    let line = csv.lineNumbers[i]
                    let code = record["code"].flatMap { $0.isEmpty ? nil : $0 }
                    do {
                        guard let code else { throw RowProblem("no code") }
                        let step = try Self.step(from: record)
                        let context = try Self.context(
                            from: record, defaults: defaults, folder: folder, storeFolder: storeFolder)
                        applied.append(try Self.applySpotStep(step, code: code, context: context, db))
                    } catch let p as RowProblem {
                        problems.append(SpotUpdateProblem(line: line, code: code, message: p.message))
                    } catch let e as SpotStepRefused {
                        problems.append(SpotUpdateProblem(line: line, code: code, message: e.message))
                    } catch let e as NotFound {
                        problems.append(
                            SpotUpdateProblem(line: line, code: code, message: e.errorDescription ?? "\(e)"))
                    } catch let e as EvidenceError {
                        problems.append(
                            SpotUpdateProblem(line: line, code: code, message: e.errorDescription ?? "\(e)"))
                    }
                }
                if csv.rows.isEmpty {
                    problems.append(SpotUpdateProblem(line: 1, code: nil, message: "the file has no rows"))
                }
                if !problems.isEmpty { throw SpotUpdatesAbort.problems }
                try AuditLog.append(
                    db, context: defaults, entity: .import, entityID: nil, entityCode: nil,
                    details: .spotUpdates(SpotUpdatesDetails(file: file, sha256: sha256, rows: applied.count)))
                if dryRun { throw SpotUpdatesAbort.dryRun }
            }
        } catch SpotUpdatesAbort.problems {
            throw SpotUpdatesFailed(file: file, problems: problems)
        } catch SpotUpdatesAbort.dryRun {}
        return SpotUpdatesReport(file: file, applied: applied, dryRun: dryRun)
    }

    /// The step a row asks for; options that do not belong to its action are refused (a shifted column is a mistake).
    static func step(from r: [String: String]) throws -> SpotStep {
        func text(_ key: String) -> String? { r[key].flatMap { $0.isEmpty ? nil : $0 } }
        func number(_ key: String) throws -> Double? {
            guard let t = text(key) else { return nil }
            guard let v = Double(t), v.isFinite, v >= 0 else { throw RowProblem("\(key) \"\(t)\" is not a number ≥ 0") }
            return v
        }
        guard let actionText = text("action") else { throw RowProblem("no action") }
        guard let action = SpotAction(rawValue: actionText) else {
            throw RowProblem(
                "unknown action \"\(actionText)\" (known: "
                    + SpotAction.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        let options: [SpotAction: Set<String>] = [
            .verify: ["judgement", "basis", "approval"], .rectify: ["measure", "deadline"],
            .progress: ["restored_m2", "recultivated_m2", "remaining_m2"], .complete: [],
            .reopen: ["reason", "remaining_m2"], .close: ["doc"], .submit: [],
            .review: ["level", "reason", "remaining_m2"]
        ]
        let stepColumns = Set(spotUpdateColumns).subtracting(["code", "action", "note", "on", "actor", "evidence"])
        let stray = stepColumns.subtracting(options[action] ?? []).filter { text($0) != nil }.sorted()
        if !stray.isEmpty {
            throw RowProblem(
                "\(stray.joined(separator: ", ")) do\(stray.count == 1 ? "es" : "") not apply to \(action.rawValue)")
        }
        switch action {
        case .verify:
            var judgement: SpotJudgement? = nil
            if let j = text("judgement") {
                guard let parsed = SpotJudgement(rawValue: j) else {
                    throw RowProblem("judgement \"\(j)\" is not legal, illegal or other")
                }
                judgement = parsed
            }
            return .verify(judgement: judgement, basis: text("basis"), approvalDoc: text("approval"))
        case .rectify:
            guard let measure = text("measure"), let deadline = text("deadline") else {
                throw RowProblem("rectify needs measure and deadline")
            }
            guard Clock.validDay(deadline) != nil else {
                throw RowProblem("deadline \"\(deadline)\" is not a date YYYY-MM-DD")
            }
            return .rectify(measure: measure, deadline: deadline)
        case .progress:
            return .progress(
                restoredM2: try number("restored_m2"), recultivatedM2: try number("recultivated_m2"),
                remainingM2: try number("remaining_m2"))
        case .complete:
            return .complete
        case .reopen:
            guard let reason = text("reason") else { throw RowProblem("reopen needs a reason") }
            return .reopen(reason: reason, remainingM2: try number("remaining_m2"))
        case .close:
            return .close(doc: text("doc"))
        case .submit:
            return .submit
        case .review:
            // A review row passes its level; with a reason it returns the spot (已打回).
            guard let level = text("level") else { throw RowProblem("review needs a level") }
            guard let reason = text("reason") else { return .review(level: level, outcome: .pass) }
            return .review(level: level, outcome: .returned(reason: reason, remainingM2: try number("remaining_m2")))
        case .split:
            throw RowProblem(
                "\(action.rawValue) is not a spot-updates action; use `landreg spots \(action.rawValue)`")
        }
    }

    /// A row's context: its own date, actor, note and evidence over `defaults`. The evidence path is taken
    /// relative to `folder` (the CSV's) and stored as `Evidence` does (relative to `storeFolder` when inside it).
    static func context(
        from r: [String: String], defaults: ChangeContext, folder: String,
        storeFolder: String?
    ) throws -> ChangeContext {
        func text(_ key: String) -> String? { r[key].flatMap { $0.isEmpty ? nil : $0 } }
        var context = defaults
        if let on = text("on") {
            guard Clock.validDay(on) != nil else { throw RowProblem("on \"\(on)\" is not a date YYYY-MM-DD") }
            context.effectiveDate = on
        }
        if let actor = text("actor") { context.actor = actor }
        if let note = text("note") { context.note = note }
        if let path = text("evidence") {
            let resolved = path.hasPrefix("/") ? path : (folder.isEmpty ? path : folder + "/" + path)
            context.evidence = try Evidence(file: resolved, storeFolder: storeFolder)
        }
        return context
    }
}

private struct RowProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

private enum SpotUpdatesAbort: Error { case problems, dryRun }

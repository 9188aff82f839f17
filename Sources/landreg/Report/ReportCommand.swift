import ArgumentParser
import LandRegistry

/// `landreg report …`: the office's standing reports. Each report is a subcommand in its own file (Report/Report<Name>.swift).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Reports: rectification of violation spots, utilisation of industrial land, reclaimable land.",
        subcommands: [
            Rectification.self,
            Utilisation.self,
            Reclaimable.self,
            SurveyChangeReportCommand.self,
            FarmlandBalanceReportCommand.self,
            UnreportedConstructionReportCommand.self
        ])
}

/// Output format of a report: the text forms, or an xlsx workbook (needs -o).
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv, md, xlsx

    /// The text rendering of the non-xlsx forms.
    var text: OutputFormat { OutputFormat(rawValue: rawValue) ?? .table }
}

/// `--format`, `-o FILE` and `--overwrite`, the same on every report: the text forms print to stdout, xlsx writes a
/// workbook, which needs `-o` (and `-o` needs xlsx).
struct ReportOutputOptions: ParsableArguments {
    @Option(help: "table, json, csv, md or xlsx (needs -o).") var format: ReportFormat = .table
    @Option(
        name: .shortAndLong, help: ArgumentHelp("With --format xlsx: the workbook to create.", valueName: "FILE.xlsx"))
    var output: String?
    @Flag(help: "With -o: replace FILE if it exists (never the store or another database).")
    var overwrite = false

    func validate() throws {
        if format == .xlsx && output == nil {
            throw ValidationError("--format xlsx writes a file: give it with -o FILE.xlsx")
        }
        if format != .xlsx && output != nil {
            throw ValidationError("-o is for --format xlsx; the other formats print to stdout")
        }
    }

    /// With --format xlsx, the workbook's path and policy, refused now if it may not be written: call it before the
    /// store is opened or anything computed. nil for the text forms.
    func checkedWorkbook(store: StoreOptions) throws -> (path: String, policy: OutputPolicy)? {
        guard format == .xlsx, let output else { return nil }
        let policy = OutputPolicy(overwrite: overwrite, protectedPaths: [store.path])
        try OutputFile.check(output, policy: policy)
        return (output, policy)
    }
}

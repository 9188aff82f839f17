import ArgumentParser

/// `landreg report …`: the office's standing reports. Each report is a subcommand in its own file (Report/Report<Name>.swift).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Reports: rectification of violation spots, utilisation of industrial land, reclaimable land.",
        subcommands: [
            Rectification.self,
            Utilisation.self,
            Reclaimable.self,
        ])
}

/// Output format of a report: the text forms, or an xlsx workbook (needs -o).
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv, md, xlsx

    /// The text rendering of the non-xlsx forms.
    var text: OutputFormat { OutputFormat(rawValue: rawValue) ?? .table }
}

/// `-o FILE`: required with --format xlsx, refused with the text forms (they go to stdout).
func checkReportOutput(format: ReportFormat, output: String?) throws {
    if format == .xlsx && output == nil { throw ValidationError("--format xlsx writes a file: give it with -o FILE.xlsx") }
    if format != .xlsx && output != nil { throw ValidationError("-o is for --format xlsx; the other formats print to stdout") }
}

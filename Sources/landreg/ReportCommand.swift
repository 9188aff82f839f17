import ArgumentParser

/// `landreg report …`: the office's standing reports. Each report is a subcommand in its own file.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Reports: rectification of violation spots, utilisation of industrial land, reclaimable land.",
        subcommands: [
            ReportRectification.self,
            ReportUtilisation.self,
            ReportReclaimable.self,
        ])
}

import ArgumentParser

/// `landreg report …`: the office's reports. (Other reports add themselves to `subcommands`.)
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Reports: utilisation of industrial land.",
        subcommands: [ReportUtilisation.self])
}

import ArgumentParser
import LandRegistry

extension ExportCommand {
    struct Approvals: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export live approval polygons (批文).")
        @Option(help: "Only approvals of this kind.") var kind: ApprovalKind?
        @OptionGroup var common: Common
        @OptionGroup var store: StoreOptions
        func run() throws {
            let (registry, options) = try common.checkedOptions(store)
            try common.report(try registry.exportApprovals(to: common.output, kind: kind, options: options))
        }
    }
}

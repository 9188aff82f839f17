import Foundation
import LandFormats

// MARK: - Reports as xlsx files
//
// The report commands (landreg, which knows the report types) lay out the sheets; the file is created here so that
// every output of landreg goes through OutputFile.write.

public enum ReportWorkbookExport {
    /// Writes `sheets` as a new xlsx at `path` (created beside it, then renamed into place).
    public static func write(_ sheets: [OfficeSheet], to path: String, policy: OutputPolicy) throws {
        try OutputFile.write(to: path, policy: policy) { try OfficeWorkbookWriter.write(sheets, to: $0) }
    }
}

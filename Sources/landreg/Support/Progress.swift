import Foundation
import LandRegistry

/// A progress bar on stderr with rate and ETA, drawn only when stderr is a terminal and not --quiet.
final class ProgressBar {
    private let label: String
    private let started = Date()
    private var lastDraw = Date.distantPast
    private let enabled: Bool

    init(label: String, quiet: Bool) {
        self.label = label
        self.enabled = !quiet && isatty(STDERR_FILENO) == 1
    }

    func update(_ p: ImportProgress) {
        guard enabled, Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        let elapsed = max(Date().timeIntervalSince(started), 0.001)
        let rate = Double(p.features) / elapsed
        var text = "\r\(label): \(p.features) features, \(Int(rate))/s"
        if let total = p.totalBytes, total > 0 {
            let fraction = min(1, Double(p.bytesRead) / Double(total))
            let width = 30, filled = Int(fraction * Double(width))
            let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
            text =
                "\r\(label) [" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
                + "] \(Int(fraction * 100))% \(p.features) features, \(Int(rate))/s, ETA \(Int(eta.rounded()))s"
        }
        FileHandle.standardError.write(Data((text + "\u{1B}[K").utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

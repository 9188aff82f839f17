import CGDAL
import Foundation

// MARK: - GDAL, once per process
//
// Drivers are registered once. GDAL's own messages never reach the terminal: a handler collects them per thread
// (CPLPushErrorHandlerEx is thread-local in GDAL), and callers turn them into landreg's errors.

public enum GDALRuntime {
    private static let registered: Void = {
        GDALAllRegister()
        // Shapefile .dbf: let GDAL recode to UTF-8 from the .cpg / language-driver byte; landreg checks the result.
        CPLSetConfigOption("SHAPE_ENCODING", nil)
    }()

    /// Registers GDAL's drivers (idempotent, thread-safe).
    public static func ensureRegistered() { _ = registered }

    /// Runs `body` with GDAL's messages collected instead of printed; returns the body's value and the messages.
    public static func collectingMessages<T>(_ body: () throws -> T) rethrows -> (T, [GDALMessage]) {
        ensureRegistered()
        let box = MessageBox()
        let user = Unmanaged.passUnretained(box).toOpaque()
        CPLPushErrorHandlerEx(
            { klass, number, message in
                guard let data = CPLGetErrorHandlerUserData() else { return }
                let box = Unmanaged<MessageBox>.fromOpaque(data).takeUnretainedValue()
                box.messages.append(
                    GDALMessage(
                        level: GDALMessage.Level(klass), number: Int(number),
                        text: message.map { String(cString: $0) } ?? ""))
            }, user)
        defer { CPLPopErrorHandler() }
        let value = try withExtendedLifetime(box) { try body() }
        return (value, box.messages)
    }
}

/// One message GDAL reported through its error handler.
public struct GDALMessage: Sendable, Equatable {
    public enum Level: Sendable, Equatable {
        case debug, warning, failure, fatal
        init(_ e: CPLErr) {
            switch e {
            case CE_Debug, CE_None: self = .debug
            case CE_Warning: self = .warning
            case CE_Fatal: self = .fatal
            default: self = .failure
            }
        }
    }
    public let level: Level
    public let number: Int
    public let text: String
}

private final class MessageBox {
    var messages: [GDALMessage] = []
}

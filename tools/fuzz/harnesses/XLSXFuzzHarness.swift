import CGDAL
import Foundation
import LandGeoJSON
import LandGeometry

// libFuzzer entry point for workbook tables (Sources/LandFormats/XLSXTableReader.swift with the rest of
// LandFormats; GDAL's XLSX driver itself is not instrumented: the target is landreg's code around it). Each input
// becomes firms.xlsx in a tmpfs folder and is read with `XLSXTableReader.read` as `landreg import enterprises
// firms.xlsx` does (no --sheet: the first sheet); a table that reads is read again with `--sheet` naming it, and
// every fourth input also with a sheet it does not have.
// An input that starts with "PK" is the workbook's bytes. Any other is a list of the workbook's parts — a UInt8
// name length, the name, a little-endian UInt16 length, the contents; cut short where the input ends — which the
// harness zips (stored, correct CRCs): a mutation of a zipped workbook's XML almost always breaks its deflate
// stream or CRC, so without this mode the fuzzer hardly reaches the sheet parser and landreg's cells.
// Properties checked:
// - only GDALSourceError is thrown, with a message (CSVTable.read turns exactly that into "FILE: message");
// - every row has one text cell per header column, and row numbers increase (they are what problems name);
// - --sheet NAME of the sheet read gives the same table; a sheet the workbook lacks is refused naming it.
// - no GDAL message escapes GDALRuntime.collectingMessages (it would reach the terminal, not landreg's error).
// Any crash, hang, sanitizer report or failed property is a bug. Built and run by tools/fuzz/run-all.sh.

let path = "/dev/shm/landreg-fuzz-xlsx-\(getpid()).xlsx"
let missingSheet = "no such sheet 表"
nonisolated(unsafe) var generation = 0
/// LANDREG_FUZZ_TRACE=1: one line per input on stderr (the table's size or the error), for replays.
let trace = ProcessInfo.processInfo.environment["LANDREG_FUZZ_TRACE"] == "1"

func read(_ sheet: String?) -> Result<SpreadsheetTable, GDALSourceError> {
    do {
        return .success(try XLSXTableReader.read(path: path, sheet: sheet))
    } catch let e as GDALSourceError {
        if e.message.isEmpty { fatalError("a GDALSourceError without a message") }
        return .failure(e)
    } catch {
        fatalError("XLSXTableReader threw \(type(of: error)): \(error)")
    }
}

func same(_ a: SpreadsheetTable, _ b: SpreadsheetTable) -> Bool {
    a.sheet == b.sheet && a.header == b.header && a.rows == b.rows && a.rowNumbers == b.rowNumbers
}

/// GDAL's default handler: GDALRuntime.collectingMessages pushes a handler of its own, so a message arriving here
/// escaped landreg's collection and would be printed on the user's terminal, unreported in landreg's error (that
/// is how a corrupt .prj and a corrupt sheet went unnoticed). Installed once, before the first input.
func failOnEscapedGDALMessages() {
    CPLSetErrorHandler { level, number, message in
        if level == CE_Debug || level == CE_None { return }
        fatalError(
            "GDAL message outside landreg's collection (class \(level.rawValue), number \(number)): "
                + (message.map { String(cString: $0) } ?? ""))
    }
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>
) -> CInt {
    failOnEscapedGDALMessages()
    return 0
}

/// The parts of a workbook in the part-list layout (see the top).
func parts(_ bytes: UnsafeRawBufferPointer) -> [(name: String, bytes: [UInt8])] {
    var out: [(String, [UInt8])] = []
    var at = 0
    while at < bytes.count {
        let nameEnd = min(bytes.count, at + 1 + Int(bytes[at]))
        let name = String(decoding: bytes[(at + 1)..<nameEnd], as: UTF8.self)
        at = nameEnd
        var length = 0
        if at < bytes.count { length = Int(bytes[at]); at += 1 }
        if at < bytes.count { length |= Int(bytes[at]) << 8; at += 1 }
        let end = min(bytes.count, at + length)
        out.append((name, Array(bytes[at..<end])))
        at = end
    }
    return out
}

func writeZip(_ path: String, _ entries: [(name: String, bytes: [UInt8])]) -> Bool {
    let options = CSLSetNameValue(nil, "COMPRESSED", "NO")
    defer { CSLDestroy(options) }
    guard let zip = CPLCreateZip(path, options) else { fatalError("cannot create \(path)") }
    var written = true
    for e in entries where written {
        // GDAL refuses some names (empty, duplicate): such an input is no workbook, not a finding.
        guard CPLCreateFileInZip(zip, e.name, nil) == CE_None else { written = false; break }
        if e.bytes.withUnsafeBytes({ CPLWriteFileInZip(zip, $0.baseAddress, Int32($0.count)) }) != CE_None {
            written = false
        }
        if CPLCloseFileInZip(zip) != CE_None { written = false }
    }
    if CPLCloseZip(zip) != CE_None { written = false }
    return written
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    defer { unlink(path) }
    if bytes.starts(with: [0x50, 0x4B]) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if fd < 0 || write(fd, data, size) != size { fatalError("cannot write \(path)") }
        close(fd)
    } else {
        unlink(path)
        // The zip writer's own complaints about a name it refuses are its business, not an escaped message.
        let (ok, _) = GDALRuntime.collectingMessages { writeZip(path, parts(bytes)) }
        if !ok { return 0 }
    }
    // GDAL caches a zip's directory by path and reloads it only when the size or the mtime (seconds) changed:
    // each input gets a later mtime, so that none is read through the previous input's directory.
    generation += 1
    var times = [
        timeval(tv_sec: 1_000_000_000 + generation, tv_usec: 0), timeval(tv_sec: 1_000_000_000 + generation, tv_usec: 0)
    ]
    if utimes(path, &times) != 0 { fatalError("cannot set the mtime of \(path)") }

    let first = read(nil)
    if trace {
        let line: String
        switch first {
        case .success(let t): line = "sheet \(t.sheet): header \(t.header), \(t.rows.count) rows \(t.rowNumbers)"
        case .failure(let e): line = e.message
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
    guard case .success(let table) = first else { return 0 }
    if table.rows.count != table.rowNumbers.count {
        fatalError("\(table.rows.count) rows but \(table.rowNumbers.count) row numbers")
    }
    for (i, row) in table.rows.enumerated() where row.count != table.header.count {
        fatalError("row \(table.rowNumbers[i]) has \(row.count) cells, the header \(table.header.count)")
    }
    if zip(table.rowNumbers, table.rowNumbers.dropFirst()).contains(where: { $0 >= $1 }) {
        fatalError("row numbers do not increase: \(table.rowNumbers)")
    }
    switch read(table.sheet) {
    case .success(let again):
        if !same(table, again) { fatalError("--sheet \(table.sheet) read a different table than the default") }
    case .failure(let e):
        fatalError("--sheet \(table.sheet), the sheet read by default, is refused: \(e.message)")
    }
    if size % 4 == 0, table.sheet != missingSheet {
        switch read(missingSheet) {
        case .success: fatalError("--sheet \(missingSheet) read a table from a workbook without that sheet")
        case .failure(let e):
            if !e.message.contains(missingSheet) {
                fatalError("the refusal of a missing sheet does not name it: \(e.message)")
            }
        }
    }
    return 0
}

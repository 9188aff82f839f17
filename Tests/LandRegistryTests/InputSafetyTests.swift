import Foundation
import LandGeoJSON
import LandGeometry
import Testing

@testable import LandRegistry

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Issue 12 at the library level: CSV headers, the regular-file check every reader goes through, evidence paths
/// as stored, and values from input that used to reach a trap.
@Suite("Input safety")
struct InputSafetyTests {
    // MARK: CSV headers

    @Test func aRepeatedHeaderNameIsRefusedNamingBothColumns() throws {
        let error = try #require(throws: CSVError.self) {
            try CSVTable(text: "code,action,note,note\nS1,verify,a,b\n", file: "fix.csv")
        }
        #expect(error.errorDescription == #"fix.csv: column 4 "note" repeats column 3"#)
    }

    @Test func anEmptyHeaderCellIsRefused() throws {
        let error = try #require(throws: CSVError.self) {
            try CSVTable(text: "code, ,action\nS1,,verify\n", file: "fix.csv")
        }
        #expect(error.errorDescription == "fix.csv: column 2 has no name (an empty header cell)")
    }

    @Test func anUnknownColumnIsRefusedListingTheKnownOnes() throws {
        let csv = try CSVTable(text: "credit_code,nmae\n91330110MANN6LRU7B,x\n", file: "enterprises.csv")
        let error = try #require(throws: CSVError.self) {
            try csv.require(["credit_code", "name"], known: Registry.enterpriseColumns)
        }
        #expect(
            error.errorDescription
                == #"enterprises.csv: unknown column "nmae" (known: credit_code, name, industry, scale); "#
                + "missing column(s) name (the header has credit_code, nmae)")
        let fine = try CSVTable(text: "name,credit_code\nx,91330110MANN6LRU7B\n", file: "e.csv")
        try fine.require(["credit_code", "name"], known: Registry.enterpriseColumns)
        #expect(fine.record(0) == ["name": "x", "credit_code": "91330110MANN6LRU7B"])
    }

    @Test func rowsLongerOrShorterThanTheHeaderNameTheirLine() throws {
        let longer = try #require(throws: CSVError.self) { try CSVTable(text: "a,b\n1,2\n1,2,3\n", file: "f.csv") }
        #expect(longer.errorDescription == "f.csv:3: 3 fields, but the header has 2")
        let shorter = try #require(throws: CSVError.self) { try CSVTable(text: "a,b\n1\n", file: "f.csv") }
        #expect(shorter.errorDescription == "f.csv:2: 1 fields, but the header has 2")
    }

    @Test func aRepeatedHeaderInAnEnterprisesFileImportsNothing() throws {
        let registry = try Fixtures.store()
        let file = Fixtures.write("credit_code,name,name\n91330110MANN6LRU7B,a,b\n", name: "enterprises.csv")
        let failure = try #require(throws: CSVImportFailed.self) {
            try registry.importEnterprises(file: file, context: Fixtures.context)
        }
        #expect(failure.problems == [.init(line: nil, message: #"column 3 "name" repeats column 2"#)])
        #expect(try registry.eventCount() == 0)
    }

    // MARK: Regular files only

    @Test func onlyARegularFileOrALinkToOnePasses() throws {
        let dir = Fixtures.directory()
        let file = dir + "/a.txt"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        try InputFile.regular(file, role: "evidence file")
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.txt", withDestinationPath: file)
        try InputFile.regular(dir + "/link.txt", role: "evidence file")

        #expect(mkfifo(dir + "/f", 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: dir + "/to-dir", withDestinationPath: dir)
        try FileManager.default.createSymbolicLink(atPath: dir + "/dangling", withDestinationPath: dir + "/nothing")
        let refused: [(String, String)] = [
            (dir + "/f", "is a FIFO, not a regular file"), (dir, "is a directory, not a regular file"),
            (dir + "/to-dir", "is a directory, not a regular file"),
            ("/dev/null", "is a character device, not a regular file"),
            (dir + "/dangling", "no such file"), (dir + "/none", "no such file"), (file + "/x", "no such file"),
            ("", "no such file (the path is empty)")
        ]
        for (path, problem) in refused {
            let error = try #require(throws: InputFileError.self) { try InputFile.regular(path, role: "evidence file") }
            #expect(error.path == path && error.role == "evidence file" && error.problem == problem)
            #expect(error.isNotARegularFile == problem.hasSuffix("not a regular file"))
            #expect(error.errorDescription == "evidence file \(path): \(problem)")
        }
    }

    @Test func theGeoJSONReaderRefusesAFIFOAndADirectoryWithoutOpeningThem() throws {
        let dir = Fixtures.directory()
        #expect(mkfifo(dir + "/in.geojson", 0o644) == 0)
        for (path, message) in [
            (dir + "/in.geojson", "is a FIFO, not a regular file"), (dir, "is a directory, not a regular file"),
            (dir + "/none.geojson", "cannot open: no such file")
        ] {
            let error = try #require(throws: GeoJSONError.self) { try GeoJSONFeatureSource(path: path) }
            #expect(error.file == path && error.message == message)
        }
    }

    @Test func hashingAFIFORefusesInsteadOfBlocking() throws {
        let fifo = Fixtures.directory() + "/f"
        #expect(mkfifo(fifo, 0o644) == 0)
        #expect(throws: InputFileError.self) { try SHA256Hasher.hexDigest(ofFile: fifo) }
        let evidence = try #require(throws: EvidenceError.self) { try Evidence(file: fifo) }
        #expect(evidence.errorDescription == "evidence file \(fifo): is a FIFO, not a regular file")
    }

    // MARK: Evidence paths

    @Test func evidencePathsAreResolvedAndRelativeToTheStoreFolderWhenInside() throws {
        let storeFolder = Fixtures.directory()
        let outside = Fixtures.directory()
        for folder in ["sub", "real/deeper"] {
            try FileManager.default.createDirectory(
                atPath: storeFolder + "/" + folder, withIntermediateDirectories: true)
        }
        try "x".write(toFile: storeFolder + "/x.pdf", atomically: true, encoding: .utf8)
        try "y".write(toFile: storeFolder + "/real/deeper/y.pdf", atomically: true, encoding: .utf8)
        try "z".write(toFile: outside + "/z.pdf", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: storeFolder + "/link", withDestinationPath: storeFolder + "/real")
        try FileManager.default.createSymbolicLink(atPath: outside + "/into-store", withDestinationPath: storeFolder)

        func stored(_ path: String) throws -> String { try Evidence(file: path, storeFolder: storeFolder).path }
        #expect(try stored(storeFolder + "/sub/../x.pdf") == "x.pdf")
        #expect(try stored(storeFolder + "/./link/deeper/y.pdf") == "real/deeper/y.pdf")
        #expect(try stored(outside + "/into-store/x.pdf") == "x.pdf")
        let resolvedOutside = URL(fileURLWithPath: outside).resolvingSymlinksInPath().path
        #expect(try stored(outside + "/z.pdf") == resolvedOutside + "/z.pdf")
        #expect(
            try Evidence(file: storeFolder + "/sub/../x.pdf").path
                == URL(fileURLWithPath: storeFolder).resolvingSymlinksInPath().path + "/x.pdf")
        // The hash is the file's, wherever the path points from.
        #expect(
            try Evidence(file: storeFolder + "/x.pdf").sha256
                == SHA256Hasher.hexDigest(ofFile: outside + "/into-store/x.pdf"))
    }

    @Test func aSpotUpdatesRowEvidenceIsStoredRelativeToTheStore() throws {
        let registry = try SpotFixture.store()
        let folder = registry.storeFolder + "/field"
        try FileManager.default.createDirectory(atPath: folder + "/photos", withIntermediateDirectories: true)
        try "photo".write(toFile: folder + "/p.jpg", atomically: true, encoding: .utf8)
        let csv = folder + "/rows.csv"
        try "code,action,evidence\nS1,verify,photos/../p.jpg\n".write(toFile: csv, atomically: true, encoding: .utf8)
        _ = try registry.importSpotUpdates(file: csv, defaults: SpotFixture.on("2024-02-01"))
        #expect(try registry.spotHistory(code: "S1").last?.evidencePath == "field/p.jpg")
    }

    // MARK: Traps reached by input values

    @Test func aCoordinateBeyondInt64IsReportedNotTrapped() throws {
        #expect(GeometryIngest.format(1e19) == "1e+19")
        #expect(GeometryIngest.format(-1e300) == "-1e+300")
        #expect(GeometryIngest.format(520_000.0004) == "520000")
        #expect(GeometryIngest.format(12.3456) == "12.346")
        let registry = try Fixtures.store()
        let file = Fixtures.write(
            Fixtures.collection4549([
                #"{"type":"Feature","properties":{"code":"FAR"},"geometry":{"type":"Polygon","coordinates":[[[1e19,1e19],[1.1e19,1e19],[1.1e19,1.1e19],[1e19,1e19]]]}}"#
            ]))
        let failure = try #require(throws: ImportFailed.self) {
            try registry.importParcels(file: file, options: FeatureImportOptions(context: Fixtures.context))
        }
        #expect(
            failure.errorDescription?.contains(
                "coordinates (1e+19, 1e+19) are outside the area where EPSG:4549 is used") == true,
            "\(failure.errorDescription ?? "")")
    }
}

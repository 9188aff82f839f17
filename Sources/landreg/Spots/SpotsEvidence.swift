import ArgumentParser
import Foundation
import LandRegistry

// `landreg spots evidence add|list|export`: field photos of a spot (举证照片), kept inside the store.

extension SpotsCommand {
    struct EvidencePhotos: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "evidence",
            abstract: "Field photos of a spot (举证照片): add them from their EXIF, list them, export them.",
            discussion: """
                A photo is admitted when its EXIF GPS position lies within --max-distance (100 m) of the spot and \
                its EXIF date is on or after the spot's detection date; its bytes are stored in the GeoPackage \
                (Related Tables media, as GDAL and QGIS read it) with a point where it was taken and the \
                direction the camera faced (layer spot_photos).
                """,
            subcommands: [Add.self, List.self, Export.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add JPEG photos to a spot's evidence (all or none; one event per photo).")
            @Argument(help: "The spot code.") var code: String
            @Argument(help: ArgumentHelp("The photos (JPEG with EXIF).", valueName: "PHOTO")) var photos: [String]
            @Option(help: ArgumentHelp("The farthest a photo may be taken from the spot, m.", valueName: "M"))
            var maxDistance: Double = 100
            @Flag(help: "Admit photos whose EXIF has no GPS position (kept without a point).") var noPosition = false
            @Flag(help: "Print JSON.") var json = false
            @OptionGroup var change: ChangeOptions
            @OptionGroup var store: StoreOptions

            func validate() throws {
                guard !photos.isEmpty else { throw ValidationError("name at least one photo") }
                guard maxDistance.isFinite, maxDistance >= 0 else {
                    throw ValidationError("--max-distance \(maxDistance): expected metres ≥ 0")
                }
            }

            func run() throws {
                let context = try change.context(store: store)
                let added = try store.change { registry in
                    try registry.addSpotPhotos(
                        code: code, files: photos,
                        rules: SpotPhotoRules(maxDistanceM: maxDistance, allowNoPosition: noPosition), context: context)
                }
                if json { try printJSON(added); return }
                for p in added {
                    let place = p.distanceM.map { $0 == 0 ? "inside the spot" : "\(Format.m2($0)) m from the spot" }
                    printOut(
                        "spot \(code): photo #\(p.fid) \(p.fileName) (\(p.takenAt ?? "no date"), "
                            + "\(place ?? "no position")) [event #\(p.eventID)]\n")
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List a spot's evidence photos.")
            @Argument(help: "The spot code.") var code: String
            @Option(help: "table, json, csv or md.") var format: OutputFormat = .table
            @Flag(help: "Same as --format json.") var json = false
            @OptionGroup var store: StoreOptions

            func run() throws {
                let photos = try store.openForReading().spotPhotos(code: code)
                if json || format == .json { try printJSON(photos); return }
                var t = TextTable(
                    ["#", "file", "taken at", "latitude", "longitude", "direction °", "distance m", "camera", "sha256"],
                    rightAligned: [0, 3, 4, 5, 6])
                for p in photos {
                    t.add([
                        "\(p.fid)", p.fileName, p.takenAt ?? "",
                        p.latitude.map { Format.number($0, decimals: 6) } ?? "",
                        p.longitude.map { Format.number($0, decimals: 6) } ?? "",
                        p.directionDeg.map { Format.number($0, decimals: 1) + (p.directionRef.map { " " + $0 } ?? "") }
                            ?? "",
                        p.distanceM.map(Format.m2) ?? "", p.camera ?? "", String(p.sha256.prefix(16)) + "…"
                    ])
                }
                printOut(t.render(format))
                if format == .table { printOut("\(Format.count(photos.count, "photo")) of spot \(code)\n") }
            }
        }

        struct Export: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Write a spot's evidence photos into a folder, as they were added (checked by SHA-256).")
            @Argument(help: "The spot code.") var code: String
            @Option(name: [.customShort("o"), .long], help: "The folder (made when missing).") var output: String
            @Flag(help: "Replace photos already in the folder.") var overwrite = false
            @Flag(help: "Print JSON.") var json = false
            @OptionGroup var store: StoreOptions

            struct Written: Encodable {
                let file: String
                let sha256: String
                let sizeBytes: Int64
            }

            func run() throws {
                let policy = OutputPolicy(overwrite: overwrite, protectedPaths: [store.path])
                // Checked before the store is opened. lstat: a link is refused like any output's (it could point
                // anywhere), not followed; a missing folder is made only where an output may be written.
                var info = stat()
                var makeFolder = false
                if lstat(output, &info) == 0 {
                    switch info.st_mode & S_IFMT {
                    case S_IFDIR: break
                    case S_IFLNK: throw OutputFileError(path: output, reason: .symbolicLink)
                    default: throw ValidationError("-o \(output): exists and is not a folder")
                    }
                } else {
                    try OutputFile.check(output, policy: policy)
                    makeFolder = true
                }
                let registry = try store.openForReading()
                let photos = try registry.spotPhotos(code: code)
                guard !photos.isEmpty else { throw ValidationError("spot \(code) has no evidence photos") }
                if makeFolder {
                    try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: false)
                }
                var written: [Written] = []
                for p in photos {
                    let bytes = try registry.spotPhotoBytes(p)
                    // The photo number first: two photos may have had the same file name on two cameras.
                    let path = (output as NSString).appendingPathComponent("\(p.fid)-\(p.fileName)")
                    try OutputFile.write(to: path, policy: policy) { temporary in
                        try bytes.write(to: URL(fileURLWithPath: temporary))
                    }
                    written.append(Written(file: path, sha256: p.sha256, sizeBytes: p.sizeBytes))
                }
                if json { try printJSON(written); return }
                printOut("wrote \(Format.count(written.count, "photo")) of spot \(code) to \(output)\n")
            }
        }
    }
}

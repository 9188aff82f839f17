import Foundation
import GRDB
import LandFormats
import LandGeometry

// MARK: - Photo evidence of a spot (举证照片)
//
// A photo proves what it shows only if it was taken at the spot, after the spot was detected. So a photo is
// admitted when its EXIF position lies within `maxDistanceM` of the spot (0 inside; 100 m by default, the
// distance a field officer stands back to get the whole spot in frame) and its EXIF date is on or after the
// detection date. A photo without a position is refused unless the caller says so (`allowNoPosition`: an old
// camera); then it is kept without a point. The bytes go into the store (Related Tables media,
// Migration+SpotPhotos.swift), so that the store alone is the dossier; the file's path and SHA-256 say where
// they came from.

/// What a photo must satisfy to be admitted.
public struct SpotPhotoRules: Sendable, Equatable {
    /// The farthest a photo may be taken from the spot, in metres (store CRS units, metres in every store CRS).
    public var maxDistanceM: Double
    /// Admit a photo whose EXIF has no GPS position (it is kept without a point).
    public var allowNoPosition: Bool

    public init(maxDistanceM: Double = 100, allowNoPosition: Bool = false) {
        self.maxDistanceM = maxDistanceM; self.allowNoPosition = allowNoPosition
    }
}

/// One evidence photo of a spot, as stored (without its bytes).
public struct SpotPhoto: Codable, Sendable, Equatable, FetchableRecord, TableRecord {
    public var fid: Int64
    public var spotCode: String
    public var spotFid: Int64
    public var mediaID: Int64
    /// Where the file was when it was added (canonical; relative to the store's folder when inside it).
    public var file: String
    public var takenAt: String?
    public var latitude: Double?
    public var longitude: Double?
    public var directionDeg: Double?
    public var directionRef: String?
    public var camera: String?
    /// Metres from the spot (0 inside it); nil without a position.
    public var distanceM: Double?
    public var eventID: Int64
    public var createdAt: String
    /// From the media row.
    public var fileName: String
    public var sizeBytes: Int64
    public var sha256: String
    public var contentType: String

    public static let databaseTableName = "spot_photos"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns

    public enum Columns {
        public static let fid = Column("fid"), spotCode = Column("spot_code"), mediaID = Column("media_id")
    }

    public static var databaseSelection: [any SQLSelectable] {
        [
            Column("fid"), Column("spot_code"), Column("spot_fid"), Column("media_id"), Column("file"),
            Column("taken_at"), Column("latitude"), Column("longitude"), Column("direction_deg"),
            Column("direction_ref"), Column("camera"), Column("distance_m"), Column("event_id"), Column("created_at")
        ]
    }

    /// The photos with their media row's name, size, hash and type.
    static func withMedia() -> QueryInterfaceRequest<SpotPhoto> {
        let media = belongsTo(
            SpotPhotoMedia.self, key: "media", using: ForeignKey([Columns.mediaID], to: [SpotPhotoMedia.Columns.id]))
        return annotated(
            withRequired: media.select(
                SpotPhotoMedia.Columns.fileName, SpotPhotoMedia.Columns.sizeBytes, SpotPhotoMedia.Columns.sha256,
                SpotPhotoMedia.Columns.contentType))
    }
}

/// A row of the Related Tables media table.
struct SpotPhotoMedia: TableRecord {
    static let databaseTableName = "spot_photo_media"
    enum Columns {
        static let id = Column("id"), data = Column("data"), contentType = Column("content_type")
        static let fileName = Column("file_name"), sizeBytes = Column("size_bytes"), sha256 = Column("sha256")
    }
}

/// A photo refused; nothing was added.
public struct SpotPhotoRefused: Error, LocalizedError, Equatable, Sendable {
    public let code: String
    public let file: String
    public let message: String
    public var errorDescription: String? { "spot \(code): photo \(file): \(message); nothing was added" }
}

extension Registry {
    /// Adds photos to the evidence of the live spot `code`: all of them or none, one transaction, one `evidence`
    /// event per photo (the spot's status does not change).
    /// - Throws: `NotFound`, `SpotPhotoRefused` (a photo unreadable, not a JPEG, without position, too far, taken
    ///   before the detection date, already added, or a spot that is closed), `InputFileError`.
    @discardableResult
    public func addSpotPhotos(
        code: String, files: [String], rules: SpotPhotoRules = SpotPhotoRules(), context: ChangeContext
    )
        throws -> [SpotPhoto]
    {
        // Read and check every file before the transaction: a refusal then costs no write lock.
        let photos = try files.map { try Self.readPhoto($0, storeFolder: storeFolder) }
        let toStore = try CoordinateTransform(from: .wgs84, to: storeCRS)
        let srsID = Int32(storeCRS.epsg)
        let storePath = path
        return try write { db in
            guard let spot = try Spot.all().live().code(code).fetchOneNamingBadRow(db, file: storePath) else {
                throw NotFound(what: "spot", code: code)
            }
            func refuse(_ file: String, _ why: String) -> SpotPhotoRefused {
                SpotPhotoRefused(code: code, file: file, message: why)
            }
            // Closed and split are final: a split spot's evidence goes to its children.
            if spot.status == .closed || spot.status == .split {
                throw refuse(
                    files.first ?? "",
                    "the spot is \(spot.status.rawValue); evidence is added to a spot that is neither closed nor split")
            }
            guard let spotGeometry = try liveGeometry(db, table: "spots", code: code) else {
                throw NotFound(what: "spot", code: code)
            }
            let geos = GEOSContext()
            var added: [SpotPhoto] = []
            var seen: Set<String> = []
            for photo in photos {
                guard seen.insert(photo.sha256).inserted else { throw refuse(photo.given, "is given twice") }
                if let earlier = try String.fetchOne(
                    db,
                    sql: """
                        SELECT p.file FROM spot_photos p JOIN spot_photo_media m ON m.id = p.media_id
                        WHERE p.spot_code = ? AND m.sha256 = ?
                        """, arguments: [code, photo.sha256])
                {
                    throw refuse(photo.given, "is already in the spot's evidence (added from \(earlier))")
                }
                var point: XY? = nil
                var distanceM: Double? = nil
                if let lat = photo.metadata.latitude, let lon = photo.metadata.longitude {
                    let p = try toStore.transform(XY(lon, lat))
                    let d = try geos.distance(spotGeometry, p)
                    guard d <= rules.maxDistanceM else {
                        throw refuse(
                            photo.given,
                            "was taken \(Self.metres(d)) m from the spot (at \(Self.degrees(lat)), \(Self.degrees(lon))); "
                                + "at most \(Self.metres(rules.maxDistanceM)) m is admitted (--max-distance)")
                    }
                    point = p; distanceM = d
                } else if !rules.allowNoPosition {
                    throw refuse(
                        photo.given,
                        "has no GPS position in its EXIF, so it cannot show where it was taken; "
                            + "add it with --no-position to keep it without one")
                }
                if let detected = spot.detectedDate {
                    guard let day = photo.metadata.takenOn else {
                        throw refuse(
                            photo.given,
                            "has no date in its EXIF (DateTimeOriginal), so it cannot show that it was taken on or after "
                                + "the detection date \(detected)")
                    }
                    guard day >= detected else {
                        throw refuse(
                            photo.given,
                            "was taken on \(day), before the spot was detected (\(detected)): it cannot show the spot's state"
                        )
                    }
                }
                try db.execute(
                    sql: """
                        INSERT INTO spot_photo_media (data, content_type, file_name, size_bytes, sha256)
                        VALUES (?, ?, ?, ?, ?)
                        """,
                    arguments: [photo.bytes, PhotoEXIF.contentType, photo.name, photo.bytes.count, photo.sha256])
                let mediaID = db.lastInsertedRowID
                try db.execute(
                    sql: "INSERT INTO spots_spot_photo_media (base_id, related_id) VALUES (?, ?)",
                    arguments: [spot.fid, mediaID])
                let event = try AuditLog.append(
                    db, context: context, entity: .spot, entityID: spot.fid, entityCode: code,
                    details: .spotPhoto(
                        SpotPhotoEvidence(
                            mediaID: mediaID, file: photo.stored, sha256: photo.sha256,
                            takenAt: photo.metadata.takenAt, latitude: photo.metadata.latitude,
                            longitude: photo.metadata.longitude, directionDeg: photo.metadata.directionDegrees,
                            distanceM: distanceM)))
                let blob = point.map { Data(GeoPackageBinary.encode(.point($0), srsID: srsID)) }
                try db.execute(
                    sql: """
                        INSERT INTO spot_photos (geom, spot_code, spot_fid, media_id, file, taken_at, latitude, longitude,
                          direction_deg, direction_ref, camera, distance_m, event_id, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        blob, code, spot.fid, mediaID, photo.stored, photo.metadata.takenAt, photo.metadata.latitude,
                        photo.metadata.longitude, photo.metadata.directionDegrees, photo.metadata.directionReference,
                        photo.metadata.camera, distanceM, event.id, Clock.timestamp()
                    ])
                let fid = db.lastInsertedRowID
                if let row = try SpotPhoto.withMedia().filter(SpotPhoto.Columns.fid == fid).fetchOne(db) {
                    added.append(row)
                }
            }
            return added
        }
    }

    /// The evidence photos of the spot `code` (of its live row and of earlier rows with that code), oldest first.
    /// - Throws: `NotFound` when no spot has that code.
    public func spotPhotos(code: String) throws -> [SpotPhoto] {
        try dbQueue.read { db in
            guard try Spot.all().code(code).fetchCount(db) > 0 else { throw NotFound(what: "spot", code: code) }
            return try Self.spotPhotos(db, code: code, file: path)
        }
    }

    /// The bytes of a photo, checked against the SHA-256 stored with them.
    public func spotPhotoBytes(_ photo: SpotPhoto) throws -> Data {
        try dbQueue.read { db in try Self.spotPhotoBytes(db, photo, file: path) }
    }

    static func spotPhotos(_ db: Database, code: String, file: String) throws -> [SpotPhoto] {
        try SpotPhoto.withMedia().filter(SpotPhoto.Columns.spotCode == code).order(SpotPhoto.Columns.fid)
            .fetchAllNamingBadRow(db, file: file)
    }

    static func spotPhotoBytes(_ db: Database, _ photo: SpotPhoto, file: String) throws -> Data {
        guard
            let data = try Data.fetchOne(
                db,
                SpotPhotoMedia.select(SpotPhotoMedia.Columns.data).filter(SpotPhotoMedia.Columns.id == photo.mediaID))
        else { throw NotFound(what: "photo", code: "\(photo.mediaID)") }
        var hasher = SHA256Hasher()
        hasher.update(data)
        guard hasher.finalizeHex() == photo.sha256 else {
            throw SpotPhotoRefused(
                code: photo.spotCode, file: photo.fileName,
                message:
                    "its bytes in \(file) do not match the SHA-256 recorded when it was added (changed by another program)"
            )
        }
        return data
    }

    /// A photo file read and hashed, with its EXIF.
    struct PhotoFile {
        let given: String
        let stored: String
        let name: String
        let bytes: Data
        let sha256: String
        let metadata: PhotoMetadata
    }

    static func readPhoto(_ path: String, storeFolder: String) throws -> PhotoFile {
        try InputFile.regular(path, role: "photo")
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw PhotoReadError(path: path, problem: "cannot be read")
        }
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return PhotoFile(
            given: path, stored: Evidence.storedPath(path, storeFolder: storeFolder),
            name: URL(fileURLWithPath: path).lastPathComponent, bytes: bytes, sha256: hasher.finalizeHex(),
            metadata: try PhotoEXIF.read(bytes, path: path))
    }

    static func metres(_ d: Double) -> String { String(format: "%.1f", d) }
    static func degrees(_ d: Double) -> String { String(format: "%.6f", d) }
}

import CExif
import Foundation

// MARK: - What a field photo says about itself (EXIF, through libexif)
//
// Evidence photos (举证照片) prove where and when they were taken: the GPS block gives the position (WGS 84 /
// CGCS2000 degrees) and the direction the camera faced (GPSImgDirection, true or magnetic north), the EXIF block
// the time the shutter fired (DateTimeOriginal, the camera's local time) and the camera. libexif parses the
// block; this file only picks the fields and converts the rationals.

/// The EXIF fields of a photo that evidence needs. Every field is optional: a photo may lack any of them.
public struct PhotoMetadata: Sendable, Equatable {
    /// Degrees, north positive.
    public var latitude: Double?
    /// Degrees, east positive.
    public var longitude: Double?
    /// Degrees clockwise from north (0–360), where the camera looked.
    public var directionDegrees: Double?
    /// "T" (true north) or "M" (magnetic north), as GPSImgDirectionRef says.
    public var directionReference: String?
    /// "YYYY-MM-DDTHH:MM:SS", the camera's local time (DateTimeOriginal, else DateTime).
    public var takenAt: String?
    /// Make and model, as the camera wrote them.
    public var camera: String?

    public init(
        latitude: Double? = nil, longitude: Double? = nil, directionDegrees: Double? = nil,
        directionReference: String? = nil, takenAt: String? = nil, camera: String? = nil
    ) {
        self.latitude = latitude; self.longitude = longitude; self.directionDegrees = directionDegrees
        self.directionReference = directionReference; self.takenAt = takenAt; self.camera = camera
    }

    /// The day the photo was taken, "YYYY-MM-DD".
    public var takenOn: String? { takenAt.map { String($0.prefix(10)) } }
}

/// A photo that cannot be read as evidence.
public struct PhotoReadError: Error, LocalizedError, Equatable, Sendable {
    public let path: String
    public let problem: String
    public init(path: String, problem: String) { self.path = path; self.problem = problem }
    public var errorDescription: String? { "photo \(path): \(problem)" }
}

public enum PhotoEXIF {
    /// The media type of photo evidence: EXIF with GPS is a JPEG thing (libexif reads JPEG).
    public static let contentType = "image/jpeg"

    /// Reads the EXIF fields of the JPEG held in `bytes` (the file `path`, for messages).
    /// - Throws: `PhotoReadError` when the bytes are not a JPEG.
    public static func read(_ bytes: Data, path: String) throws -> PhotoMetadata {
        // SOI marker FF D8 FF: anything else is not a JPEG (a PNG, a HEIC, a text file renamed .jpg).
        guard bytes.count >= 4, bytes[bytes.startIndex] == 0xFF, bytes[bytes.startIndex + 1] == 0xD8,
            bytes[bytes.startIndex + 2] == 0xFF
        else { throw PhotoReadError(path: path, problem: "is not a JPEG (photo evidence is read from JPEG EXIF)") }
        guard bytes.count <= Int(UInt32.max) else { throw PhotoReadError(path: path, problem: "is larger than 4 GiB") }
        let parsed = bytes.withUnsafeBytes { raw in
            exif_data_new_from_data(raw.bindMemory(to: UInt8.self).baseAddress, UInt32(raw.count))
        }
        // No EXIF block at all: a JPEG without metadata (a screenshot, a photo stripped by a messenger app).
        guard let data = parsed else { return PhotoMetadata() }
        defer { exif_data_unref(data) }
        let order = exif_data_get_byte_order(data)
        let ifds = withUnsafeBytes(of: data.pointee.ifd) {
            Array($0.bindMemory(to: UnsafeMutablePointer<ExifContent>?.self))
        }
        func entry(_ ifd: ExifIfd, _ tag: UInt32) -> UnsafeMutablePointer<ExifEntry>? {
            guard let content = ifds[Int(ifd.rawValue)] else { return nil }
            return exif_content_get_entry(content, ExifTag(rawValue: tag))
        }
        func text(_ ifd: ExifIfd, _ tag: UInt32) -> String? {
            guard let e = entry(ifd, tag), e.pointee.format == EXIF_FORMAT_ASCII, let p = e.pointee.data else {
                return nil
            }
            let bytes = UnsafeBufferPointer(start: p, count: Int(e.pointee.size)).prefix { $0 != 0 }
            let s = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            return s.isEmpty ? nil : s
        }
        func rationals(_ ifd: ExifIfd, _ tag: UInt32) -> [Double]? {
            guard let e = entry(ifd, tag), e.pointee.format == EXIF_FORMAT_RATIONAL, let p = e.pointee.data else {
                return nil
            }
            let size = Int(exif_format_get_size(EXIF_FORMAT_RATIONAL))
            let count = min(Int(e.pointee.components), Int(e.pointee.size) / size)
            let values = (0..<count).compactMap { i -> Double? in
                let r = exif_get_rational(p + i * size, order)
                return r.denominator == 0 ? nil : Double(r.numerator) / Double(r.denominator)
            }
            return values.count == count && count > 0 ? values : nil
        }
        // Degrees, minutes, seconds (three rationals) and a hemisphere letter.
        func coordinate(_ tag: UInt32, _ refTag: UInt32, negative: String) -> Double? {
            guard let dms = rationals(EXIF_IFD_GPS, tag), dms.count == 3 else { return nil }
            let degrees = dms[0] + dms[1] / 60 + dms[2] / 3600
            return text(EXIF_IFD_GPS, refTag)?.uppercased() == negative ? -degrees : degrees
        }
        var m = PhotoMetadata()
        // GPS tags (EXIF 2.3 §4.6.6): 1/2 latitude ref/value, 3/4 longitude, 16/17 image direction ref/value.
        m.latitude = coordinate(0x0002, 0x0001, negative: "S")
        m.longitude = coordinate(0x0004, 0x0003, negative: "W")
        if m.latitude == nil || m.longitude == nil { m.latitude = nil; m.longitude = nil }
        if let direction = rationals(EXIF_IFD_GPS, 0x0011)?.first, direction.isFinite, (0...360).contains(direction) {
            m.directionDegrees = direction
            m.directionReference = text(EXIF_IFD_GPS, 0x0010).map { $0.uppercased() }
        }
        // DateTimeOriginal (0x9003) in the EXIF IFD, else DateTime (0x0132) in IFD 0: "YYYY:MM:DD HH:MM:SS".
        if let stamp = text(EXIF_IFD_EXIF, 0x9003) ?? text(EXIF_IFD_0, 0x0132) { m.takenAt = isoTime(stamp) }
        let camera = [text(EXIF_IFD_0, 0x010F), text(EXIF_IFD_0, 0x0110)].compactMap { $0 }
        m.camera = camera.isEmpty ? nil : camera.joined(separator: " ")
        return m
    }

    /// "2024:03:05 14:30:00" → "2024-03-05T14:30:00"; nil for anything that is not that shape (cameras write
    /// "0000:00:00 00:00:00" or spaces when the clock was never set).
    static func isoTime(_ stamp: String) -> String? {
        let parts = stamp.split(whereSeparator: { $0 == ":" || $0 == " " }).map(String.init)
        guard parts.count == 6, parts.allSatisfy({ Int($0) != nil }),
            let y = Int(parts[0]), let mo = Int(parts[1]), let d = Int(parts[2]),
            (1900...2200).contains(y), (1...12).contains(mo), (1...31).contains(d)
        else { return nil }
        return "\(parts[0])-\(parts[1])-\(parts[2])T\(parts[3]):\(parts[4]):\(parts[5])"
    }
}

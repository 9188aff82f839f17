import CCairo
import Foundation
import LandRegistry

// MARK: - Evidence photos on a dossier page
//
// A photo goes into the PDF as the JPEG it is: cairo's PDF surface embeds a source surface's attached JPEG
// (CAIRO_MIME_TYPE_JPEG) as a DCTDecode image instead of its pixels, so nothing is decoded or re-compressed and
// the page shows the very bytes whose SHA-256 the store holds. The surface that carries the JPEG only gives its
// size: it is made A1 (one bit per pixel, left blank), so that a 12-megapixel photo costs 1.5 MB while its page is
// drawn, not 48.

enum DossierPhotos {
    /// Width and height in pixels, from the JPEG's start-of-frame marker (nil: no frame found, not a JPEG).
    static func jpegSize(_ jpeg: Data) -> (width: Int, height: Int)? {
        jpeg.withUnsafeBytes { jpegSize(UnsafeRawBufferPointer($0).bindMemory(to: UInt8.self)) }
    }

    /// The same over the bytes in place (no copy of the photo).
    private static func jpegSize(_ b: UnsafeBufferPointer<UInt8>) -> (width: Int, height: Int)? {
        guard b.count > 4, b[0] == 0xFF, b[1] == 0xD8 else { return nil }
        var i = 2
        while i + 9 < b.count {
            guard b[i] == 0xFF else { return nil }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue } // fill byte
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue } // no length
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2 else { return nil }
            // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC): precision, height, width.
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                let height = Int(b[i + 5]) << 8 | Int(b[i + 6]), width = Int(b[i + 7]) << 8 | Int(b[i + 8])
                return width > 0 && height > 0 ? (width, height) : nil
            }
            if marker == 0xDA { return nil } // start of scan before any frame
            i += 2 + length
        }
        return nil
    }

    /// Draws `jpeg` fitted into the box (device units) with its aspect kept, top-left at (x, y); returns the size
    /// drawn. - Throws: `MapError` when the bytes hold no JPEG frame or cairo refuses them.
    static func draw(_ jpeg: Data, on canvas: Canvas, x: Double, y: Double, maxWidth: Double, maxHeight: Double)
        throws -> (width: Double, height: Double)
    {
        guard let (w, h) = jpegSize(jpeg), w <= 65_535, h <= 65_535 else {
            throw MapError("a photo holds no JPEG frame that can be placed")
        }
        let image = cairo_image_surface_create(CAIRO_FORMAT_A1, Int32(w), Int32(h))
        defer { cairo_surface_destroy(image) }
        // cairo keeps the mime data until the surface is freed (after the page is written): a copy it frees itself.
        guard let copy = malloc(jpeg.count) else { throw MapError("out of memory for a photo") }
        jpeg.copyBytes(to: copy.assumingMemoryBound(to: UInt8.self), count: jpeg.count)
        let status = cairo_surface_set_mime_data(
            image, CAIRO_MIME_TYPE_JPEG, copy.assumingMemoryBound(to: UInt8.self), UInt(jpeg.count),
            { free($0) }, copy)
        guard status == CAIRO_STATUS_SUCCESS else {
            free(copy)
            throw MapError("cairo refused a photo: \(String(cString: cairo_status_to_string(status)))")
        }
        let scale = min(maxWidth / Double(w), maxHeight / Double(h))
        let cr = canvas.cr
        cairo_save(cr)
        cairo_translate(cr, x, y)
        cairo_scale(cr, scale, scale)
        cairo_set_source_surface(cr, image, 0, 0)
        cairo_rectangle(cr, 0, 0, Double(w), Double(h))
        cairo_fill(cr)
        cairo_restore(cr)
        // A thin frame: a photo of a pale field should not melt into the page.
        canvas.setColour(RGB(150, 150, 150))
        canvas.setLine(widthMM: 0.15, style: .solid)
        cairo_rectangle(cr, x, y, Double(w) * scale, Double(h) * scale)
        cairo_stroke(cr)
        return (Double(w) * scale, Double(h) * scale)
    }

    /// The caption under a photo: number, time, direction, distance.
    static func caption(_ p: SpotPhoto) -> String {
        var parts = ["#\(p.fid)", p.takenAt.map { $0.replacingOccurrences(of: "T", with: " ") } ?? "无时间 no time"]
        if let d = p.directionDeg { parts.append(String(format: "%.0f°", d) + (p.directionRef.map { " " + $0 } ?? "")) }
        parts.append(p.distanceM.map { $0 == 0 ? "图斑内 inside" : String(format: "%.1f m", $0) } ?? "无位置 no position")
        return parts.joined(separator: " · ")
    }
}

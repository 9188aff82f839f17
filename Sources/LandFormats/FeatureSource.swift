import LandGeoJSON
import LandGeometry

// MARK: - Where a layer import's features come from
//
// The import pipeline reads features one at a time on its scanning thread and prepares them on worker threads.
// A GeoJSON file is scanned into raw feature texts (parsed on the workers, the fast path); any other format is
// read through GDAL: the scanning thread only fetches each OGRFeatureH (the layer and dataset stay on that one
// thread, as GDAL requires) and hands it over; a worker then types its fields, decodes its text (iconv) and
// exports its WKB (an OGRFeature owns its values and may be read and destroyed on another thread), and the
// geometry is decoded with LandGeometry's WKB decoder, so that both formats go through the same checks.
// (So the one scanning thread does only what must stay on it; see README's Performance notes for what it gained.)
// A plain Shapefile goes further: the scanning thread only hands out positions and each worker fetches its own
// features through its own GDAL handle (GDALPositionalReads.swift).

/// One feature as a source hands it to the import pipeline.
public enum SourceFeature: Sendable {
    /// GeoJSON text, parsed on a worker.
    case geoJSON(RawFeature)
    /// A feature GDAL read: properties already typed, geometry as WKB.
    case decoded(DecodedFeature)
    /// A feature GDAL fetched but has not decoded yet; `ImportPipeline` decodes it on a worker into `.decoded`.
    case gdalFeature(GDALFeatureHandle)

    /// 0-based position in the file (or layer).
    public var index: Int {
        switch self {
        case .geoJSON(let raw): return raw.index
        case .decoded(let d): return d.index
        case .gdalFeature(let h): return h.index
        }
    }
}

/// A feature read through GDAL.
public struct DecodedFeature: Sendable {
    /// 0-based position in the layer.
    public let index: Int
    /// The OGR feature id (FID).
    public let fid: Int64
    /// Fields in the layer's order, typed as the GeoJSON path would see them (integers and reals as numbers,
    /// strings as text, dates as YYYY-MM-DD).
    public let properties: JSONObject
    /// ISO WKB of the geometry (curves linearised); nil when the feature has none.
    public let wkb: [UInt8]?
    /// What is wrong with the feature as read (an undecodable text field, a message of GDAL's); nil when nothing.
    public let problem: String?
}

/// A stream of features for the import pipeline; read from one thread at a time.
public protocol FeatureSource: AnyObject {
    /// The next feature, or nil at the end. Throws when the file cannot be read any further.
    func nextSourceFeature() throws -> SourceFeature?
    /// Progress so far, in the unit of `fileSize` (bytes for GeoJSON, features for GDAL sources).
    var bytesRead: Int64 { get }
    /// The total for progress bars, when known.
    var fileSize: Int64? { get }
}

extension GeoJSONFeatureSource: FeatureSource {
    public func nextSourceFeature() throws -> SourceFeature? {
        try nextRawFeature().map(SourceFeature.geoJSON)
    }
}

import Foundation
import LandFormats
import LandGeoJSON
import LandGeometry

// MARK: - Opening a layer import's source and reading its CRS
//
// GeoJSON (.geojson, .json, .geojsons and anything GDAL is not asked to read) keeps landreg's streaming reader;
// the extensions GDALFeatureSource lists go through GDAL. Both end up as a `FeatureSource` for the pipeline.

struct LayerSource {
    let source: any FeatureSource
    /// Set for a source read through GDAL.
    let gdal: GDALFeatureSource?

    var isGDAL: Bool { gdal != nil }
    var layerName: String? { gdal?.layerName }

    /// Extensions that are certainly not a layer: refused rather than read as GeoJSON.
    static let notLayerExtensions: Set<String> = ["xlsx", "xls", "dbf", "shx", "prj", "cpg", "txt"]

    /// Opens `file`; a file that cannot be opened becomes an `ImportFailed` naming it.
    static func open(_ file: String, options: FeatureImportOptions) throws -> LayerSource {
        func refuse(_ message: String) -> ImportFailed {
            ImportFailed(file: file, problems: [FeatureProblem(featureIndex: nil, message: message)], problemCount: 1)
        }
        var encoding: TextEncoding? = nil
        if let name = options.encoding {
            guard let e = TextEncoding(name: name) else {
                throw ImportSetupError("--encoding \(name): expected gbk, gb18030 or utf-8")
            }
            encoding = e
        }
        let ext = (file as NSString).pathExtension.lowercased()
        if GDALFeatureSource.layerExtensions.contains(ext) {
            // stat'ed before GDAL opens anything (GDAL would block on a FIFO): a FileGDB is a folder, the rest files.
            if ext == "gdb" {
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: file, isDirectory: &isFolder), !isFolder.boolValue {
                    throw refuse("is not a folder: a FileGDB (.gdb) is a folder of tables")
                }
            } else {
                do { try InputFile.regular(file, role: "import file") } catch let e as InputFileError {
                    throw refuse(e.problem)
                }
            }
            do {
                return LayerSource(
                    source: try GDALFeatureSource(path: file, layer: options.layer, encoding: encoding),
                    gdal: nil
                ).withGDAL()
            } catch let e as GDALSourceError { throw refuse(e.message) }
        }
        if notLayerExtensions.contains(ext) {
            throw refuse(
                "a layer is read from .geojson, .geojsons, "
                    + GDALFeatureSource.layerExtensions.map { "." + $0 }.joined(separator: ", ")
                    + "; a .\(ext) file is none of them")
        }
        if let layer = options.layer { throw ImportSetupError("--layer \(layer): a GeoJSON file has a single layer") }
        if let encoding, encoding != .utf8 { throw ImportSetupError("--encoding \(encoding): GeoJSON is always UTF-8") }
        do {
            return LayerSource(
                source: try GeoJSONFeatureSource(path: file, bufferSize: options.readBufferBytes), gdal: nil)
        } catch {
            // ImportFailed names the file once; a GeoJSONError's own message does not repeat it.
            throw refuse((error as? GeoJSONError)?.message ?? "\(error)")
        }
    }

    private func withGDAL() -> LayerSource { LayerSource(source: source, gdal: source as? GDALFeatureSource) }

    /// The CRS the features are read in, and the note when --crs overrides what the file says.
    func declaredCRS(file: String, options: FeatureImportOptions) throws -> (CRS, String?) {
        func refuse(_ message: String) -> ImportFailed {
            var p = FeatureProblem(featureIndex: nil, message: message)
            p.layer = layerName
            return ImportFailed(file: file, problems: [p], problemCount: 1)
        }
        guard let gdal else {
            if let crs = options.sourceCRS { return (crs, nil) }
            if let name = (source as? GeoJSONFeatureSource)?.legacyCRSName {
                do { return (try CRS.parse(name), nil) } catch {
                    throw refuse(
                        "the file's crs member \"\(name)\" is not a CRS landreg knows (\(error)); pass --crs EPSG:N")
                }
            }
            return (.wgs84, nil)
        }
        let fileCRS: Result<CRS, ImportSetupError>
        switch gdal.crs {
        case .none:
            fileCRS = .failure(
                ImportSetupError(
                    gdal.driverName == "ESRI Shapefile"
                        ? "the shapefile has no .prj, so its CRS is unknown; pass --crs EPSG:N (e.g. --crs EPSG:4549)"
                        : "the layer declares no CRS; pass --crs EPSG:N"))
        case .unidentified(let name):
            fileCRS = .failure(
                ImportSetupError(
                    "the file's CRS \"\(name)\" matches no EPSG code (GDAL/PROJ "
                        + "identification); pass --crs EPSG:N"))
        case .identified(let epsg, let name):
            do { fileCRS = .success(try CRS(epsg: epsg)) } catch {
                fileCRS = .failure(
                    ImportSetupError(
                        "the file's CRS \"\(name)\" (EPSG:\(epsg)) cannot be used: \(error); pass --crs EPSG:N"))
            }
        }
        if let crs = options.sourceCRS {
            switch (fileCRS, gdal.crs) {
            case (.success(let own), _) where own != crs:
                return (crs, "--crs \(crs) overrides the file's CRS (\(own))")
            case (.failure, .unidentified(let name)), (.failure, .identified(_, let name)):
                return (crs, "--crs \(crs) overrides the file's CRS (\(name))")
            default:
                return (crs, nil)
            }
        }
        switch fileCRS {
        case .success(let crs): return (crs, nil)
        case .failure(let e): throw refuse(e.message)
        }
    }

    /// A GDAL feature as the GeoJSON path would have parsed it; runs on worker threads.
    static func feature(_ d: DecodedFeature) -> Result<GeoJSONFeature, FeatureProblem> {
        let fid = String(d.fid)
        if let problem = d.problem {
            return .failure(FeatureProblem(featureIndex: d.index, featureID: fid, message: problem))
        }
        var geometry: Geometry? = nil
        if let wkb = d.wkb {
            do { geometry = try WKB.decode(wkb) } catch {
                return .failure(
                    FeatureProblem(featureIndex: d.index, featureID: fid, message: "geometry cannot be read: \(error)"))
            }
        }
        return .success(GeoJSONFeature(index: d.index, id: .number(fid), properties: d.properties, geometry: geometry))
    }
}

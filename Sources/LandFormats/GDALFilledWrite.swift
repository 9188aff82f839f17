import CGDAL
import Foundation

// MARK: - Features filled on one thread while the driver writes them on another
//
// Why: an export read straight from a statement spends its time in two halves that need not wait for each other:
// stepping the statement and filling each OGR feature (fields, the geometry made from WKB), and the driver's write
// (a Shapefile's .dbf formatting and code-page conversion, the .shp encoding, two seeks and writes a record). On one
// thread they add up; here the filling thread keeps one batch of features ahead of the driver. Measured (100,000
// parcels to a UTF-8 Shapefile, release build, docs/performance.md): see the export-shp-100k row.
//
// GDAL allows it: the features are the caller's objects until they are handed to OGR_L_CreateFeature, each is
// touched by one thread at a time (handed over under `Handoff.condition`), and the layer, dataset and driver are
// used by this thread only. GDAL's error handlers are per thread: the filling thread collects its own messages.

/// One feature being filled: fields by their 0-based position in the writer's `fields`, the geometry from WKB.
public struct FeatureFill {
    let feature: OGRFeatureH
    let indices: [Int32]
    let family: GDALLayerWriter.GeometryFamily?
    let path: String

    init(feature: OGRFeatureH, writer: GDALLayerWriter) {
        self.feature = feature; indices = writer.indices; family = writer.family; path = writer.path
    }

    /// Every field null, no geometry, no FID.
    func clear() {
        // The driver gives each new feature its FID; a kept FID would ask the GeoPackage to overwrite a row.
        OGR_F_SetFID(feature, -1) // OGRNullFID
        for index in indices { OGR_F_SetFieldNull(feature, index) }
        // SetGeometryDirectly(nil) destroys the geometry the feature held.
        OGR_F_SetGeometryDirectly(feature, nil)
    }

    public func setInteger(_ field: Int, _ value: Int64) { OGR_F_SetFieldInteger64(feature, indices[field], value) }
    public func setDouble(_ field: Int, _ value: Double) { OGR_F_SetFieldDouble(feature, indices[field], value) }
    public func setBoolean(_ field: Int, _ value: Bool) {
        OGR_F_SetFieldInteger(feature, indices[field], value ? 1 : 0)
    }
    public func setDate(_ field: Int, year: Int, month: Int, day: Int) {
        OGR_F_SetFieldDateTimeEx(feature, indices[field], Int32(year), Int32(month), Int32(day), 0, 0, 0, 0)
    }
    /// `text`: NUL-terminated UTF-8 (GDAL copies it). Not formula-guarded: CSV callers guard before.
    public func setText(_ field: Int, _ text: UnsafePointer<CChar>) {
        OGR_F_SetFieldString(feature, indices[field], text)
    }

    /// The text of a field set before (nil when null), e.g. the id that names the feature in an error.
    public func text(_ field: Int) -> String? {
        // OGR_F_IsFieldSetAndNotNull returns 0 for an unset or null field.
        guard OGR_F_IsFieldSetAndNotNull(feature, indices[field]) != 0 else { return nil }
        return String(cString: OGR_F_GetFieldAsString(feature, indices[field]))
    }

    /// The geometry from OGC WKB in the layer's CRS (single parts become one-part multis). A layer without
    /// geometry ignores it.
    public func setGeometry(wkb: UnsafeRawBufferPointer, feature named: @autoclosure () -> String) throws {
        guard let family else { return }
        // SetGeometryDirectly takes ownership of the geometry.
        OGR_F_SetGeometryDirectly(
            feature, try GDALLayerWriter.geometry(wkb: wkb, family: family, path: path, feature: named()))
    }
}

extension GDALLayerWriter {
    /// Writes the features `fill` prepares on a thread of its own while this thread hands them to the driver, in
    /// the order filled; returns the GDAL messages of the filling thread (this thread's go to its own handler).
    /// - Parameters:
    ///   - fill: fills the feature it is given (all null, no geometry) and returns true, or returns false when
    ///     there is no more. Called on another thread, one call at a time; what it throws is rethrown here.
    ///   - describe: names the feature at 0-based `index` (as filled) in an error of the driver's.
    /// Returns only after the filling thread has stopped, on the error paths too.
    public func writeFilled(
        batch: Int = 256, fill: (FeatureFill) throws -> Bool, describe: (_ index: Int, FeatureFill) -> String
    ) throws -> [GDALMessage] {
        let perBatch = max(1, batch)
        var made: [OGRFeatureH] = []
        defer { made.forEach { OGR_F_Destroy($0) } }
        for _ in 0..<2 * perBatch { made.append(try makeFeature()) }
        let fills = [made[..<perBatch], made[perBatch...]].map { $0.map { FeatureFill(feature: $0, writer: self) } }
        let handoff = Handoff()
        let finished = DispatchSemaphore(value: 0)
        let fillsBox = Unchecked(fills)
        return try withoutActuallyEscaping(fill) { fill in
            // Emptied once the filler has stopped: the Thread object may keep its block (and this box) alive past
            // this call, and `fill` must not be referenced then (withoutActuallyEscaping traps on it).
            let fillBox = Unchecked<((FeatureFill) throws -> Bool)?>(fill)
            let filler = Thread {
                defer { finished.signal() }
                let (_, messages) = GDALRuntime.collectingMessages {
                    var round = 0
                    while true {
                        let b = round % 2
                        handoff.condition.lock()
                        while handoff.full[b] && !handoff.stopped { handoff.condition.wait() }
                        let stopped = handoff.stopped
                        handoff.condition.unlock()
                        if stopped { return }
                        var count = 0, last = false
                        var failure: Error?
                        do {
                            for f in fillsBox.value[b] {
                                f.clear()
                                guard try fillBox.value?(f) ?? false else { last = true; break }
                                count += 1
                            }
                        } catch {
                            failure = error; last = true
                        }
                        handoff.condition.lock()
                        handoff.count[b] = count; handoff.last[b] = last; handoff.full[b] = true
                        if let failure { handoff.fillError = failure }
                        handoff.condition.broadcast()
                        handoff.condition.unlock()
                        if last { return }
                        round += 1
                    }
                }
                handoff.condition.lock(); handoff.fillMessages = messages; handoff.condition.unlock()
            }
            filler.start()
            // On an error here: stops the filler and waits for it (`fill` must not outlive this call).
            var joined = false
            defer {
                if !joined {
                    handoff.condition.lock(); handoff.stopped = true; handoff.condition.broadcast()
                    handoff.condition.unlock()
                    finished.wait()
                }
                fillBox.value = nil
            }
            var round = 0, index = 0
            while true {
                let b = round % 2
                handoff.condition.lock()
                while !handoff.full[b] { handoff.condition.wait() }
                let count = handoff.count[b], last = handoff.last[b]
                handoff.condition.unlock()
                for k in 0..<count {
                    let f = fills[b][k]
                    try create(f.feature, feature: describe(index, f))
                    index += 1
                }
                handoff.condition.lock(); handoff.full[b] = false; handoff.condition.broadcast()
                handoff.condition.unlock()
                if last { break }
                round += 1
            }
            finished.wait()
            joined = true
            handoff.condition.lock(); defer { handoff.condition.unlock() }
            if let error = handoff.fillError { throw error }
            return handoff.fillMessages
        }
    }
}

/// The two batches' state between the filling thread and the writing thread, under `condition`.
private final class Handoff: @unchecked Sendable {
    let condition = NSCondition()
    /// Batch b is filled and not yet written.
    var full = [false, false]
    var count = [0, 0]
    /// Batch b is the last one (the filler returned false or threw).
    var last = [false, false]
    /// The writer stopped (an error of the driver's): fill no more.
    var stopped = false
    var fillError: Error?
    var fillMessages: [GDALMessage] = []
}

/// A value handed to the filling thread under the rule above (one thread at a time).
private final class Unchecked<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

import Foundation
import LandFormats
import LandGeoJSON
import LandGeometry

// MARK: - Streaming, parallel import pipeline
//
// One thread reads the source (a GeoJSON file scanned into raw feature texts by cheap brace matching, or a
// layer GDAL fetches feature by feature, decoded later on the workers) and hands batches to `workers`
// preparers that run at once (parse, check, transform, repair, measure, encode: the expensive part); the
// caller's thread, which holds the store's write transaction, consumes the prepared rows in file order.
// At most `maxBatchesInFlight` batches exist at a time, so memory is bounded by the batch size, not the file.
// The same input gives the same rows in the same order whatever the number of workers.

/// A feature that could not be imported: where it is and what is wrong.
public struct FeatureProblem: Error, Sendable, Codable, Equatable, CustomStringConvertible {
    /// 0-based position of the feature in the file; nil for a problem with the file as a whole.
    public let featureIndex: Int?
    public let featureID: String?
    public let code: String?
    public let message: String
    /// The layer of a source read through GDAL; then `featureID` is the OGR FID and the description names the
    /// feature by its 1-based position.
    public var layer: String? = nil

    public init(featureIndex: Int?, featureID: String? = nil, code: String? = nil, message: String) {
        self.featureIndex = featureIndex; self.featureID = featureID; self.code = code; self.message = message
    }

    /// The same problem, located in a GDAL source's layer.
    func inLayer(_ name: String?) -> FeatureProblem {
        var copy = self
        copy.layer = name
        return copy
    }

    public var description: String {
        if let layer {
            guard let featureIndex else { return "layer \(layer): \(message)" }
            var labels = featureID.map { ["fid \($0)"] } ?? []
            if let code { labels.append("code \(code)") }
            let label = labels.isEmpty ? "" : " (" + labels.joined(separator: ", ") + ")"
            return "layer \(layer): feature \(featureIndex + 1)\(label): \(message)"
        }
        var place: [String] = []
        if let featureIndex { place.append("feature \(featureIndex)") }
        var labels: [String] = []
        if let featureID { labels.append("id \(featureID)") }
        if let code, code != featureID { labels.append("code \(code)") }
        let label = labels.isEmpty ? "" : " (" + labels.joined(separator: ", ") + ")"
        return place.isEmpty ? message : place.joined() + label + ": " + message
    }

}

/// An import refused: every problem found (up to a cap), nothing written.
public struct ImportFailed: Error, LocalizedError, Sendable {
    public let file: String
    public let problems: [FeatureProblem]
    /// All problems found, including those beyond `problems.count`.
    public let problemCount: Int
    public static let listedProblemLimit = 1000

    public var errorDescription: String? {
        let name = (file as NSString).lastPathComponent
        var lines = ["\(file): \(problemCount) problem\(problemCount == 1 ? "" : "s"); nothing was imported"]
        lines += problems.map { "  \(name): \($0)" }
        if problemCount > problems.count { lines.append("  … and \(problemCount - problems.count) more") }
        return lines.joined(separator: "\n")
    }
}

/// Where an import is, for progress bars.
public struct ImportProgress: Sendable {
    public let features: Int
    public let bytesRead: Int64
    public let totalBytes: Int64?
}

final class ImportPipeline<Row: Sendable> {
    typealias Prepare = (SourceFeature) -> Result<Row, FeatureProblem>

    let batchSize = 512
    let maxBatchesInFlight = 4
    /// Chunks a batch is cut into per worker, for load balancing; no chunk is smaller than `minChunk` features.
    let chunksPerWorker = 4
    let minChunk = 16

    /// Runs the pipeline. `makePreparer` is called once per worker, on the caller's thread; each preparer is
    /// then used by one thread at a time. `consume` runs on the caller's thread in file order. Problems of
    /// single features are passed to `consume` as `.failure`; a problem that stops the scan (malformed file)
    /// is thrown after the rows before it were consumed.
    func run(
        source: GeoJSONFeatureSource, workers: Int, makePreparer: () throws -> Prepare,
        progress: ((ImportProgress) -> Void)?, consume: (Result<Row, FeatureProblem>) throws -> Void
    ) throws {
        try run(
            source: source as any FeatureSource, workers: workers, makePreparer: makePreparer, progress: progress,
            consume: consume)
    }

    func run(
        source: any FeatureSource, workers: Int, makePreparer: () throws -> Prepare,
        progress: ((ImportProgress) -> Void)?, consume: (Result<Row, FeatureProblem>) throws -> Void
    ) throws {
        let workerCount = max(1, workers)
        let preparers = Unchecked(try (0..<workerCount).map { _ in try makePreparer() })
        let scratches = Unchecked((0..<workerCount).map { _ in GDALDecodingScratch() })
        // A Shapefile is read by position on the workers, each with its own GDAL handle (GDALPositionalReads.swift);
        // the scanning thread then only hands out positions. When a worker's handle cannot be opened (out of file
        // descriptors with very many --workers), the layer is read serially: opening them changed nothing.
        let positionalSource = (source as? GDALFeatureSource).flatMap { $0.readsByPosition ? $0 : nil }
        let readers = Unchecked(
            positionalSource.flatMap { s in try? (0..<workerCount).map { _ in try s.makePositionReader() } })
        let positionalBox = Unchecked(readers.value == nil ? nil : positionalSource)
        let queue = BoundedQueue<Batch>(capacity: maxBatchesInFlight)
        let sourceBox = Unchecked(source)
        let batchSize = self.batchSize, chunksPerWorker = self.chunksPerWorker, minChunk = self.minChunk

        // run() returns only after the producer has stopped, on the normal and on the error path: the preparers
        // (GEOS contexts, PROJ transforms, read-only store connections) are then released on this thread, and
        // none of them is still working while the caller rolls back or closes the store.
        let producerFinished = DispatchSemaphore(value: 0)
        defer {
            producerFinished.wait(); preparers.value.removeAll(); scratches.value.removeAll(); readers.value = nil
        }
        let producer = Thread {
            defer { producerFinished.signal() }
            let source = sourceBox.value
            let positional = positionalBox.value
            while true {
                var scanned: [Item] = []
                scanned.reserveCapacity(batchSize)
                var scanError: Error? = nil
                if let positions = positional?.nextPositions(max: batchSize) {
                    scanned = positions.map(Item.position)
                } else {
                    do {
                        while scanned.count < batchSize, let raw = try source.nextSourceFeature() {
                            scanned.append(.feature(raw))
                        }
                    } catch { scanError = error }
                }
                let raws = scanned
                let results = Unchecked([Result<Row, FeatureProblem>?](repeating: nil, count: raws.count))
                // The first feature (by position in the batch) whose decoding stops the import.
                let stop = Unchecked<(position: Int, error: GDALSourceError)?>(nil)
                if !raws.isEmpty {
                    // Each worker takes the next chunk of the batch while there is one, so that a worker slowed
                    // down (the writer thread shares the cores) does not hold the batch up.
                    let chunkSize = max(
                        minChunk, (raws.count + workerCount * chunksPerWorker - 1) / (workerCount * chunksPerWorker))
                    let next = Unchecked(0)
                    DispatchQueue.concurrentPerform(iterations: min(workerCount, raws.count)) { w in
                        let prepare = preparers.value[w]
                        while true {
                            let lo = next.lock.withLock { () -> Int in
                                let lo = next.value
                                next.value += chunkSize
                                return lo
                            }
                            if lo >= raws.count { break }
                            let hi = min(raws.count, lo + chunkSize)
                            var local: [Result<Row, FeatureProblem>] = []
                            local.reserveCapacity(hi - lo)
                            let scratch = scratches.value[w]
                            for i in lo..<hi {
                                // Stops the import after the features before it, as a scan error would.
                                func stopHere(_ e: GDALSourceError) {
                                    stop.lock.withLock {
                                        if stop.value.map({ i < $0.position }) ?? true { stop.value = (i, e) }
                                    }
                                    local.append(
                                        .failure(FeatureProblem(featureIndex: raws[i].index, message: e.message)))
                                }
                                // A GDAL feature is fetched (when read by position) and decoded here, on the worker.
                                let handle: GDALFeatureHandle
                                switch raws[i] {
                                case .feature(.gdalFeature(let h)): handle = h
                                case .feature(let other): local.append(prepare(other)); continue
                                case .position(let p):
                                    switch readers.value![w].read(p) {
                                    case .success(let h): handle = h
                                    case .failure(let e): stopHere(e); continue
                                    }
                                }
                                switch handle.decode(using: scratch) {
                                case .success(let decoded): local.append(prepare(.decoded(decoded)))
                                case .failure(let e): stopHere(e)
                                }
                            }
                            results.lock.withLock { for (k, r) in local.enumerated() { results.value[lo + k] = r } }
                        }
                    }
                }
                var prepared = results.value.map { $0! }
                if let (position, error) = stop.value {
                    prepared.removeSubrange(position...)
                    scanError = error
                }
                let done = scanError != nil || raws.count < batchSize
                let accepted = queue.push(
                    Batch(
                        results: prepared, error: scanError, done: done,
                        bytesRead: source.bytesRead))
                if done || !accepted { return }
            }
        }
        producer.stackSize = 8 << 20
        producer.start()

        var consumed = 0
        var consumerError: Error? = nil
        while let batch = queue.pop() {
            if consumerError == nil {
                do {
                    for result in batch.results { try consume(result); consumed += 1 }
                    progress?(
                        ImportProgress(features: consumed, bytesRead: batch.bytesRead, totalBytes: source.fileSize))
                } catch { consumerError = error }
            }
            if let e = batch.error, consumerError == nil { consumerError = e }
            if batch.done { break }
        }
        // The producer has pushed its last batch once we saw `done`; if we stopped early, drain it.
        if consumerError != nil { queue.drain() }
        if let consumerError { throw consumerError }
    }

    /// What the scanning thread hands a worker: a feature it read, or the position of one the worker reads.
    enum Item: Sendable {
        case feature(SourceFeature)
        case position(Int)

        var index: Int {
            switch self {
            case .feature(let f): return f.index
            case .position(let p): return p
            }
        }
    }

    struct Batch: Sendable {
        let results: [Result<Row, FeatureProblem>]
        let error: Error?
        let done: Bool
        let bytesRead: Int64
    }
}

/// A value handed between threads under a rule the compiler cannot see: each pipeline preparer is used by one
/// thread at a time, and result slots are written under `lock`.
final class Unchecked<T>: @unchecked Sendable {
    var value: T
    let lock = NSLock()
    init(_ value: T) { self.value = value }
}

/// A blocking FIFO of bounded capacity between the scanning thread and the writing thread.
final class BoundedQueue<T: Sendable>: @unchecked Sendable {
    private var items: [T] = []
    private let condition = NSCondition()
    private let capacity: Int
    private var draining = false

    init(capacity: Int) { self.capacity = capacity }

    /// Adds an item, waiting while the queue is full; false when the consumer has stopped (`drain`).
    @discardableResult
    func push(_ item: T) -> Bool {
        condition.lock(); defer { condition.unlock() }
        while items.count >= capacity && !draining { condition.wait() }
        if draining { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    func pop() -> T? {
        condition.lock(); defer { condition.unlock() }
        while items.isEmpty { condition.wait() }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// Stops accepting items and lets a blocked producer finish.
    func drain() {
        condition.lock(); draining = true; items.removeAll(); condition.broadcast(); condition.unlock()
    }
}

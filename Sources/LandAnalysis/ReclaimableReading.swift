import LandGeometry
import LandRegistry

// MARK: - From registry records to the reclaimable-area report

extension ReclaimableCalculator {
    /// Reads the registry as of `asOf` (nil: now) and computes the report, grouped by zones of `zoneKind` if given.
    public static func compute(_ registry: Registry, asOf: String?, zoneKind: ZoneKind?) throws
        -> (report: ReclaimableReport, polygons: [ReclaimablePolygon])
    {
        let records = try registry.reclaimableRecords(asOf: asOf)
        var sources: [ReclaimSource] = records.spots.map {
            ReclaimSource(
                category: .farmland, entity: "spot", code: $0.code, geometry: $0.farmland, progressM2: $0.recultivatedM2
            )
        }
        sources += records.sites.map {
            ReclaimSource(
                category: .industrial, entity: "site", code: $0.code, geometry: $0.geometry, progressM2: $0.disposedM2)
        }
        // A restoring spot over no farmland has nothing to restore: not a source, and no warning.
        sources.removeAll { $0.category == .farmland && $0.geometry.isEmpty }
        let zones =
            try zoneKind.map { kind in
                try registry.zonesWithGeometry(kind: kind).map {
                    ReclaimZone(code: $0.zone.code, name: $0.zone.name, kind: $0.zone.kind, geometry: $0.geometry)
                }
            } ?? []
        let capacity = records.capacitySites.map {
            CapacitySite(
                code: $0.code, plannedFAR: $0.plannedFAR, landAreaM2: $0.landAreaM2, floorAreaM2: $0.floorAreaM2)
        }
        return try ReclaimableCalculator(storeCRS: registry.storeCRS).report(
            sources: sources, zones: zones, zoneKind: zoneKind?.rawValue, capacitySites: capacity,
            asOf: asOf ?? Clock.today())
    }
}

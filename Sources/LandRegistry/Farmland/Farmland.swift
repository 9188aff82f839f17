// MARK: - What counts as farmland (耕地)
//
// The one definition every feature uses (the spot overlay, the reclaimable sources, the reports): a parcel is
// farmland when its land use is 耕地 in its code system — GB/T 21010 0101 水田, 0102 水浇地, 0103 旱地; in the
// 用地用海 classification (yongdi) any 01xx code.

enum Farmland {
    /// The GB/T 21010 codes of farmland (用地用海 0101–0103 are the same classes).
    static let codes = ["0101", "0102", "0103"]

    /// SQL condition on parcels aliased `p` that holds for farmland in either code system.
    static let parcelCondition = """
        ((p.land_use_system = 'gb21010' AND p.land_use IN ('0101', '0102', '0103'))
          OR (p.land_use_system = 'yongdi' AND substr(p.land_use, 1, 2) = '01'))
        """
}

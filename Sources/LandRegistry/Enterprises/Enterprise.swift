import GRDB

/// An enterprise, by its unified social credit code.
public struct Enterprise: Codable, Sendable, Equatable, FetchableRecord {
    public var id: Int64
    public var creditCode: String
    public var name: String
    public var industry: String?
    /// "above" (规上, main revenue ≥ 2000 万元) or "below".
    public var scale: String?

    enum CodingKeys: String, CodingKey {
        case id, name, industry, scale
        case creditCode = "credit_code"
    }
}

/// One enterprise's figures for one year. Money is in yuan; energy in tonnes of standard coal equivalent.
public struct EnterpriseYear: Codable, Sendable, Equatable, FetchableRecord {
    public var creditCode: String
    public var year: Int
    public var taxYuan: Double?
    public var valueAddedYuan: Double?
    public var revenueYuan: Double?
    public var energyTCE: Double?
    public var employees: Int?
    public var rdYuan: Double?

    public init(creditCode: String, year: Int, taxYuan: Double?, valueAddedYuan: Double?, revenueYuan: Double? = nil,
                energyTCE: Double? = nil, employees: Int? = nil, rdYuan: Double? = nil) {
        self.creditCode = creditCode; self.year = year; self.taxYuan = taxYuan; self.valueAddedYuan = valueAddedYuan
        self.revenueYuan = revenueYuan; self.energyTCE = energyTCE; self.employees = employees; self.rdYuan = rdYuan
    }

    enum CodingKeys: String, CodingKey {
        case year, employees
        case creditCode = "credit_code", taxYuan = "tax_yuan", valueAddedYuan = "value_added_yuan"
        case revenueYuan = "revenue_yuan", energyTCE = "energy_tce", rdYuan = "rd_yuan"
    }
}

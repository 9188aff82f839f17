import GRDB

/// An enterprise, by its unified social credit code.
public struct Enterprise: Codable, Sendable, Equatable, FetchableRecord, TableRecord {
    public static let databaseTableName = "enterprises"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns
    public var id: Int64
    public var creditCode: String
    public var name: String
    public var industry: String?
    /// "above" (规上, main revenue ≥ 2000 万元) or "below".
    public var scale: String?

    public enum Columns {
        public static let id = Column("id"), creditCode = Column("credit_code"), name = Column("name")
        public static let industry = Column("industry"), scale = Column("scale")
    }

    public static var databaseSelection: [any SQLSelectable] {
        [Columns.id, Columns.creditCode, Columns.name, Columns.industry, Columns.scale]
    }
}

/// One enterprise's figures for one year. Money is in yuan; energy in tonnes of standard coal equivalent.
public struct EnterpriseYear: Codable, Sendable, Equatable, FetchableRecord, TableRecord {
    public static let databaseTableName = "enterprise_years"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns
    public var creditCode: String
    public var year: Int
    public var taxYuan: Double?
    public var valueAddedYuan: Double?
    public var revenueYuan: Double?
    public var energyTCE: Double?
    public var employees: Int?
    public var rdYuan: Double?

    public init(
        creditCode: String, year: Int, taxYuan: Double?, valueAddedYuan: Double?, revenueYuan: Double? = nil,
        energyTCE: Double? = nil, employees: Int? = nil, rdYuan: Double? = nil
    ) {
        self.creditCode = creditCode; self.year = year; self.taxYuan = taxYuan; self.valueAddedYuan = valueAddedYuan
        self.revenueYuan = revenueYuan; self.energyTCE = energyTCE; self.employees = employees; self.rdYuan = rdYuan
    }

    public enum Columns {
        public static let creditCode = Column("credit_code"), year = Column("year"), taxYuan = Column("tax_yuan")
        public static let valueAddedYuan = Column("value_added_yuan"), revenueYuan = Column("revenue_yuan")
        public static let energyTCE = Column("energy_tce"), employees = Column("employees"), rdYuan = Column("rd_yuan")
    }

    public static var databaseSelection: [any SQLSelectable] {
        [
            Columns.creditCode, Columns.year, Columns.taxYuan, Columns.valueAddedYuan, Columns.revenueYuan,
            Columns.energyTCE, Columns.employees, Columns.rdYuan
        ]
    }
}

// MARK: - Records that name an enterprise by credit code (a site's holder, a lease's tenant)

extension TableRecord {
    /// `Self`'s rows with the name of the enterprise whose credit code is in `creditCode`, decoded from the
    /// column `nameColumn` (NULL when the code names no enterprise).
    static func withEnterpriseName(creditCode: Column, as nameColumn: String) -> QueryInterfaceRequest<Self> {
        // A given key: GRDB would otherwise singularize the table name with regular expressions (see Parcel).
        let enterprise = belongsTo(
            Enterprise.self, key: "enterprise",
            using: ForeignKey([creditCode], to: [Enterprise.Columns.creditCode]))
        return annotated(withOptional: enterprise.select(Enterprise.Columns.name.forKey(nameColumn)))
    }

    /// The same read as raw SQL, for statements prepared by hand: `columns` of `Self`'s table as `alias`, the
    /// enterprise as `e`. Filters and order are appended by the caller.
    static func selectWithEnterpriseNameSQL(
        alias: String, columns: [String], creditCode: String,
        as nameColumn: String
    ) -> String {
        "SELECT " + columns.map { "\(alias).\($0)" }.joined(separator: ", ")
            + ", e.name AS \(nameColumn) FROM \(databaseTableName) \(alias)"
            + " LEFT JOIN enterprises e ON e.credit_code = \(alias).\(creditCode)"
    }
}

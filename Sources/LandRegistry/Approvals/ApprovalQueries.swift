import GRDB

extension Registry {
    /// Live approvals, optionally of one kind, by date then document number.
    public func approvals(kind: ApprovalKind? = nil) throws -> [Approval] {
        try dbQueue.read { db in
            var request = Approval.all().live()
            if let kind { request = request.filter(Approval.Columns.kind == kind.rawValue) }
            return try request.order(Approval.Columns.approvalDate, Approval.Columns.code)
                .fetchAllNamingBadRow(db, file: path)
        }
    }
}

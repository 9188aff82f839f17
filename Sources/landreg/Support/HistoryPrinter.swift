import LandRegistry

/// `parcels history`, `sites history` and `spots history`: one layout for every entity's past.
///
/// Text: the rows the code has had (oldest first, retired ones marked; the entity's own list table), then its
/// events as one table, oldest first. JSON: `{versions, events}`. A spot is never replaced, so its one row is
/// `spots show` and its history is the events alone: the table, or with --json the array of events.
enum HistoryPrinter {
    static func print<Version: Encodable>(versions: [Version], as table: TextTable, events: [Event], json: Bool) throws
    {
        if json {
            try printJSON(VersionsAndEvents(versions: versions, events: events))
            return
        }
        printOut(table.render() + "\n" + eventTable(events).render())
    }

    static func print(events: [Event], json: Bool) throws {
        if json { try printJSON(events); return }
        printOut(eventTable(events).render())
    }

    /// The --json document of an entity with versions.
    private struct VersionsAndEvents<Version: Encodable>: Encodable {
        let versions: [Version]
        let events: [Event]
    }

    /// One row per event: its id, effective date (`--on`), action, states, actor, note, evidence (path and the
    /// start of its SHA-256) and details as stored.
    static func eventTable(_ events: [Event]) -> TextTable {
        var t = TextTable(["#", "on", "action", "from", "to", "by", "note", "evidence", "details"])
        for e in events {
            t.add([
                String(e.id ?? 0), e.effectiveDate, e.action.rawValue, e.fromState ?? "", e.toState ?? "", e.actor,
                e.note ?? "",
                e.evidencePath.map { "\($0) (sha256 \(e.evidenceSHA256?.prefix(12) ?? "")…)" } ?? "", e.details
            ])
        }
        return t
    }
}

import Foundation
import LandRegistry
import Testing

@Suite("Optional report fields keep their JSON keys")
struct NullWhenNilTests {
    struct Row: Codable, Equatable {
        var code: String
        @NullWhenNil var ratio: Double?
        @NullWhenNil var note: String?
        var plain: Int?
    }

    @Test func nilIsWrittenAsNullAndReadBackFromNullOrAMissingKey() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let empty = Row(code: "A", ratio: nil, note: nil, plain: nil)
        // The wrapped optionals keep their keys; a plain optional still leaves its key out.
        #expect(String(decoding: try encoder.encode(empty), as: UTF8.self) == #"{"code":"A","note":null,"ratio":null}"#)
        let full = Row(code: "B", ratio: 0.25, note: "x", plain: 3)
        #expect(
            String(decoding: try encoder.encode(full), as: UTF8.self)
                == #"{"code":"B","note":"x","plain":3,"ratio":0.25}"#)
        #expect(try JSONDecoder().decode(Row.self, from: try encoder.encode(full)) == full)
        #expect(try JSONDecoder().decode(Row.self, from: Data(#"{"code":"A","ratio":null}"#.utf8)) == empty)
    }
}

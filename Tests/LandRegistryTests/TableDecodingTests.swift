import Foundation
import Testing

@testable import LandRegistry

/// CSV text as offices save it: GBK without BOM, UTF-8 with BOM, CRLF; bytes invalid in the encoding refused
/// naming their line. The GBK bytes are written out here (湖埠村 = BA FE B2 BA B4 E5 in code page 936).
@Suite("Decoding CSV tables (GBK, GB18030, BOM, CRLF)")
struct TableDecodingTests {
    static let huBuCun: [UInt8] = [0xBA, 0xFE, 0xB2, 0xBA, 0xB4, 0xE5]

    static func write(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("decode-\(UUID().uuidString).csv").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func gbkWithCRLFAndAQuotedLineBreakDecodes() throws {
        let bytes =
            Array("code,name\r\nA,".utf8) + Self.huBuCun + Array("\r\nB,\"x\r\n".utf8) + Self.huBuCun
            + Array("\"\r\n".utf8)
        let path = try Self.write(bytes)
        let table = try CSVTable(contentsOf: path, encoding: "gbk")
        #expect(table.header == ["code", "name"])
        #expect(table.rows == [["A", "湖埠村"], ["B", "x\r\n湖埠村"]]) // a quoted line break is kept as written
        #expect(table.lineNumbers == [2, 3])
        // The same bytes without --encoding: refused at line 2, suggesting --encoding gbk.
        #expect {
            _ = try CSVTable(contentsOf: path)
        } throws: { error in
            guard let e = error as? CSVError else { return false }
            return e.line == 2 && e.message.contains("byte 0xBA") && e.message.contains("--encoding gbk")
        }
    }

    @Test func aUTF8BOMMeansUTF8EvenWithEncodingGBK() throws {
        let path = try Self.write([0xEF, 0xBB, 0xBF] + Array("code,name\r\nA,湖埠村\r\n".utf8))
        #expect(try CSVTable(contentsOf: path).rows == [["A", "湖埠村"]])
        #expect(try CSVTable(contentsOf: path, encoding: "gbk").rows == [["A", "湖埠村"]])
    }

    @Test func gb18030FourByteSequencesNeedGB18030() throws {
        // U+20000 𠀀 is 95 32 82 36 in GB18030 and not GBK at all.
        let path = try Self.write(Array("code,name\nA,ok\nB,".utf8) + [0x95, 0x32, 0x82, 0x36] + Array("\n".utf8))
        #expect(try CSVTable(contentsOf: path, encoding: "gb18030").rows == [["A", "ok"], ["B", "𠀀"]])
        #expect {
            _ = try CSVTable(contentsOf: path, encoding: "gbk")
        } throws: { error in
            guard let e = error as? CSVError else { return false }
            return e.line == 3 && e.message.hasPrefix("not valid gbk text")
        }
    }

    @Test func anUnknownEncodingNameIsRefused() throws {
        let path = try Self.write(Array("code\nA\n".utf8))
        #expect(throws: CSVError.self) { _ = try CSVTable(contentsOf: path, encoding: "big5") }
    }
}

import Foundation
import Testing

// MARK: - The command examples of README.md and docs/*.md, run as written
//
// How an example is written (docs/testing.md says the same for writers):
// - A fenced block tagged `console` is an example. A line starting `$ landreg` is a command (shell words: '…' and
//   "…" quote, a word starting with # begins a comment); the lines after it, up to the next `$ ` line or the end
//   of the block, are what it prints, stdout and stderr as they interleave.
// - The examples of one page run in order in one session: a new temporary folder holding a copy of GeoData/, with
//   LANDREG_ACTOR=李娜 and LANDREG_SEEDS=seeds/ (LANDREG_STORE unset: the store is ./landreg.gpkg unless --store).
// - `<!-- file: NAME -->` on the line before a fenced block writes the block's text to NAME in the session folder
//   (an input an example needs, shown to the reader).
// - Compared after normalising both sides: trailing blanks of lines and trailing empty lines dropped, UTC
//   timestamps (2026-11-26T09:12:03.123Z) and durations (`in 0.4 s`, `(1.4 s)`) replaced by placeholders. In the
//   expected text a line that is only `…` stands for any number of lines, and `…` inside a line for any text.
// - A command whose expected output has a line starting `Error: ` (a refusal) or `PROBLEMS FOUND` (a failed
//   `check`) must exit non-zero; every other must exit 0.
// - A `$ landreg` line outside a console block is refused: every command example is run.

/// One thing a page asks the session to do, with the line of the page it comes from.
enum DocStep: Equatable {
    case file(name: String, text: String, line: Int)
    case command(arguments: [String], expected: [String], line: Int)
}

struct DocPageError: Error, CustomStringConvertible {
    let description: String
}

enum DocPage {
    /// The pages whose examples are run: README.md and every docs/*.md.
    static let all: [String] = {
        let docs =
            (try? FileManager.default.contentsOfDirectory(atPath: CLI.repo.appendingPathComponent("docs").path)) ?? []
        return ["README.md"] + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
    }()

    /// The steps of a page, in order; refuses a page that breaks the conventions above.
    static func steps(of markdown: String, page: String) throws -> [DocStep] {
        var steps: [DocStep] = []
        var fence: (info: String, line: Int, fileName: String?, text: [String])?
        var pendingFile: String?
        var command: (arguments: [String], expected: [String], line: Int)?
        func endCommand() {
            if let c = command { steps.append(.command(arguments: c.arguments, expected: c.expected, line: c.line)) }
            command = nil
        }
        for (i, line) in markdown.components(separatedBy: "\n").enumerated() {
            let number = i + 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if var open = fence {
                if trimmed == "```" {
                    endCommand()
                    if let name = open.fileName {
                        steps.append(.file(name: name, text: open.text.joined(separator: "\n") + "\n", line: open.line))
                    }
                    fence = nil
                    continue
                }
                if open.fileName != nil {
                    open.text.append(line); fence = open
                } else if open.info != "console" && trimmed.hasPrefix("$ landreg") {
                    throw DocPageError(
                        description:
                            "\(page):\(number): a command example outside a ```console block is never run: \(trimmed)")
                } else if open.info == "console" {
                    if line.hasPrefix("$ ") {
                        endCommand()
                        let words = try shellWords(String(line.dropFirst(2)), at: "\(page):\(number)")
                        guard words.first == "landreg" else {
                            throw DocPageError(description: "\(page):\(number): only landreg commands are run: \(line)")
                        }
                        command = (Array(words.dropFirst()), [], number)
                    } else if command != nil {
                        command!.expected.append(line)
                    } else if !trimmed.isEmpty {
                        throw DocPageError(
                            description: "\(page):\(number): output before any command in a console block")
                    }
                }
                continue
            }
            if trimmed.hasPrefix("```") {
                let info = String(trimmed.dropFirst(3)).trimmingCharacters(in: .whitespaces)
                fence = (info, number, pendingFile, [])
                pendingFile = nil
                continue
            }
            if trimmed.hasPrefix("<!-- file:") && trimmed.hasSuffix("-->") {
                pendingFile = String(trimmed.dropFirst("<!-- file:".count).dropLast(3)).trimmingCharacters(
                    in: .whitespaces)
                continue
            }
            if pendingFile != nil && !trimmed.isEmpty {
                throw DocPageError(
                    description: "\(page):\(number): <!-- file: --> must come right before a fenced block")
            }
            if trimmed.hasPrefix("$ landreg") {
                throw DocPageError(
                    description:
                        "\(page):\(number): a command example outside a ```console block is never run: \(trimmed)")
            }
        }
        if fence != nil { throw DocPageError(description: "\(page): a fenced block is not closed") }
        return steps
    }

    /// Splits a command line as a POSIX shell would for the forms the pages use: blanks separate words, '…' and
    /// "…" quote (in "…" a backslash escapes " and \), a word starting with # begins a comment.
    static func shellWords(_ text: String, at place: String) throws -> [String] {
        var words: [String] = [], word = "", inWord = false
        var quote: Character?
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if let q = quote {
                if c == q {
                    quote = nil
                } else if q == "\"" && c == "\\", let n = chars.first, n == "\"" || n == "\\" {
                    word.append(chars.removeFirst())
                } else {
                    word.append(c)
                }
            } else if c == " " || c == "\t" {
                if inWord { words.append(word); word = ""; inWord = false }
            } else if c == "#" && !inWord {
                break
            } else if c == "'" || c == "\"" {
                quote = c; inWord = true
            } else if "|&;<>$`*?".contains(c) {
                throw DocPageError(description: "\(place): \(c) needs a shell; write one landreg command per line")
            } else {
                word.append(c); inWord = true
            }
        }
        if quote != nil { throw DocPageError(description: "\(place): unclosed quote") }
        if inWord { words.append(word) }
        return words
    }
}

enum DocOutput {
    private static let placeholders: [(NSRegularExpression, String)] = [
        (try! NSRegularExpression(pattern: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"#), "<timestamp>"),
        (try! NSRegularExpression(pattern: #"(?<=in |\()\d+\.\d s\b"#), "<seconds> s")
    ]

    /// Lines without trailing blanks, trailing empty lines dropped, timestamps and durations replaced.
    static func normalised(_ text: String) -> [String] {
        var s = text
        for (regex, template) in placeholders {
            s = regex.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: template)
        }
        var lines = s.components(separatedBy: "\n").map {
            String($0.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
        }
        while lines.last == "" { lines.removeLast() }
        return lines
    }

    /// Whether `actual` is what `expected` says (both normalised): a line `…` is any number of lines, `…` in a
    /// line any text.
    static func matches(_ expected: [String], _ actual: [String]) -> Bool {
        var memo: [Int: Bool] = [:]
        func match(_ e: Int, _ a: Int) -> Bool {
            let key = e * (actual.count + 1) + a
            if let known = memo[key] { return known }
            let result: Bool
            if e == expected.count {
                result = a == actual.count
            } else if expected[e] == "…" {
                result = match(e + 1, a) || (a < actual.count && match(e, a + 1))
            } else {
                result = a < actual.count && lineMatches(expected[e], actual[a]) && match(e + 1, a + 1)
            }
            memo[key] = result
            return result
        }
        return match(0, 0)
    }

    static func lineMatches(_ pattern: String, _ line: String) -> Bool {
        let pieces = pattern.components(separatedBy: "…")
        guard pieces.count > 1 else { return pattern == line }
        guard line.hasPrefix(pieces[0]) else { return false }
        var rest = line.dropFirst(pieces[0].count)
        for piece in pieces.dropFirst().dropLast() where !piece.isEmpty {
            guard let r = rest.range(of: piece) else { return false }
            rest = rest[r.upperBound...]
        }
        return rest.hasSuffix(pieces.last!)
    }
}

/// A page's session folder, and its commands run there.
struct DocSession {
    let folder: String

    init() throws {
        folder = CLI.temporaryDirectory()
        try FileManager.default.copyItem(atPath: CLI.geoData, toPath: folder + "/GeoData")
    }

    /// landreg with `arguments` in the session folder; stdout and stderr into one pipe (`2>&1`), so they
    /// interleave as on a terminal.
    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let r = try CLI.run(
            "/bin/sh", ["-c", #"exec "$0" "$@" 2>&1"#, CLI.binary] + arguments, in: folder,
            environment: ["LANDREG_ACTOR": "李娜", "LANDREG_SEEDS": CLI.repo.appendingPathComponent("seeds").path])
        return (r.status, r.stdout + r.stderr)
    }

    /// Runs a page's steps; returns one message per example that printed something else or exited otherwise.
    func play(_ steps: [DocStep], page: String) throws -> [String] {
        var failures: [String] = []
        for step in steps {
            switch step {
            case let .file(name, text, _):
                try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
            case let .command(arguments, expected, line):
                let (status, output) = try run(arguments)
                let want = DocOutput.normalised(expected.joined(separator: "\n"))
                let wantsError = want.contains { $0.hasPrefix("Error: ") || $0.hasPrefix("PROBLEMS FOUND") }
                let command = "$ landreg " + arguments.joined(separator: " ")
                if !DocOutput.matches(want, DocOutput.normalised(output)) {
                    failures.append(
                        "\(page):\(line): \(command)\nprinted:\n\(output)\nthe page says:\n\(expected.joined(separator: "\n"))"
                    )
                } else if wantsError ? status == 0 : status != 0 {
                    failures.append(
                        "\(page):\(line): \(command) exited \(status); the page shows \(wantsError ? "an error" : "no error")"
                    )
                }
            }
        }
        return failures
    }
}

@Suite struct DocExamplesTests {
    @Test(arguments: DocPage.all)
    func examplesPrintWhatThePageSays(page: String) throws {
        let markdown = try String(contentsOf: CLI.repo.appendingPathComponent(page), encoding: .utf8)
        let steps = try DocPage.steps(of: markdown, page: page)
        guard steps.contains(where: { if case .command = $0 { true } else { false } }) else { return }
        for failure in try DocSession().play(steps, page: page) { Issue.record(Comment(rawValue: failure)) }
    }

    @Test func thePagesHoldExamples() throws {
        var commands = 0
        for page in DocPage.all {
            let markdown = try String(contentsOf: CLI.repo.appendingPathComponent(page), encoding: .utf8)
            commands += try DocPage.steps(of: markdown, page: page).filter {
                if case .command = $0 { true } else { false }
            }.count
        }
        #expect(DocPage.all.contains("README.md") && DocPage.all.count > 5)
        #expect(commands >= 40, "only \(commands) command examples found")
    }

    /// Given a real example whose expected output differs from what landreg prints by one figure, the session
    /// reports it; an untested `$ landreg` line, shell syntax and an unclosed block are refused.
    @Test func aChangedOutputOrAnUntestedExampleIsCaught() throws {
        let page = """
            ```console
            $ landreg init --store x.gpkg        # a comment
            created x.gpkg (EPSG:4549, CGCS2000 / 3-degree Gauss-Kruger CM 120E)
            $ landreg init --store x.gpkg
            Error: …already exists…
            ```
            """
        let steps = try DocPage.steps(of: page, page: "scratch.md")
        #expect(try DocSession().play(steps, page: "scratch.md").isEmpty)
        let changed = page.replacingOccurrences(of: "EPSG:4549,", with: "EPSG:4547,")
        let failures = try DocSession().play(try DocPage.steps(of: changed, page: "scratch.md"), page: "scratch.md")
        #expect(
            failures.count == 1 && failures[0].hasPrefix("scratch.md:2: $ landreg init --store x.gpkg"), "\(failures)")
        let noError = page.replacingOccurrences(of: "Error: …already exists…", with: "…")
        #expect(
            try DocSession().play(try DocPage.steps(of: noError, page: "s.md"), page: "s.md").first?.contains(
                "exited 1") == true)

        #expect(throws: DocPageError.self) { try DocPage.steps(of: "    $ landreg parcels list\n", page: "s.md") }
        #expect(throws: DocPageError.self) {
            try DocPage.steps(of: "```console\n$ landreg sites list | head\n```\n", page: "s.md")
        }
        #expect(throws: DocPageError.self) {
            try DocPage.steps(of: "```console\n$ ogrinfo x.gpkg\n```\n", page: "s.md")
        }
        #expect(throws: DocPageError.self) { try DocPage.steps(of: "```console\n$ landreg check\n", page: "s.md") }
    }

    @Test func normalisationAndWildcards() {
        #expect(
            DocOutput.normalised("imported 3 in 12.5 s [import #1]  \nat 2026-12-02T00:05:00.429Z\n\n")
                == ["imported 3 in <seconds> s [import #1]", "at <timestamp>"])
        #expect(DocOutput.matches(["a", "…", "d"], ["a", "b", "c", "d"]))
        #expect(DocOutput.matches(["a", "…", "b"], ["a", "b"]))
        #expect(!DocOutput.matches(["a", "…", "d"], ["a", "b", "c"]))
        #expect(DocOutput.matches(["x {\"a\":1,…,\"z\":2}"], ["x {\"a\":1,\"b\":3,\"z\":2}"]))
        #expect(!DocOutput.matches(["x {\"a\":1,…,\"z\":2}"], ["x {\"a\":2,\"b\":3,\"z\":2}"]))
        #expect(!DocOutput.matches(["a"], ["a", "b"]))
    }
}

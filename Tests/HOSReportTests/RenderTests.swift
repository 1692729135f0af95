// The formats: text fits its width and colours only when asked, tables keep their columns and quote by
// RFC 4180, Markdown escapes input, and the HTML page needs nothing outside itself.

import HOSCore
import Testing

@testable import HOSReport

@Suite struct RenderTests {
    func model() throws -> ReportModel {
        // An insight whose text tries every kind of markup, to check each format keeps it inert.
        let hostile = line("insight", insightPayload("i-x", title: "<script>alert(1)</script> | *a* `b`, \"c\"\nnext"))
        let other = line("analysis_complete", analysis: "a-1", ["jq_step": ["count": 3]])
        return try collect(fullStream() + [hostile, other]).model
    }

    @Test(arguments: [40, 52, 60, 80, 132])
    func textFitsItsWidth(width: Int) throws {
        let text = TextReport(try model(), options: TextOptions(width: width, insights: 0)).render()
        for l in text.split(separator: "\n") {
            #expect(Columns.width(String(l)) <= width, "\(width): \(l)")
        }
        #expect(!text.contains("\u{1B}"))
        // The sparkline shows only where it has room.
        #expect(text.contains("▁") == (width >= 60))
    }

    @Test func colourIsOnlyAddedNeverChangesTheText() throws {
        let m = try model()
        let plain = TextReport(m, options: TextOptions(width: 90)).render()
        let coloured = TextReport(m, options: TextOptions(width: 90, color: true)).render()
        #expect(coloured.contains("\u{1B}[1m"))
        #expect(stripANSI(coloured) == plain)
    }

    @Test func textShowsEachPart() throws {
        let text = TextReport(try model(), options: TextOptions(width: 100, insights: 2)).render()
        for part in [
            "62/100 balanced", "sleep debt 2.5 h", "usually 22:40 to 06:30", "↗ +35.0/wk",
            "resting HR 2026-02-27 high 70", "1. Sleep and HRV", "+ 1 more (--insights 0 shows them all)",
            "07:30  │ exercise", "45 min  ●●●○○  Intervals, 45 minutes", "22:30  ● lights out",
            "2,400 kcal (performance)", "water 2.9 l", "difficulty 3 → 4: two good weeks",
            "morning 70% ◀ chosen · evening 30%", "adherence 40% → 80% from 2026-02-26 to 2026-02-28 · lift +0.20",
            "2 earlier analyses · difficulty 3 · wake_time 06:30", "jq_step", "{\"count\":3}", "records only",
        ] {
            #expect(text.contains(part), "missing: \(part)")
        }
    }

    @Test(arguments: ReportTable.allCases)
    func tablesKeepTheirColumns(table: ReportTable) throws {
        let report = TableReport(try model(), table: table)
        let rows = report.rows()
        #expect(!rows.isEmpty, "\(table) has no rows")
        for row in rows {
            #expect(row.count == table.columns.count)
            #expect(row[0] == "u-1" || row[0] == "u-2")
        }
        #expect(report.render().hasPrefix(table.columns.joined(separator: ",") + "\n"))
    }

    @Test func csvQuotesByRFC4180AndTSVHasNoBreaks() throws {
        let m = try model()
        let csv = TableReport(m, table: .insights).render()
        #expect(csv.contains(",\"<script>alert(1)</script> | *a* `b`, \"\"c\"\"\nnext\","))
        let tsv = TableReport(m, table: .insights, separator: .tab).render()
        let lines = tsv.split(separator: "\n")
        #expect(lines.count == 4)
        for l in lines { #expect(l.split(separator: "\t", omittingEmptySubsequences: false).count == 14) }
        #expect(
            TableReport(m, table: .days).rows().count == 60, "every recorded value once: 2 users × 10 days × 3 metrics")
        #expect(
            TableReport(m, table: .days).rows().first { $0[3] == "resting_hr_bpm" && $0[2] == "2026-02-27" }?.last
                == "high")
    }

    @Test func markdownKeepsInputInert() throws {
        let md = MarkdownReport(try model(), insights: 0).render()
        #expect(md.contains("\\<script\\>alert(1)\\</script\\> \\| \\*a\\* \\`b\\`"))
        for l in md.split(separator: "\n") where l.hasPrefix("| ") {
            let header = l.contains("metric | unit") ? 8 : nil
            if let header { #expect(l.filter { $0 == "|" }.count == header) }
        }
        #expect(md.contains("| sleep | min | `"))
        #expect(md.contains("- **Readiness** 62/100 (balanced)"))
    }

    @Test func htmlNeedsNothingOutsideItself() throws {
        let html = HTMLReport(try model()).render()
        for banned in ["http:", "https:", "src=", "url(", "@import", "<script", "<link", "<img", "<iframe"] {
            #expect(!html.lowercased().contains(banned), "\(banned)")
        }
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.hasPrefix("<!doctype html>\n<html lang=\"en\">"))
        #expect(html.contains("@media print"))
        // Every chart is labelled for screen readers.
        let svgs = html.components(separatedBy: "<svg").dropFirst()
        #expect(svgs.count >= 5)
        for svg in svgs {
            #expect(svg.contains("role=\"img\"") && svg.contains("<title"))
        }
        #expect(html.components(separatedBy: "class=\"anomaly\"").count - 1 == 1)
        #expect(html.contains("<h2 id=\"u1-h\">u-1"))
        #expect(html.contains("Learning curve"))
        #expect(html.contains("<meter min=\"0\" max=\"1\" value=\"0.8\""))
        // Elements open and close in pairs.
        for tag in ["section", "article", "svg", "table", "figure", "div", "p", "h2", "h3", "h4"] {
            #expect(
                html.components(separatedBy: "<\(tag)>").count + html.components(separatedBy: "<\(tag) ").count - 2
                    == html.components(separatedBy: "</\(tag)>").count - 1, "\(tag)")
        }
    }

    @Test func anEmptyInputSaysSo() {
        #expect(TextReport(ReportModel()).render().contains("No users in the input"))
        #expect(HTMLReport(ReportModel()).render().contains("No users in the input"))
        #expect(TableReport(ReportModel(), table: .summary).rows().isEmpty)
    }
}

import Foundation

/// An SVG of the features that drifted most: one panel per feature, one pair of bars per
/// bin (reference, then current), shares on the vertical axis.
package enum DriftPlot {
    package static func svg(_ result: DriftAnalysis.Result, top: Int = 6) -> String {
        let shown = Array(result.features.filter { !$0.bins.isEmpty }.prefix(top))
        let panelWidth = 560.0
        let panelHeight = 190.0
        let height = 50 + Double(max(shown.count, 1)) * (panelHeight + 30)
        var svg = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(panelWidth + 40))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"20\" y=\"22\" font-size=\"14\">\(escape(result.view)): reference \(escape(result.reference)) vs current \(escape(result.current))</text>",
            "<rect x=\"20\" y=\"32\" width=\"10\" height=\"10\" fill=\"#4a78b0\"/><text x=\"34\" y=\"41\">reference</text>",
            "<rect x=\"100\" y=\"32\" width=\"10\" height=\"10\" fill=\"#d9822b\"/><text x=\"114\" y=\"41\">current</text>",
        ]
        if shown.isEmpty {
            svg.append("<text x=\"20\" y=\"80\">no feature to plot</text>")
        }
        for (index, feature) in shown.enumerated() {
            let top = 60 + Double(index) * (panelHeight + 30)
            let plotTop = top + 18
            let plotHeight = panelHeight - 50
            let highest = max(feature.bins.map { max($0.reference, $0.current) }.max() ?? 0, 1e-9)
            let slot = panelWidth / Double(feature.bins.count)
            let ks = feature.ks.map { String(format: ", KS %.3f", $0) } ?? ""
            let verdict = feature.drifted ? " (drifted: \(feature.reason ?? ""))" : ""
            svg.append("<text x=\"20\" y=\"\(top + 10)\" font-size=\"12\">\(escape(feature.feature)): PSI \(format(feature.psi))\(ks)\(escape(verdict))</text>")
            svg.append("<line x1=\"20\" y1=\"\(plotTop + plotHeight)\" x2=\"\(20 + panelWidth)\" y2=\"\(plotTop + plotHeight)\" stroke=\"#888\"/>")
            for (b, bin) in feature.bins.enumerated() {
                let x = 20 + Double(b) * slot
                let barWidth = max(slot * 0.38, 1)
                for (offset, (share, color)) in [(bin.reference, "#4a78b0"), (bin.current, "#d9822b")].enumerated() {
                    let barHeight = share / highest * plotHeight
                    svg.append(
                        "<rect x=\"\(format(x + slot * 0.1 + Double(offset) * barWidth))\" y=\"\(format(plotTop + plotHeight - barHeight))\" width=\"\(format(barWidth))\" height=\"\(format(barHeight))\" fill=\"\(color)\"><title>\(escape(bin.label)): \(format(share * 100))%</title></rect>"
                    )
                }
                svg.append("<text x=\"\(format(x + slot / 2))\" y=\"\(format(plotTop + plotHeight + 14))\" text-anchor=\"middle\" font-size=\"9\">\(escape(String(bin.label.prefix(12))))</text>")
            }
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}

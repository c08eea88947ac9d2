import Foundation
import Histogram

/// An SVG of latency by percentile for several runs, overlaid: the x axis is 1/(1-p) on a
/// log scale (0%, 90%, 99%, 99.9%, ... evenly spaced, the HdrHistogram plotter's axis), the y
/// axis latency on a log scale.
package enum PercentilePlot {
    package struct Series: Sendable {
        package var name: String
        package var histogram: Histogram<UInt64>

        package init(name: String, histogram: Histogram<UInt64>) {
            self.name = name
            self.histogram = histogram
        }
    }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    package static func svg(title: String, series: [Series]) -> String {
        let (width, height) = (760.0, 440.0)
        let (left, right, top, bottom) = (70.0, 20.0, 40.0, 60.0)
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        // Points: (log10 of 1/(1-p), log10 of microseconds).
        var lines: [(String, [(Double, Double)])] = []
        var maxX = 2.0
        var minY = Double.infinity
        var maxY = -Double.infinity
        for entry in series where entry.histogram.totalCount > 0 {
            var points: [(Double, Double)] = []
            let count = Double(entry.histogram.totalCount)
            for step in entry.histogram.percentiles(ticksPerHalfDistance: 5) {
                let fraction = step.percentileLevelIteratedTo / 100
                // The last step is 100%: place it one notch past the last count.
                let x = fraction >= 1 ? log10(count) : log10(1 / (1 - fraction))
                let y = log10(max(Double(step.value) / 1000, 0.001))
                points.append((min(x, 7), y))
            }
            maxX = max(maxX, points.map(\.0).max() ?? 0)
            minY = min(minY, points.map(\.1).min() ?? 0)
            maxY = max(maxY, points.map(\.1).max() ?? 0)
            lines.append((entry.name, points))
        }
        if lines.isEmpty { (minY, maxY) = (0, 3) }
        let xMax = max(2, maxX.rounded(.up))
        let yMin = minY.rounded(.down)
        let yMax = max(yMin + 1, maxY.rounded(.up))
        func px(_ x: Double) -> Double { left + x / xMax * plotWidth }
        func py(_ y: Double) -> Double { top + (1 - (y - yMin) / (yMax - yMin)) * plotHeight }

        var svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Int(width / 2))" y="22" text-anchor="middle" font-size="15">\(escape(title))</text>

            """
        // Grid and axis labels.
        for decade in 0...Int(xMax) {
            let x = px(Double(decade))
            svg += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + plotHeight))\" stroke=\"#ddd\"/>\n"
            svg += "<text x=\"\(f(x))\" y=\"\(f(top + plotHeight + 18))\" text-anchor=\"middle\">\(percentileLabel(decade))</text>\n"
        }
        var decade = yMin
        while decade <= yMax {
            let y = py(decade)
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y))\" stroke=\"#ddd\"/>\n"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(latencyLabel(pow(10, decade)))</text>\n"
            decade += 1
        }
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#333\"/>\n"
        svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 18))\" text-anchor=\"middle\">percentile</text>\n"
        svg += "<text x=\"16\" y=\"\(f(top + plotHeight / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(f(top + plotHeight / 2)))\">latency</text>\n"
        for (index, line) in lines.enumerated() {
            let color = colors[index % colors.count]
            let points = line.1.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points)\"/>\n"
            let legendY = top + 16 + Double(index) * 18
            svg += "<line x1=\"\(f(left + 12))\" y1=\"\(f(legendY - 4))\" x2=\"\(f(left + 36))\" y2=\"\(f(legendY - 4))\" stroke=\"\(color)\" stroke-width=\"3\"/>\n"
            svg += "<text x=\"\(f(left + 42))\" y=\"\(f(legendY))\">\(escape(line.0))</text>\n"
        }
        svg += "</svg>\n"
        return svg
    }

    /// "0%", "90%", "99%", "99.9%", ... for 10^decade.
    static func percentileLabel(_ decade: Int) -> String {
        switch decade {
        case ...0: return "0%"
        case 1: return "90%"
        case 2: return "99%"
        default: return "99." + String(repeating: "9", count: decade - 2) + "%"
        }
    }

    static func latencyLabel(_ micros: Double) -> String {
        if micros >= 1_000_000 { return "\(Int(micros / 1_000_000)) s" }
        if micros >= 1000 { return "\(Int(micros / 1000)) ms" }
        if micros >= 1 { return "\(Int(micros)) us" }
        return "\(Int(micros * 1000)) ns"
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

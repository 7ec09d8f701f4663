/// One metric name: its type, help text, label names and the series seen so far.
struct MetricFamily: Sendable {
    enum Kind: Sendable, Equatable {
        case counter
        case gauge
        /// Upper bounds of the finite buckets, ascending.
        case histogram(buckets: [Double])

        var typeName: String {
            switch self {
            case .counter: "counter"
            case .gauge: "gauge"
            case .histogram: "histogram"
            }
        }
    }

    let name: String
    let help: String
    let kind: Kind
    let labelNames: [String]
    var series: [[String]: SeriesValue] = [:]

    var emptyValue: SeriesValue {
        if case .histogram(let buckets) = kind {
            return .histogram(HistogramValue(bounds: buckets))
        }
        return .scalar(0)
    }
}

enum SeriesValue: Sendable, Equatable {
    case scalar(Double)
    case histogram(HistogramValue)

    var scalar: Double? {
        if case .scalar(let value) = self { return value }
        return nil
    }

    mutating func add(_ amount: Double) {
        if case .scalar(let value) = self { self = .scalar(value + amount) }
    }

    mutating func observe(_ value: Double) {
        if case .histogram(var histogram) = self {
            histogram.observe(value)
            self = .histogram(histogram)
        }
    }
}

/// Per-bucket (not yet cumulative) counts; rendering accumulates them.
struct HistogramValue: Sendable, Equatable {
    let bounds: [Double]
    var counts: [UInt64]
    var sum: Double = 0
    var count: UInt64 = 0

    init(bounds: [Double]) {
        self.bounds = bounds
        self.counts = Array(repeating: 0, count: bounds.count)
    }

    /// A value equal to a bound belongs to that bucket (`le` is "less than or equal").
    mutating func observe(_ value: Double) {
        if let bucket = bounds.firstIndex(where: { value <= $0 }) { counts[bucket] += 1 }
        sum += value
        count += 1
    }
}

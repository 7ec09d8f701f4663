import Foundation

/// Counters, gauges and histograms of one process, rendered in the Prometheus text format.
///
/// Families are declared once, up front, with their label names; a series is created the first
/// time a label combination is seen. Every family holds at most `maxSeriesPerFamily` series:
/// labels come from bounded sets (configured users, route actions, rule names), and the cap is
/// the backstop if one of them is not — further combinations are counted in one series whose
/// labels are all `overflow`, so a scrape stays small whatever the traffic.
///
/// One lock guards everything: an update is a dictionary lookup and an add, far below the cost
/// of the audit write that accompanies it. Safe to use from any thread. The lock is `NSLock`
/// (pthread), not `Synchronization.Mutex`: on Linux Mutex locks with raw futex calls that
/// ThreadSanitizer cannot see, so every update from two loops would read to it as a race.
public final class MetricsRegistry: @unchecked Sendable {
    public static let overflowLabel = "overflow"

    private let lock = NSLock()
    /// Guarded by `lock`.
    private var families: [MetricFamily] = []
    public let maxSeriesPerFamily: Int

    public init(maxSeriesPerFamily: Int = 2_000) {
        self.maxSeriesPerFamily = maxSeriesPerFamily
    }

    public func counter(_ name: String, help: String, labels: [String] = []) -> Counter {
        Counter(registry: self, index: declare(MetricFamily(name: name, help: help, kind: .counter, labelNames: labels)))
    }

    public func gauge(_ name: String, help: String, labels: [String] = []) -> Gauge {
        Gauge(registry: self, index: declare(MetricFamily(name: name, help: help, kind: .gauge, labelNames: labels)))
    }

    /// `buckets` are the upper bounds, ascending; `+Inf` is implied.
    public func histogram(_ name: String, help: String, labels: [String] = [], buckets: [Double]) -> Histogram {
        precondition(buckets == buckets.sorted() && Set(buckets).count == buckets.count, "buckets must ascend")
        let family = MetricFamily(name: name, help: help, kind: .histogram(buckets: buckets), labelNames: labels)
        return Histogram(registry: self, index: declare(family))
    }

    /// The whole registry in text exposition format 0.0.4, families in declaration order.
    public func render() -> String {
        let snapshot = lock.withLock { families }
        var text = ""
        for family in snapshot { PrometheusText.append(family, to: &text) }
        return text
    }

    private func declare(_ family: MetricFamily) -> Int {
        precondition(PrometheusText.isValidName(family.name), "invalid metric name \(family.name)")
        precondition(family.labelNames.allSatisfy(PrometheusText.isValidLabelName), "invalid label name in \(family.name)")
        return lock.withLock {
            precondition(!families.contains { $0.name == family.name }, "metric \(family.name) declared twice")
            families.append(family)
            return families.count - 1
        }
    }

    func update(_ index: Int, _ labels: [String], _ change: (inout SeriesValue) -> Void) {
        lock.withLock {
            precondition(labels.count == families[index].labelNames.count, "wrong label count for \(families[index].name)")
            var key = labels
            if families[index].series[key] == nil && families[index].series.count >= maxSeriesPerFamily {
                key = Array(repeating: Self.overflowLabel, count: labels.count)
            }
            let empty = families[index].emptyValue
            change(&families[index].series[key, default: empty])
        }
    }

    func replaceAll(_ index: Int, _ values: [[String]: Double]) {
        lock.withLock {
            families[index].series = values.mapValues { .scalar($0) }
        }
    }

    func read(_ index: Int, _ labels: [String]) -> SeriesValue? {
        lock.withLock { families[index].series[labels] }
    }
}

/// A value that only goes up (requests, bytes, failures).
public struct Counter: Sendable {
    let registry: MetricsRegistry
    let index: Int

    public func increment(_ labels: [String] = [], by amount: Double = 1) {
        precondition(amount >= 0, "a counter cannot go down")
        registry.update(index, labels) { $0.add(amount) }
    }

    public func value(_ labels: [String] = []) -> Double { registry.read(index, labels)?.scalar ?? 0 }
}

/// A value that is set (open connections, seconds until a certificate expires).
public struct Gauge: Sendable {
    let registry: MetricsRegistry
    let index: Int

    public func set(_ value: Double, _ labels: [String] = []) {
        registry.update(index, labels) { $0 = .scalar(value) }
    }

    public func add(_ amount: Double, _ labels: [String] = []) {
        registry.update(index, labels) { $0.add(amount) }
    }

    /// Replaces every series at once (a gauge whose label set is recomputed at each scrape).
    public func setAll(_ values: [[String]: Double]) {
        registry.replaceAll(index, values)
    }

    public func value(_ labels: [String] = []) -> Double? { registry.read(index, labels)?.scalar }
}

/// Observations counted into cumulative buckets, with their sum and count.
public struct Histogram: Sendable {
    let registry: MetricsRegistry
    let index: Int

    public func observe(_ value: Double, _ labels: [String] = []) {
        registry.update(index, labels) { $0.observe(value) }
    }
}

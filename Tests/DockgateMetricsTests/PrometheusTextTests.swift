import Testing
@testable import DockgateMetrics

/// The exposition format, byte for byte: HELP/TYPE lines, sorted series, label escaping,
/// integral values without a fraction, cumulative histogram buckets with +Inf, _sum and _count.
@Suite("Prometheus text format")
struct PrometheusTextTests {
    @Test func rendersCountersAndGaugesExactly() {
        let registry = MetricsRegistry()
        let requests = registry.counter("t_requests_total", help: "Requests.", labels: ["user", "decision"])
        let open = registry.gauge("t_open", help: "Open now.")
        requests.increment(["bob", "deny"])
        requests.increment(["alice", "allow"], by: 2)
        open.set(3)
        #expect(registry.render() == """
            # HELP t_requests_total Requests.
            # TYPE t_requests_total counter
            t_requests_total{user="alice",decision="allow"} 2
            t_requests_total{user="bob",decision="deny"} 1
            # HELP t_open Open now.
            # TYPE t_open gauge
            t_open 3

            """)
    }

    @Test func escapesLabelValuesAndHelp() {
        let registry = MetricsRegistry()
        let counter = registry.counter("t_total", help: "a \\ b\nc \"q\"", labels: ["v"])
        counter.increment(["x\"y\\z\nw"])
        #expect(registry.render() == """
            # HELP t_total a \\\\ b\\nc "q"
            # TYPE t_total counter
            t_total{v="x\\"y\\\\z\\nw"} 1

            """)
        #expect(PrometheusText.escapeLabelValue("plain") == "plain")
    }

    @Test func histogramBucketsAreCumulativeWithInfSumAndCount() {
        let registry = MetricsRegistry()
        let histogram = registry.histogram("t_seconds", help: "Durations.", labels: ["group"], buckets: [0.005, 0.1, 1, 2.5])
        // A value equal to a bound falls in that bucket; above the last one only in +Inf.
        for value in [0.00390625, 0.0625, 0.5, 1, 7] { histogram.observe(value, ["containers"]) }
        #expect(registry.render() == """
            # HELP t_seconds Durations.
            # TYPE t_seconds histogram
            t_seconds_bucket{group="containers",le="0.005"} 1
            t_seconds_bucket{group="containers",le="0.1"} 2
            t_seconds_bucket{group="containers",le="1"} 4
            t_seconds_bucket{group="containers",le="2.5"} 4
            t_seconds_bucket{group="containers",le="+Inf"} 5
            t_seconds_sum{group="containers"} 8.56640625
            t_seconds_count{group="containers"} 5

            """)
    }

    @Test func formatsNumbersAsPrometheusParsesThem() {
        #expect(PrometheusText.format(3) == "3")
        #expect(PrometheusText.format(-86400) == "-86400")
        #expect(PrometheusText.format(0.25) == "0.25")
        #expect(PrometheusText.format(1e-05) == "1e-05")
        #expect(PrometheusText.format(.infinity) == "+Inf")
        #expect(PrometheusText.format(-.infinity) == "-Inf")
        #expect(PrometheusText.format(.nan) == "NaN")
        #expect(PrometheusText.format(1e20) == "1e+20")
    }

    /// Past the cap, new label combinations share one `overflow` series; known ones still count.
    @Test func seriesPerFamilyAreCapped() {
        let registry = MetricsRegistry(maxSeriesPerFamily: 2)
        let counter = registry.counter("t_total", help: "Capped.", labels: ["cn"])
        counter.increment(["a"])
        counter.increment(["b"])
        counter.increment(["c"])
        counter.increment(["d"])
        counter.increment(["a"])
        #expect(counter.value(["a"]) == 2)
        #expect(counter.value(["overflow"]) == 2)
        #expect(counter.value(["c"]) == 0)
    }

    @Test func gaugeSetAllReplacesTheLabelSet() {
        let registry = MetricsRegistry()
        let gauge = registry.gauge("t_up", help: "Up.", labels: ["sink"])
        gauge.setAll([["file:/a"]: 1, ["journald"]: 0])
        gauge.setAll([["journald"]: 1])
        #expect(gauge.value(["file:/a"]) == nil)
        #expect(gauge.value(["journald"]) == 1)
    }

    @Test func namesAreValidated() {
        #expect(PrometheusText.isValidName("dockgate_requests_total"))
        #expect(PrometheusText.isValidName("a:b"))
        #expect(!PrometheusText.isValidName("1abc"))
        #expect(!PrometheusText.isValidName("a-b"))
        #expect(PrometheusText.isValidLabelName("user"))
        #expect(!PrometheusText.isValidLabelName("__name"))
        #expect(!PrometheusText.isValidLabelName("le"))
        #expect(!PrometheusText.isValidLabelName("a:b"))
    }
}

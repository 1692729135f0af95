// /metrics: the server's counters and histograms in the Prometheus text format (swift-prometheus).

import Foundation
import HOSPipeline
import Prometheus

/// Requests by route and status, their latency, analyses by state, each step's time, the queue.
final class ServeMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    static let latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    /// One request answered: `route` is the route's pattern (never a user id or a token).
    func request(route: String, status: Int, seconds: Double) {
        let labels = [("route", route), ("status", String(status))]
        registry.makeCounter(
            descriptor: .init(
                namespace: "hos", subsystem: "serve", metricName: "requests", unitName: "total",
                helpText: "HTTP requests by route and status"), labels: labels
        ).increment()
        registry.makeValueHistogram(
            descriptor: .init(
                namespace: "hos", subsystem: "serve", metricName: "request_duration", unitName: "seconds",
                helpText: "HTTP request latency by route"), labels: [("route", route)],
            buckets: Self.latencyBuckets
        ).record(seconds)
    }

    /// One step finished one run (its analyses share its time).
    func step(_ p: StepProgress) {
        guard let ms = p.ms else { return }
        registry.makeValueHistogram(
            descriptor: .init(
                namespace: "hos", subsystem: "serve", metricName: "step_duration", unitName: "seconds",
                helpText: "Time each pipeline step took for one run (of one or more analyses)"),
            labels: [("step", p.step)],
            buckets: Self.latencyBuckets
        ).record(ms / 1000)
    }

    /// The text of /metrics, with the analyses' gauges as they are now.
    func text(states: [AnalysisState: Int], queued: Int, running: Int) -> String {
        for s in [AnalysisState.queued, .running, .complete, .degraded, .failed] {
            registry.makeGauge(
                descriptor: .init(
                    namespace: "hos", subsystem: "serve", metricName: "analyses", unitName: "",
                    helpText: "Analyses the server knows, by state"), labels: [("state", s.rawValue)]
            ).set(Double(states[s] ?? 0))
        }
        registry.makeGauge(
            descriptor: .init(
                namespace: "hos", subsystem: "serve", metricName: "queue_depth", unitName: "",
                helpText: "Analyses waiting for a free slot")
        ).set(Double(queued))
        return registry.emitToString()
    }
}

//! Counters for `/metrics` (Prometheus text format): webhook deliveries by result and pipeline
//! stage durations, kept in memory per process; queue depth and jobs by state are read from
//! Postgres at scrape time, so every process reports the same queue.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct Metrics {
    webhooks: Mutex<BTreeMap<String, u64>>,
    /// Stage → (runs, total seconds).
    stages: Mutex<BTreeMap<String, (u64, f64)>>,
    /// Frames the room monitors scored, and the events they stored.
    monitor_frames: AtomicU64,
    monitor_events: AtomicU64,
}

impl Metrics {
    pub fn webhook(&self, result: &str) {
        *self.webhooks.lock().unwrap_or_else(|e| e.into_inner()).entry(result.to_string()).or_default() += 1;
    }

    pub fn stage(&self, stage: &str, seconds: f64) {
        let mut stages = self.stages.lock().unwrap_or_else(|e| e.into_inner());
        let entry = stages.entry(stage.to_string()).or_default();
        entry.0 += 1;
        entry.1 += seconds;
    }

    pub fn monitor_frame(&self) {
        self.monitor_frames.fetch_add(1, Ordering::Relaxed);
    }

    pub fn monitor_event(&self) {
        self.monitor_events.fetch_add(1, Ordering::Relaxed);
    }

    /// The text exposition, with the job counts `(queue, state, count)` read from the database.
    pub fn render(&self, jobs: &[(String, String, i64)]) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP session_monitor_jobs Jobs in the queue by queue and state.\n# TYPE session_monitor_jobs gauge\n",
        );
        for (queue, state, count) in jobs {
            let _ = writeln!(out, "session_monitor_jobs{{queue=\"{queue}\",state=\"{state}\"}} {count}");
        }
        let depth: i64 = jobs.iter().filter(|(_, s, _)| s == "Pending" || s == "Queued").map(|(_, _, c)| c).sum();
        out.push_str(
            "# HELP session_monitor_queue_depth Jobs waiting for a worker.\n# TYPE session_monitor_queue_depth gauge\n",
        );
        let _ = writeln!(out, "session_monitor_queue_depth {depth}");
        out.push_str("# HELP session_monitor_webhooks_total Webhook deliveries by result.\n# TYPE session_monitor_webhooks_total counter\n");
        for (result, count) in self.webhooks.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ = writeln!(out, "session_monitor_webhooks_total{{result=\"{result}\"}} {count}");
        }
        out.push_str("# HELP session_monitor_stage_seconds Pipeline stage durations in this process.\n# TYPE session_monitor_stage_seconds summary\n");
        for (stage, (count, seconds)) in self.stages.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ = writeln!(out, "session_monitor_stage_seconds_sum{{stage=\"{stage}\"}} {seconds:.3}");
            let _ = writeln!(out, "session_monitor_stage_seconds_count{{stage=\"{stage}\"}} {count}");
        }
        for (name, help, counter) in [
            ("realtime_frames", "Frames the room monitors scored.", &self.monitor_frames),
            ("realtime_events", "Safety events the room monitors stored.", &self.monitor_events),
        ] {
            let _ = writeln!(
                out,
                "# HELP session_monitor_{name}_total {help}\n# TYPE session_monitor_{name}_total counter"
            );
            let _ = writeln!(out, "session_monitor_{name}_total {}", counter.load(Ordering::Relaxed));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_depth_and_stages() {
        let metrics = Metrics::default();
        metrics.webhook("accepted");
        metrics.webhook("accepted");
        metrics.webhook("rejected_unauthorized");
        metrics.stage("transcribe", 1.5);
        let jobs = vec![("p".to_string(), "Pending".to_string(), 2), ("p".to_string(), "Done".to_string(), 5)];
        let text = metrics.render(&jobs);
        for line in [
            "session_monitor_webhooks_total{result=\"accepted\"} 2",
            "session_monitor_webhooks_total{result=\"rejected_unauthorized\"} 1",
            "session_monitor_queue_depth 2",
            "session_monitor_jobs{queue=\"p\",state=\"Done\"} 5",
            "session_monitor_stage_seconds_sum{stage=\"transcribe\"} 1.500",
            "session_monitor_realtime_frames_total 0",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
    }
}

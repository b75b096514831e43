package dev.modelforge.engine.scheduler;

/**
 * A snapshot of the scheduler's gauges and counters, named after vLLM's metrics.
 *
 * @param running sequences in the running batch
 * @param waiting sequences queued
 * @param kvCacheUsage fraction of KV blocks referenced
 * @param prefixCacheQueries prompt tokens looked up in the prefix cache
 * @param prefixCacheHits of those, tokens found
 * @param preemptions sequences preempted (recomputed later) because blocks ran out
 * @param promptTokens prompt tokens computed (prefix-cache hits excluded)
 * @param generationTokens tokens generated
 * @param steps forward steps run
 * @param runningAdapters names of the LoRA adapters of the running sequences, sorted
 * @param waitingAdapters names of the adapters of the queued sequences not also running, sorted
 */
public record SchedulerStats(
    int running,
    int waiting,
    double kvCacheUsage,
    long prefixCacheQueries,
    long prefixCacheHits,
    long preemptions,
    long promptTokens,
    long generationTokens,
    long steps,
    java.util.List<String> runningAdapters,
    java.util.List<String> waitingAdapters) {}

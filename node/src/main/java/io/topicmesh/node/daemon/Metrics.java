package io.topicmesh.node.daemon;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;

/**
 * The process's Prometheus registry with JVM and process metrics bound. Every name is in base units:
 * Micrometer's {@code ProcessorMetrics} reports the process's CPU time in nanoseconds
 * ({@code process_cpu_time_ns_total}); it is replaced by {@code process_cpu_seconds_total}, the
 * name Prometheus' own client libraries use.
 */
public final class Metrics {
  /** Micrometer's CPU-time meter, in nanoseconds: left out. */
  static final String MICROMETER_CPU_TIME = "process.cpu.time";
  static final String CPU_SECONDS = "process_cpu_seconds_total";

  private Metrics() {}

  @SuppressWarnings("resource") // JvmGcMetrics lives as long as the process
  public static PrometheusMeterRegistry prometheus() {
    PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    r.config().meterFilter(MeterFilter.deny(id -> MICROMETER_CPU_TIME.equals(id.getName())));
    new ClassLoaderMetrics().bindTo(r);
    new JvmMemoryMetrics().bindTo(r);
    new JvmGcMetrics().bindTo(r);
    new JvmThreadMetrics().bindTo(r);
    new ProcessorMetrics().bindTo(r);
    new UptimeMetrics().bindTo(r);
    new FileDescriptorMetrics().bindTo(r);
    bindCpuSeconds(r);
    return r;
  }

  /** {@code process_cpu_seconds_total}: CPU time the process used, in seconds, where the JVM reports it. */
  static void bindCpuSeconds(MeterRegistry r) {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        && os.getProcessCpuTime() >= 0) {
      FunctionCounter.builder(CPU_SECONDS, os, o -> o.getProcessCpuTime() / 1e9)
          .description("CPU time used by the process, all threads, in seconds").register(r);
    }
  }
}

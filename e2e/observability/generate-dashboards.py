#!/usr/bin/env python3
"""Writes charts/topicmesh/dashboards/*.json, the Grafana dashboards of the chart.

With --docs it prints instead the panel list of docs/observability.md ("Dashboards"), generated
from the same definitions: paste it over the three dashboard sections there.

The JSON files are the source of truth that the chart ships and that users import by hand; this
script only keeps their layout consistent. Edit it, run `python3 e2e/observability/generate-dashboards.py`
from the repository root, and commit both. PrometheusDashboardsIT evaluates every query on a real
Prometheus scraping real nodes and a real operator.
"""
import json
import os

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "charts", "topicmesh", "dashboards")

# Node series carry the target labels namespace, cluster (the TopicCluster's name) and pod.
NODE = 'namespace=~"$namespace", cluster=~"$cluster", pod=~"$pod"'
# The operator's per-cluster gauges carry namespace and cluster as metric labels.
CLUSTER = 'namespace=~"$namespace", cluster=~"$cluster"'
# The operator's per-cluster event counters and reconcile timer: the cluster's labels and the operator's pod.
OPERATOR_CLUSTER = 'namespace=~"$namespace", cluster=~"$cluster", pod=~"$pod"'
RI = "$__rate_interval"
# User traffic only: the mesh probes' reserved topic (_topicmesh/probe/<cluster>) has its own panels.
USER = 'topic!~"_topicmesh/.*"'


def ds():
    return {"type": "prometheus", "uid": "${datasource}"}


def variables(source_metric, pod_source):
    def query_var(name, label, query):
        return {
            "name": name, "label": label, "type": "query", "datasource": ds(),
            "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
            "definition": query, "refresh": 2, "includeAll": True, "multi": True,
            "allValue": ".*", "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
            "sort": 1,
        }
    return {"list": [
        {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus",
         "current": {}, "hide": 0},
        query_var("namespace", "Namespace", "label_values(%s, namespace)" % source_metric),
        query_var("cluster", "Cluster", 'label_values(%s{namespace=~"$namespace"}, cluster)' % source_metric),
        query_var("pod", "Pod", pod_source),
    ]}


class Board:
    def __init__(self, uid, title, description, templating):
        self.uid, self.title, self.description, self.templating = uid, title, description, templating
        self.panels, self.x, self.y, self.row_h = [], 0, 0, 0

    def row(self, title):
        if self.x:
            self.x, self.y = 0, self.y + self.row_h
        self.panels.append({"id": len(self.panels) + 1, "type": "row", "title": title, "collapsed": False,
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.y += 1

    def panel(self, title, description, unit, targets, w=12, h=8, stack=False, thresholds=None):
        if self.x + w > 24:
            self.x, self.y = 0, self.y + self.row_h
        custom = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never"}
        if stack:
            custom["stacking"] = {"mode": "normal", "group": "A"}
            custom["fillOpacity"] = 40
        p = {
            "id": len(self.panels) + 1, "type": "timeseries", "title": title, "description": description,
            "datasource": ds(), "gridPos": {"h": h, "w": w, "x": self.x, "y": self.y},
            "fieldConfig": {"defaults": {"unit": unit, "custom": custom}, "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                        "tooltip": {"mode": "multi", "sort": "desc"}},
            "targets": [dict(refId=chr(ord("A") + i), expr=e, legendFormat=l, datasource=ds())
                        for i, (e, l) in enumerate(targets)],
        }
        if thresholds:
            p["fieldConfig"]["defaults"]["thresholds"] = thresholds
        self.panels.append(p)
        self.x += w
        self.row_h = h

    def write(self, name):
        d = {
            "title": self.title, "uid": self.uid, "description": self.description,
            "tags": ["topicmesh"], "timezone": "", "schemaVersion": 39, "version": 2, "editable": True,
            "graphTooltip": 1, "time": {"from": "now-1h", "to": "now"}, "refresh": "30s",
            "templating": self.templating, "annotations": {"list": []},
            "links": [{"title": "topicmesh dashboards", "type": "dashboards", "tags": ["topicmesh"],
                       "asDropdown": True, "includeVars": True, "keepTime": True}],
            "panels": self.panels,
        }
        with open(os.path.join(OUT, name), "w") as f:
            json.dump(d, f, indent=2)
            f.write("\n")


def node_vars():
    return variables("topicmesh_node_ready",
                     'label_values(topicmesh_node_ready{namespace=~"$namespace", cluster=~"$cluster"}, pod)')


def by(labels, expr):
    return "sum by (%s) (%s)" % (labels, expr)


def rate(metric, sel, extra=""):
    s = sel + (", " + extra if extra else "")
    return "rate(%s{%s}[%s])" % (metric, s, RI)


def overview():
    b = Board("topicmesh-cluster", "topicmesh / Cluster overview",
              "Health and traffic of TopicClusters, from the nodes' own /metrics.", node_vars())
    g = "namespace, cluster"
    b.row("Nodes and mesh")
    b.panel("Nodes ready", "Nodes whose /readyz reports ready (topicmesh_node_ready), nodes scraped, and the "
            "replicas the operator wants.", "short", [
                (by(g, "topicmesh_node_ready{%s}" % NODE), "ready {{namespace}}/{{cluster}}"),
                ("count by (%s) (topicmesh_node_ready{%s})" % (g, NODE), "scraped {{namespace}}/{{cluster}}"),
                (by(g, "topicmesh_operator_nodes_desired{%s}" % CLUSTER), "desired {{namespace}}/{{cluster}}"),
            ], w=8)
    b.panel("Peers per node", "Connected libp2p peers and pubsub peers (all protocols) of each node.", "short", [
        ("topicmesh_node_connected_peers{%s}" % NODE, "connected {{pod}}"),
        (by("namespace, cluster, pod", "topicmesh_pubsub_peers{%s}" % NODE), "pubsub {{pod}}"),
    ], w=8)
    b.panel("Pubsub peers by protocol", "Connected pubsub peers by negotiated protocol, summed over nodes.",
            "short", [(by(g + ", protocol", "topicmesh_pubsub_peers{%s}" % NODE), "{{cluster}} {{protocol}}")],
            w=8, stack=True)
    mesh = 'topicmesh_pubsub_mesh_peers{%s, topic!="other"}' % NODE
    b.panel("Mesh degree per topic against Dlo / D / Dhi",
            "Mesh peers per topic at the last heartbeat: min, avg and max over the nodes, with the nodes' "
            "effective Dlo, D and Dhi. Topics beyond the node's label cap are summed into topic=\"other\" and "
            "left out here.", "short", [
                ("min by (%s, topic) (%s)" % (g, mesh), "min {{cluster}} {{topic}}"),
                ("avg by (%s, topic) (%s)" % (g, mesh), "avg {{cluster}} {{topic}}"),
                ("max by (%s, topic) (%s)" % (g, mesh), "max {{cluster}} {{topic}}"),
                ('max by (%s) (topicmesh_node_param{%s, name="dlo"})' % (g, NODE), "Dlo {{cluster}}"),
                ('max by (%s) (topicmesh_node_param{%s, name="d"})' % (g, NODE), "D {{cluster}}"),
                ('max by (%s) (topicmesh_node_param{%s, name="dhi"})' % (g, NODE), "Dhi {{cluster}}"),
            ], w=24)
    b.row("Mesh probes")
    probe_bucket = "topicmesh_probe_latency_seconds_bucket"
    b.panel("Probe latency p50 / p99",
            "Send-to-receive time of the nodes' mesh probes (one every probe.interval, 5s by default, on the "
            "cluster's reserved probe topic), all nodes of the cluster together, from the latency histogram. "
            "Publisher wall clock: needs NTP across machines; implausible samples are counted as clock skew "
            "and left out.", "s", [
                ("histogram_quantile(0.5, %s)" % by(g + ", le", rate(probe_bucket, NODE)), "p50 {{cluster}}"),
                ("histogram_quantile(0.99, %s)" % by(g + ", le", rate(probe_bucket, NODE)), "p99 {{cluster}}"),
            ], w=8)
    b.panel("Probe delivery ratio",
            "Probes received by the time they fell due / probes due, summed over the cluster's nodes; and the "
            "worst node's ratio over its last minute. 1 on a healthy mesh; a node that is partitioned, frozen "
            "or crashed lowers it until it comes back, says bye or is forgotten after 60 s of silence.",
            "percentunit", [
                (by(g, rate("topicmesh_probe_received_total", NODE)) + " / " +
                 by(g, rate("topicmesh_probe_expected_total", NODE)), "cluster {{namespace}}/{{cluster}}"),
                ("min by (%s) (topicmesh_probe_delivery_ratio{%s})" % (g, NODE), "worst node {{namespace}}/{{cluster}}"),
            ], w=8)
    b.panel("Probe publishers, late probes and clock skew",
            "Other nodes each node expects probes from (fewest and most over the nodes; nodes - 1 on a whole "
            "mesh), probes that arrived after they had been counted missed, and probes with a negative or "
            "implausible latency (clock skew between the machines).", "short", [
                ("min by (%s) (topicmesh_probe_publishers{%s})" % (g, NODE), "publishers min {{cluster}}"),
                ("max by (%s) (topicmesh_probe_publishers{%s})" % (g, NODE), "publishers max {{cluster}}"),
                (by(g, rate("topicmesh_probe_late_total", NODE)), "late/s {{cluster}}"),
                (by(g, rate("topicmesh_probe_clock_skew_total", NODE)), "skewed/s {{cluster}}"),
            ], w=8)
    b.row("Traffic")
    b.panel("Published, delivered and forwarded per second",
            "Messages published by local clients, delivered to local subscribers (first receipt, validated) "
            "and forwarded (one count per peer sent to), summed over the nodes; the probe topic left out.", "ops", [
                (by(g + ", topic", rate("topicmesh_pubsub_messages_published_total", NODE, USER)),
                 "published {{cluster}} {{topic}}"),
                (by(g + ", topic", rate("topicmesh_pubsub_messages_delivered_total", NODE, USER)),
                 "delivered {{cluster}} {{topic}}"),
                (by(g + ", topic", rate("topicmesh_pubsub_messages_forwarded_total", NODE, USER)),
                 "forwarded {{cluster}} {{topic}}"),
            ])
    b.panel("Duplicates per message",
            "Duplicate receipts per delivered message (messages_duplicate_total / messages_delivered_total). "
            "Grows with D: about D-1 in a full mesh without IDONTWANT. The probe topic is shown too: with "
            "probes only, its figure is the mesh's own.", "short", [
                (by(g + ", topic", rate("topicmesh_pubsub_messages_duplicate_total", NODE)) + " / " +
                 by(g + ", topic", rate("topicmesh_pubsub_messages_delivered_total", NODE)),
                 "{{cluster}} {{topic}}"),
            ])
    b.panel("Load-message latency p50 / p99",
            "Publish-to-delivery time of timestamped load messages (`local`, or load published through the "
            "admin API; publisher clock, last minute), worst node. Empty without such load: the mesh probes' "
            "latency above covers every cluster.", "s", [
                ('max by (%s) (topicmesh_node_delivery_latency_seconds{%s, quantile="0.5"})' % (g, NODE),
                 "p50 {{cluster}}"),
                ('max by (%s) (topicmesh_node_delivery_latency_seconds{%s, quantile="0.99"})' % (g, NODE),
                 "p99 {{cluster}}"),
            ])
    b.panel("Delivery ratio (estimated)",
            "User traffic deliveries per expected delivery: delivered / (published x (nodes - 1)). Exact when "
            "every node subscribes every topic of its cluster (as the operator configures them); counters "
            "scraped at different times make it jitter by a few percent. The probe ratio above is exact.",
            "percentunit", [
                (by(g, rate("topicmesh_pubsub_messages_delivered_total", NODE, USER)) + " / (" +
                 by(g, rate("topicmesh_pubsub_messages_published_total", NODE, USER)) +
                 " * on (%s) (count by (%s) (topicmesh_node_ready{%s}) - 1))" % (g, g, NODE),
                 "{{namespace}}/{{cluster}}"),
            ])
    b.panel("Rejected and ignored messages by reason",
            "Messages rejected by signature, seqno or validation checks; reason validation_ignored are "
            "ignored ones. Also frames the host could not decode.", "ops", [
                (by(g + ", reason", rate("topicmesh_pubsub_messages_rejected_total", NODE)),
                 "{{cluster}} {{reason}}"),
                (by(g + ", reason", rate("topicmesh_pubsub_invalid_rpcs_total", NODE)),
                 "invalid rpc {{cluster}} {{reason}}"),
            ])
    b.panel("IHAVE / IWANT / IDONTWANT message ids per second", "Gossip control message ids, sent and received.",
            "ops", [(by(g + ", type, direction", rate("topicmesh_pubsub_control_ids_total", NODE)),
                     "{{type}} {{direction}} {{cluster}}")])
    b.panel("Bytes in and out", "Encoded RPC bytes by direction and part (subscriptions, publish, control).",
            "Bps", [(by(g + ", direction, part", rate("topicmesh_pubsub_rpc_bytes_total", NODE)),
                     "{{direction}} {{part}} {{cluster}}")], w=24)
    b.write("topicmesh-cluster.json")


def node():
    b = Board("topicmesh-node", "topicmesh / Node detail",
              "Internals of topicmesh nodes: scores, mesh churn, heartbeat, router mutex, queues, connections, "
              "JVM.", node_vars())
    p = "pod"
    b.row("Router")
    b.panel("Peer score distribution", "Peers per score band at the last heartbeat (bands from the router's "
            "graylist, publish and gossip thresholds).", "short", [
                (by("pod, band", "topicmesh_pubsub_peers_by_score{%s}" % NODE), "{{pod}} {{band}}")], stack=True)
    b.panel("GRAFT / PRUNE by reason", "Mesh changes per second by reason.", "ops", [
        (by("pod, reason", rate("topicmesh_pubsub_graft_total", NODE)), "graft {{pod}} {{reason}}"),
        (by("pod, reason", rate("topicmesh_pubsub_prune_total", NODE)), "prune {{pod}} {{reason}}"),
    ])
    hb = "topicmesh_pubsub_heartbeat_duration_seconds"
    b.panel("Heartbeat duration", "p50/p99 of the time one heartbeat held the router, the decaying max, and "
            "the heartbeat interval (an overrun is a heartbeat longer than the interval).", "s", [
                ("histogram_quantile(0.5, %s)" % by("pod, le", rate(hb + "_bucket", NODE)), "p50 {{pod}}"),
                ("histogram_quantile(0.99, %s)" % by("pod, le", rate(hb + "_bucket", NODE)), "p99 {{pod}}"),
                ("%s_max{%s}" % (hb, NODE), "max {{pod}}"),
                ('topicmesh_node_param{%s, name="heartbeatIntervalSeconds"}' % NODE, "interval {{pod}}"),
            ])
    lh = "topicmesh_pubsub_lock_hold_seconds"
    b.panel("Router mutex hold time", "Mean and max time the router mutex was held, by holder, and the share "
            "of wall time it was held.", "s", [
                (by("pod, holder", rate(lh + "_sum", NODE)) + " / " + by("pod, holder", rate(lh + "_count", NODE)),
                 "mean {{pod}} {{holder}}"),
                ("max by (pod, holder) (%s_max{%s})" % (lh, NODE), "max {{pod}} {{holder}}"),
                (by("pod", rate(lh + "_sum", NODE)), "busy share {{pod}}"),
            ])
    b.panel("Router mutex contention", "Tasks queued because the mutex was busy, holds over the node's long-hold "
            "limit, and the inbox depth.", "short", [
                (by("pod", rate("topicmesh_pubsub_lock_contended_total", NODE)), "contended/s {{pod}}"),
                (by("pod, holder", rate("topicmesh_pubsub_lock_long_holds_total", NODE)), "long holds/s {{pod}} {{holder}}"),
                ("topicmesh_pubsub_lock_inbox_depth{%s}" % NODE, "inbox {{pod}}"),
            ])
    vd = "topicmesh_pubsub_validation_duration_seconds"
    b.panel("Validation time", "Time from a message's first receipt to its validated delivery (the time "
            "validation took; whole milliseconds), p50/p99 from the histogram and the decaying max. Not "
            "delivery latency: the mesh probes measure publish-to-receipt.", "s", [
        ("histogram_quantile(0.5, %s)" % by("pod, le", rate(vd + "_bucket", NODE)), "p50 {{pod}}"),
        ("histogram_quantile(0.99, %s)" % by("pod, le", rate(vd + "_bucket", NODE)), "p99 {{pod}}"),
        ("max by (pod) (%s_max{%s})" % (vd, NODE), "max {{pod}}"),
    ])
    b.row("Queues and drops")
    b.panel("Queue depths", "Outbound queue depth (total over peers and deepest peer), RPCs waiting for a "
            "stream, router inbox.", "short", [
                ("topicmesh_pubsub_outbound_queue_depth{%s}" % NODE, "outbound {{stat}} {{pod}}"),
                ("topicmesh_pubsub_pending_rpcs{%s}" % NODE, "pending rpcs {{pod}}"),
            ])
    b.panel("Drops", "Outbound messages dropped by reason (idontwant: the peer asked not to get it, not a loss), "
            "deliveries dropped for slow local subscribers, inbound back-pressure pauses.", "ops", [
                (by("pod, reason", rate("topicmesh_pubsub_outbound_dropped_total", NODE)), "outbound {{pod}} {{reason}}"),
                (by("pod", rate("topicmesh_node_deliveries_dropped_total", NODE)), "delivery {{pod}}"),
                (by("pod", rate("topicmesh_pubsub_backpressure_pauses_total", NODE)), "backpressure pauses {{pod}}"),
            ])
    b.row("Connections and streams")
    b.panel("Connections", "Kept connections, peers with an outbound pubsub stream, connections opened per "
            "second by direction.", "short", [
                ("topicmesh_connections{%s}" % NODE, "connections {{pod}}"),
                ("topicmesh_pubsub_stream_peers{%s}" % NODE, "pubsub streams {{pod}}"),
                (by("pod, direction", rate("topicmesh_connections_opened_total", NODE)), "opened/s {{pod}} {{direction}}"),
                (by("pod, direction", rate("topicmesh_connections_closed_total", NODE)), "closed/s {{pod}} {{direction}}"),
            ])
    b.panel("Streams", "Streams opened per second by muxer (yamux, mplex) and direction, streams ended by "
            "muxer and reason (none: an orderly close; reset_by_remote, ...), and stream errors by reason.", "ops", [
        (by("pod, muxer, direction", rate("topicmesh_mux_streams_opened_total", NODE)),
         "opened {{pod}} {{muxer}} {{direction}}"),
        (by("pod, muxer, reason", rate("topicmesh_mux_streams_closed_total", NODE)),
         "ended {{pod}} {{muxer}} {{reason}}"),
        (by("pod, reason", rate("topicmesh_stream_errors_total", NODE)), "errors {{pod}} {{reason}}"),
    ])
    b.row("JVM")
    b.panel("JVM memory", "Heap and non-heap in use, and the heap limit.", "bytes", [
        (by("pod, area", "jvm_memory_used_bytes{%s}" % NODE), "used {{area}} {{pod}}"),
        (by("pod", 'jvm_memory_max_bytes{%s, area="heap"}' % NODE), "heap max {{pod}}"),
    ])
    b.panel("GC", "Share of time in GC pauses and pauses per second, by collector action.", "short", [
        (by("pod, action", rate("jvm_gc_pause_seconds_sum", NODE)), "pause share {{pod}} {{action}}"),
        (by("pod, action", rate("jvm_gc_pause_seconds_count", NODE)), "pauses/s {{pod}} {{action}}"),
    ])
    b.panel("CPU and threads", "Process CPU in cores used (CPU seconds per second) and live threads.", "short", [
        (by("pod", rate("process_cpu_seconds_total", NODE)), "cpu cores {{pod}}"),
        ("jvm_threads_live_threads{%s}" % NODE, "threads {{pod}}"),
    ], w=24)
    b.write("topicmesh-node.json")


def operator():
    b = Board("topicmesh-operator", "topicmesh / Operator",
              "The topicmesh operator: reconciles, tuning and the clusters' state as the operator sees it.",
              variables("topicmesh_operator_nodes_desired",
                        "label_values(topicmesh_operator_reconciles_total, pod)"))
    g = "namespace, cluster"
    b.row("Reconciles")
    b.panel("Reconciles per second by result", "Reconciles per cluster and outcome (success, paused, invalid, "
            "error); result=\"error\" is a failed reconcile. All exist at 0 from the cluster's first reconcile.",
            "ops", [
                (by(g + ", result", rate("topicmesh_operator_reconciles_total", OPERATOR_CLUSTER)),
                 "{{result}} {{namespace}}/{{cluster}}")])
    b.panel("Node admin API errors", "Failed admin API calls from the operator to nodes, per cluster and call "
            "(status: the collection round, params: pushing parameters, topics: subscribing or leaving).", "ops", [
        (by(g + ", call", rate("topicmesh_operator_node_api_errors_total", OPERATOR_CLUSTER)),
         "{{call}} {{namespace}}/{{cluster}}")])
    rd = "topicmesh_operator_reconcile_duration_seconds"
    b.panel("Reconcile duration", "Mean and decaying max time of one reconcile, per cluster.", "s", [
        (by(g, rate(rd + "_sum", OPERATOR_CLUSTER)) + " / " + by(g, rate(rd + "_count", OPERATOR_CLUSTER)),
         "mean {{namespace}}/{{cluster}}"),
        ("max by (%s) (%s_max{%s})" % (g, rd, OPERATOR_CLUSTER), "max {{namespace}}/{{cluster}}"),
    ], w=24)
    b.row("Tuning")
    b.panel("Tuning decisions", "Changes of the effective gossipsub parameters, by parameter (d, dlo, dhi; other "
            "when only other live parameters changed), direction (up, down; set for the first decision) and "
            "reason (initial, static, cluster_size, no_traffic, latency, delivery, duplicates, spec).", "short", [
        (by(g + ", parameter, direction, reason",
            "increase(topicmesh_operator_tuning_changes_total{%s}[%s])" % (OPERATOR_CLUSTER, RI)),
         "{{parameter}} {{direction}} ({{reason}}) {{namespace}}/{{cluster}}")])
    b.panel("Effective D / Dlo / Dhi per cluster", "The degree family the operator applies to the cluster's "
            "nodes (Static: the spec's; Auto: the tuner's).", "short", [
                (by(g, "topicmesh_operator_effective_d{%s}" % CLUSTER), "D {{namespace}}/{{cluster}}"),
                (by(g, "topicmesh_operator_effective_dlo{%s}" % CLUSTER), "Dlo {{namespace}}/{{cluster}}"),
                (by(g, "topicmesh_operator_effective_dhi{%s}" % CLUSTER), "Dhi {{namespace}}/{{cluster}}"),
            ])
    b.row("Clusters as the operator sees them")
    b.panel("Nodes ready / desired", "Ready replicas and the replicas wanted.", "short", [
        (by(g, "topicmesh_operator_nodes_ready{%s}" % CLUSTER), "ready {{namespace}}/{{cluster}}"),
        (by(g, "topicmesh_operator_nodes_desired{%s}" % CLUSTER), "desired {{namespace}}/{{cluster}}"),
    ], w=8)
    b.panel("Mesh healthy", "1 when the operator's MeshHealthy verdict is Healthy.", "short", [
        (by(g, "topicmesh_operator_mesh_healthy{%s}" % CLUSTER), "{{namespace}}/{{cluster}}")], w=8)
    b.panel("Nodes below Dlo", "Nodes whose mesh for a topic is below Dlo.", "short", [
        (by(g + ", topic", "topicmesh_operator_mesh_nodes_below_dlo{%s}" % CLUSTER), "{{cluster}} {{topic}}")], w=8)
    b.panel("Mesh degree (min / avg) per topic", "From the nodes' status as collected by the operator.", "short", [
        ("min by (%s, topic) (topicmesh_operator_mesh_degree_min{%s})" % (g, CLUSTER), "min {{cluster}} {{topic}}"),
        ("avg by (%s, topic) (topicmesh_operator_mesh_degree_avg{%s})" % (g, CLUSTER), "avg {{cluster}} {{topic}}"),
    ])
    b.panel("Mesh probes (operator view)", "The probe figures Auto tuning and the ProbesHealthy condition use: "
            "delivery ratio summed over the nodes' last minute, worst node's p99 and median node's p50, and 1 "
            "when the probes meet the objectives (0 Degraded; empty while Unknown).", "short", [
                (by(g, "topicmesh_operator_probe_delivery_ratio{%s}" % CLUSTER), "ratio {{cluster}}"),
                (by(g, "topicmesh_operator_probe_latency_p50_seconds{%s}" % CLUSTER), "p50 s {{cluster}}"),
                (by(g, "topicmesh_operator_probe_latency_p99_seconds{%s}" % CLUSTER), "p99 s {{cluster}}"),
                (by(g, "topicmesh_operator_probes_healthy{%s}" % CLUSTER), "healthy {{cluster}}"),
            ])
    b.panel("Traffic (operator view)", "Published and delivered per second, duplicates per message and p99 "
            "load-message latency as the operator computes them each collection round (metrics only, not "
            "in the TopicCluster status).", "short", [
                (by(g, "topicmesh_operator_published_per_second{%s}" % CLUSTER), "published/s {{cluster}}"),
                (by(g, "topicmesh_operator_delivered_per_second{%s}" % CLUSTER), "delivered/s {{cluster}}"),
                (by(g, "topicmesh_operator_duplicates_per_message{%s}" % CLUSTER), "dups/msg {{cluster}}"),
                (by(g, "topicmesh_operator_delivery_latency_p99_seconds{%s}" % CLUSTER), "p99 s {{cluster}}"),
            ])
    b.write("topicmesh-operator.json")


DOCS = None  # a list while --docs collects the boards


def docs(board, name):
    """The markdown panel list of one board, with the selectors abbreviated as in the docs."""
    out = ["### %s (`%s`, uid `%s`)" % (board.title, name, board.uid), ""]
    for p in board.panels:
        if p["type"] == "row":
            out += ["**%s**" % p["title"], ""]
            continue
        out.append("- **%s** (%s). %s" % (p["title"], p["fieldConfig"]["defaults"]["unit"], p["description"]))
        for t in p["targets"]:
            e = t["expr"].replace(NODE, "S").replace(CLUSTER, "C")
            out.append("  - `%s`" % e)
        nxt = board.panels.index(p) + 1
        if nxt == len(board.panels) or board.panels[nxt]["type"] == "row":
            out.append("")
    return "\n".join(out)


_write = Board.write


def _write_or_collect(self, name):
    if DOCS is None:
        _write(self, name)
    else:
        DOCS.append(docs(self, name))


Board.write = _write_or_collect

if __name__ == "__main__":
    import sys
    if "--docs" in sys.argv:
        DOCS = []
    overview()
    node()
    operator()
    if DOCS is not None:
        print("\n".join(DOCS), end="")

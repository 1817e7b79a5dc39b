package io.topicmesh.node.sim;

import io.topicmesh.node.identity.PeerId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/** Who is where and who connects to whom: drawn from the seed, before any router exists. */
final class Topology {
  private Topology() {}

  /** Identities, region and bandwidth class per router, and the connections (dialer, listener). */
  record Plan(PeerId[] ids, int[] region, int[] bandwidthClass, List<int[]> edges) {}

  static Plan plan(Scenario sc, SplittableRandom rng) {
    int n = sc.routers();
    PeerId[] ids = new PeerId[n];
    for (int i = 0; i < n; i++) {
      // A sha2-256 multihash, as for RSA/secp256k1 keys: 34 bytes on the wire.
      byte[] mh = new byte[34];
      mh[0] = 0x12;
      mh[1] = 0x20;
      byte[] digest = new byte[32];
      rng.nextBytes(digest);
      System.arraycopy(digest, 0, mh, 2, 32);
      ids[i] = PeerId.fromBytes(mh);
    }
    int[] region = assign(n, sc.regions().stream().mapToDouble(Scenario.Region::share).toArray(), rng);
    int[] bw = assign(n, sc.bandwidth().stream().mapToDouble(Scenario.BandwidthClass::share).toArray(), rng);
    List<int[]> edges = switch (sc.topology().type()) {
      case "random-regular" -> randomRegular(n, sc.topology().degree(), rng);
      case "min-degree" -> minDegree(n, sc.topology().degree(), rng);
      case "connections" -> connections(n, sc.topology().connectionsPerNode(), rng);
      default -> sc.topology().edges();
    };
    return new Plan(ids, region, bw, edges);
  }

  /** Exactly {@code round(share x n)} routers per class (the remainder to the last), shuffled. */
  static int[] assign(int n, double[] shares, SplittableRandom rng) {
    int[] out = new int[n];
    int pos = 0;
    for (int c = 0; c < shares.length; c++) {
      int k = c == shares.length - 1 ? n - pos : (int) Math.min(n - pos, Math.round(shares[c] * n));
      for (int i = 0; i < k; i++) {
        out[pos++] = c;
      }
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return out;
  }

  /**
   * A random k-regular graph by the configuration model: n x k stubs shuffled and paired; the rare
   * self-loop or duplicate pair is dropped, so a few routers end with degree k-1 or k-2. Each
   * connection's dialer is drawn at random.
   */
  static List<int[]> randomRegular(int n, int k, SplittableRandom rng) {
    int[] stubs = new int[n * k];
    for (int i = 0; i < stubs.length; i++) {
      stubs[i] = i / k;
    }
    for (int i = stubs.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = stubs[i];
      stubs[i] = stubs[j];
      stubs[j] = t;
    }
    Set<Long> seen = new HashSet<>();
    List<int[]> edges = new ArrayList<>();
    for (int i = 0; i + 1 < stubs.length; i += 2) {
      int a = stubs[i];
      int b = stubs[i + 1];
      if (a == b || !seen.add(key(a, b))) {
        continue;
      }
      edges.add(rng.nextBoolean() ? new int[] {a, b} : new int[] {b, a});
    }
    return edges;
  }

  /** Each router dials {@code c} distinct random others (it is also dialled by some): degree about 2c. */
  static List<int[]> connections(int n, int c, SplittableRandom rng) {
    Set<Long> seen = new HashSet<>();
    List<int[]> edges = new ArrayList<>();
    for (int a = 0; a < n; a++) {
      int made = 0;
      for (int tries = 0; made < c && tries < 20 * c; tries++) {
        int b = rng.nextInt(n);
        if (b != a && seen.add(key(a, b))) {
          edges.add(new int[] {a, b});
          made++;
        }
      }
    }
    return edges;
  }

  /**
   * Router by router in index order, each dials random others until it has at least {@code k}
   * connections (those it was dialled on count too), a pair at most once: every router ends with
   * degree k or more, the early ones with more (the graph libp2p/test-plans gossipsub-interop builds
   * for its scenarios).
   */
  static List<int[]> minDegree(int n, int k, SplittableRandom rng) {
    Set<Long> seen = new HashSet<>();
    List<int[]> edges = new ArrayList<>();
    int[] degree = new int[n];
    for (int a = 0; a < n; a++) {
      // k <= n - 1, so a free peer always exists; the bound only guards against a bad caller.
      for (long tries = 0; degree[a] < k && tries < 1000L * n; tries++) {
        int b = rng.nextInt(n);
        if (b != a && seen.add(key(a, b))) {
          edges.add(new int[] {a, b});
          degree[a]++;
          degree[b]++;
        }
      }
    }
    return edges;
  }

  private static long key(int a, int b) {
    return (long) Math.min(a, b) << 32 | Math.max(a, b);
  }
}

package io.topicmesh.node.daemon.config;

import io.topicmesh.node.multiaddr.Multiaddr;
import java.util.OptionalInt;

/**
 * One entry of {@code discovery} (config file, {@code TOPICMESH_DISCOVERY}, {@code --discovery}),
 * parsed once, when the configuration is loaded: the daemon starts its sources from these values and
 * never reads the text again. {@link #spec()} is the text as given, which {@code /v1/status} and the
 * start-up log show.
 *
 * <ul>
 *   <li>{@code static:<multiaddr>}: one fixed peer ({@link Static});
 *   <li>{@code dns:<name>[:<port>]}: the A/AAAA records of a name ({@link Dns});
 *   <li>{@code dnssrv:<name>[:<port>]}: its SRV records ({@link Dns} with {@code srv});
 *   <li>{@code k8s:<service>[:<port>]}: the EndpointSlices of a Service ({@link Kubernetes}).
 * </ul>
 *
 * A port left out is the node's own p2p port (its first listen address's).
 */
public sealed interface DiscoverySpec permits DiscoverySpec.Static, DiscoverySpec.Dns, DiscoverySpec.Kubernetes {
  /** What {@code discovery} may hold, as error messages say it. */
  String ALLOWED = "static:<multiaddr>, dns:<name>[:<port>], dnssrv:<name> or k8s:<service>[:<port>]";

  /** The entry as given ({@code k8s:demo-nodes}). */
  String spec();

  /** A fixed peer address. */
  record Static(String spec, Multiaddr addr) implements DiscoverySpec {
    @Override
    public String toString() {
      return spec;
    }
  }

  /**
   * A DNS name, re-resolved periodically.
   *
   * @param srv true for SRV records ({@code dnssrv:}), false for A/AAAA ({@code dns:})
   * @param port the peers' p2p port, empty for the node's own
   */
  record Dns(String spec, String name, boolean srv, OptionalInt port) implements DiscoverySpec {
    @Override
    public String toString() {
      return spec;
    }
  }

  /**
   * A Kubernetes Service's ready endpoints (in the node's namespace).
   *
   * @param port the peers' p2p port, empty for the node's own
   */
  record Kubernetes(String spec, String service, OptionalInt port) implements DiscoverySpec {
    @Override
    public String toString() {
      return spec;
    }
  }

  /**
   * Parses one entry.
   *
   * @throws ConfigException naming {@code discovery}, the entry and what is allowed
   */
  static DiscoverySpec parse(String spec) {
    if (spec == null) {
      throw new ConfigException("discovery", null, ALLOWED);
    }
    int colon = spec.indexOf(':');
    String kind = colon < 0 ? spec : spec.substring(0, colon);
    String arg = colon < 0 ? "" : spec.substring(colon + 1);
    switch (kind) {
      case "static" -> {
        try {
          return new Static(spec, Multiaddr.parse(arg));
        } catch (RuntimeException e) {
          throw new ConfigException("discovery", spec, ALLOWED + " (" + e.getMessage() + ")");
        }
      }
      case "dns", "dnssrv", "k8s" -> {
        if (!arg.matches("[A-Za-z0-9_.\\-]{1,253}(:[0-9]{1,5})?")) {
          throw new ConfigException("discovery", spec, ALLOWED);
        }
        String name = arg;
        OptionalInt port = OptionalInt.empty();
        int c = arg.lastIndexOf(':');
        if (c > 0) {
          name = arg.substring(0, c);
          int p = Integer.parseInt(arg.substring(c + 1));
          if (p < 1 || p > 65535) {
            throw new ConfigException("discovery", spec, "the port must be 1-65535 (" + ALLOWED + ")");
          }
          port = OptionalInt.of(p);
        }
        return kind.equals("k8s") ? new Kubernetes(spec, name, port) : new Dns(spec, name, kind.equals("dnssrv"), port);
      }
      default -> throw new ConfigException("discovery", spec, ALLOWED);
    }
  }
}

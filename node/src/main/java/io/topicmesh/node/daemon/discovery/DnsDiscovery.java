package io.topicmesh.node.daemon.discovery;

import io.topicmesh.node.multiaddr.Multiaddr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Hashtable;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.naming.NameNotFoundException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Peers from DNS, re-resolved periodically: the A and AAAA records of a headless Service ({@code
 * dns:<name>[:<port>]}, each address with the given p2p port) or its SRV records ({@code
 * dnssrv:<name>}, each target's addresses with the record's port). Queries go to the configured
 * server through the JDK's JNDI DNS provider, or to the system resolver when none is configured.
 */
public final class DnsDiscovery implements DiscoverySource {
  private static final Logger log = LoggerFactory.getLogger(DnsDiscovery.class);

  /** Most addresses taken from one lookup. */
  static final int MAX_ADDRESSES = 1024;

  private final String name;
  private final boolean srv;
  private final int port;
  private final InetSocketAddress server;
  private final long intervalMillis;
  private final ScheduledExecutorService scheduler;
  private volatile ScheduledFuture<?> task;
  private Set<Multiaddr> last;
  private volatile String state = "resolving";
  private volatile String detail = "";

  /**
   * @param server DNS server, or null for the system resolver (A/AAAA only)
   */
  public DnsDiscovery(String name, boolean srv, int port, InetSocketAddress server, long intervalMillis,
      ScheduledExecutorService scheduler) {
    this.name = name;
    this.srv = srv;
    this.port = port;
    this.server = server;
    this.intervalMillis = intervalMillis;
    this.scheduler = scheduler;
  }

  @Override
  public String name() {
    return (srv ? "dnssrv:" : "dns:") + name;
  }

  /** DNS never gates readiness: an empty answer is a normal state of a Service. */
  @Override
  public Status status() {
    return new Status(name(), state, detail, true);
  }

  @Override
  public void start(Consumer<Set<Multiaddr>> update) {
    task = scheduler.scheduleWithFixedDelay(() -> poll(update), 0, intervalMillis, TimeUnit.MILLISECONDS);
  }

  private void poll(Consumer<Set<Multiaddr>> update) {
    try {
      Set<Multiaddr> found = resolve();
      state = "resolved";
      detail = found.size() + " addresses";
      if (!found.equals(last)) {
        log.info("discovery source={} peers={}", name(), found.size());
        last = found;
        update.accept(found);
      }
    } catch (NamingException | UnknownHostException e) {
      // a Service with no ready pods yet has no records: an expected, transient state
      state = "waiting";
      detail = "lookup of " + name + " failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
      log.info("discovery source={} lookup failed: {}", name(), e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    } catch (RuntimeException e) {
      state = "waiting";
      detail = "lookup of " + name + " failed: " + e;
      log.warn("discovery source={} failed: {}", name(), e.toString());
    }
  }

  Set<Multiaddr> resolve() throws NamingException, UnknownHostException {
    Set<Multiaddr> out = new LinkedHashSet<>();
    if (srv) {
      DirContext ctx = context();
      try {
        for (String rec : records(ctx, name, "SRV")) {
          // priority weight port target
          String[] f = rec.trim().split("\\s+");
          if (f.length != 4) {
            continue;
          }
          int p = Integer.parseInt(f[2]);
          String target = f[3].endsWith(".") ? f[3].substring(0, f[3].length() - 1) : f[3];
          for (InetAddress a : addresses(ctx, target)) {
            add(out, a, p);
          }
        }
      } finally {
        ctx.close();
      }
    } else if (server == null) {
      for (InetAddress a : InetAddress.getAllByName(name)) {
        add(out, a, port);
      }
    } else {
      DirContext ctx = context();
      try {
        for (InetAddress a : addresses(ctx, name)) {
          add(out, a, port);
        }
      } finally {
        ctx.close();
      }
    }
    return out;
  }

  private static void add(Set<Multiaddr> out, InetAddress a, int port) {
    if (out.size() < MAX_ADDRESSES) {
      out.add(Multiaddr.fromTcp(new InetSocketAddress(a, port)));
    }
  }

  private Set<InetAddress> addresses(DirContext ctx, String host) throws NamingException, UnknownHostException {
    Set<InetAddress> out = new LinkedHashSet<>();
    for (String type : new String[] {"A", "AAAA"}) {
      for (String rec : records(ctx, host, type)) {
        out.add(InetAddress.getByName(rec.trim()));
      }
    }
    return out;
  }

  private static Set<String> records(DirContext ctx, String host, String type) throws NamingException {
    Set<String> out = new LinkedHashSet<>();
    Attributes attrs;
    try {
      attrs = ctx.getAttributes(host, new String[] {type});
    } catch (NameNotFoundException e) {
      return out;
    }
    Attribute attr = attrs.get(type);
    if (attr == null) {
      return out;
    }
    NamingEnumeration<?> values = attr.getAll();
    while (values.hasMore() && out.size() < MAX_ADDRESSES) {
      out.add(String.valueOf(values.next()));
    }
    return out;
  }

  private DirContext context() throws NamingException {
    Hashtable<String, String> env = new Hashtable<>();
    env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
    if (server != null) {
      String host = server.getHostString().contains(":") ? "[" + server.getHostString() + "]" : server.getHostString();
      env.put("java.naming.provider.url", "dns://" + host + ":" + server.getPort());
    }
    env.put("com.sun.jndi.dns.timeout.initial", "1000");
    env.put("com.sun.jndi.dns.timeout.retries", "2");
    return new InitialDirContext(env);
  }

  @Override
  public void close() {
    ScheduledFuture<?> t = task;
    if (t != null) {
      t.cancel(false);
    }
  }
}

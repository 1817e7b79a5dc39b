package io.topicmesh.node.daemon;

/** Entry point of {@code topicmesh-node.jar}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.out.println("topicmesh-node " + version());
  }

  /** The version from the jar manifest, or {@code dev} when run from classes. */
  public static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}

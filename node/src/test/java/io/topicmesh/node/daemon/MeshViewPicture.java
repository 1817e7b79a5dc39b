package io.topicmesh.node.daemon;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the mesh view drew: its node circles and edge lines read from the DOM Chromium dumped, and
 * the checks on a screenshot that a blank or half-drawn page fails.
 */
final class MeshViewPicture {
  private static final Pattern SVG = Pattern.compile("<svg class=\"graph\"[^>]*data-topic=\"([^\"]+)\"[^>]*>(.*?)</svg>",
      Pattern.DOTALL);
  private static final Pattern CIRCLE = Pattern.compile("<circle ([^>]*)>");
  private static final Pattern LINE = Pattern.compile("<line ([^>]*)>");
  private static final Pattern ATTR = Pattern.compile("([a-z-]+)=\"([^\"]*)\"");

  record Node(String peer, String fill, String classes) {}

  record Edge(String a, String b, String kind, String classes, long messages, String rate) {
    boolean joins(String x, String y) {
      return (a.equals(x) && b.equals(y)) || (a.equals(y) && b.equals(x));
    }
  }

  record Graph(String topic, List<Node> nodes, List<Edge> edges) {
    List<Edge> edges(String kind) {
      return edges.stream().filter(e -> e.kind().equals(kind)).toList();
    }
  }

  private MeshViewPicture() {}

  /** The graphs of the dumped DOM, per topic, in page order. */
  static Map<String, Graph> graphs(String dom) {
    Map<String, Graph> out = new LinkedHashMap<>();
    Matcher svg = SVG.matcher(dom);
    while (svg.find()) {
      String body = svg.group(2);
      List<Node> nodes = new ArrayList<>();
      Matcher c = CIRCLE.matcher(body);
      while (c.find()) {
        Map<String, String> a = attrs(c.group(1));
        if (a.getOrDefault("class", "").startsWith("node")) {
          nodes.add(new Node(a.get("data-peer"), a.get("fill"), a.get("class")));
        }
      }
      List<Edge> edges = new ArrayList<>();
      Matcher l = LINE.matcher(body);
      while (l.find()) {
        Map<String, String> a = attrs(l.group(1));
        edges.add(new Edge(a.get("data-a"), a.get("data-b"), a.get("data-kind"), a.get("class"),
            Long.parseLong(a.getOrDefault("data-messages", "0")), a.getOrDefault("data-rate", "")));
      }
      out.put(svg.group(1), new Graph(svg.group(1), nodes, edges));
    }
    return out;
  }

  private static Map<String, String> attrs(String tag) {
    Map<String, String> a = new LinkedHashMap<>();
    Matcher m = ATTR.matcher(tag);
    while (m.find()) {
      a.put(m.group(1), m.group(2));
    }
    return a;
  }

  /** Pixels within {@code tolerance} per channel of {@code #rrggbb}. */
  static int pixelsOf(BufferedImage img, String hex, int tolerance) {
    int want = Integer.parseInt(hex.substring(1), 16);
    int n = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        if (close(img.getRGB(x, y), want, tolerance)) {
          n++;
        }
      }
    }
    return n;
  }

  /** Pixels that differ from the top-left corner's colour (the page background). */
  static int nonBackgroundPixels(BufferedImage img) {
    int bg = img.getRGB(0, 0);
    int n = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        if (!close(img.getRGB(x, y), bg, 8)) {
          n++;
        }
      }
    }
    return n;
  }

  private static boolean close(int rgb, int want, int tolerance) {
    for (int shift = 0; shift <= 16; shift += 8) {
      if (Math.abs(((rgb >> shift) & 0xff) - ((want >> shift) & 0xff)) > tolerance) {
        return false;
      }
    }
    return true;
  }

  /**
   * Fails unless every node colour covers at least {@code minPixels} pixels (a filled circle drawn
   * in its colour) and at least {@code minInk} pixels are not background. A blank page, a page that
   * shows only an error or a login form, or circles never filled all fail.
   */
  static void assertDrawn(BufferedImage img, List<String> nodeColours, int minPixels, int minInk) {
    if (nodeColours.isEmpty()) {
      throw new AssertionError("the page drew no node circle");
    }
    List<String> missing = new ArrayList<>();
    for (String c : nodeColours) {
      int n = pixelsOf(img, c, 6);
      if (n < minPixels) {
        missing.add(c + " (" + n + " px)");
      }
    }
    if (!missing.isEmpty()) {
      throw new AssertionError("node colours not drawn in the screenshot, expected >= " + minPixels
          + " px each: " + missing);
    }
    int ink = nonBackgroundPixels(img);
    if (ink < minInk) {
      throw new AssertionError("screenshot nearly blank: " + ink + " non-background pixels, expected >= " + minInk);
    }
  }
}

package io.topicmesh.node.sim;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import javax.imageio.ImageIO;

/** The run's PNG plots, drawn with java.awt in headless mode: latency CDF, duplicates, bandwidth. */
final class Plots {
  private static final int W = 900;
  private static final int H = 540;
  private static final int L = 80;
  private static final int R = 30;
  private static final int T = 50;
  private static final int B = 60;

  private Plots() {}

  static void writeAll(SimResult r, Path dir) throws IOException {
    System.setProperty("java.awt.headless", "true");
    latencyCdf(r, dir.resolve("latency-cdf.png"));
    duplicates(r, dir.resolve("duplicates.png"));
    bandwidth(r, dir.resolve("bandwidth-per-node.png"));
  }

  static void latencyCdf(SimResult r, Path file) throws IOException {
    long[] h = r.latencyHistogram();
    long total = Arrays.stream(h).sum();
    int last = h.length - 1;
    while (last > 0 && h[last] == 0) {
      last--;
    }
    double maxMs = Math.max(1, (last + 1) * Metrics.BUCKET_MICROS / 1000.0);
    Chart c = new Chart(title(r, "Dissemination latency CDF"), "latency (ms)", "share of deliveries", maxMs, 1);
    double[] xs = new double[last + 2];
    double[] ys = new double[last + 2];
    long acc = 0;
    for (int b = 0; b <= last; b++) {
      acc += h[b];
      xs[b + 1] = (b + 1) * Metrics.BUCKET_MICROS / 1000.0;
      ys[b + 1] = total == 0 ? 0 : (double) acc / total;
    }
    c.line(xs, ys, new Color(30, 90, 200));
    c.write(file);
  }

  static void duplicates(SimResult r, Path file) throws IOException {
    long[] h = r.duplicatesHistogram();
    long total = Arrays.stream(h).sum();
    int last = h.length - 1;
    while (last > 0 && h[last] == 0) {
      last--;
    }
    double maxShare = 0;
    for (long v : h) {
      maxShare = Math.max(maxShare, total == 0 ? 0 : (double) v / total);
    }
    Chart c = new Chart(title(r, "Duplicates per received message"), "duplicates (copies - 1)",
        "share of (message, router)", last + 1, Math.max(0.05, maxShare * 1.1));
    for (int k = 0; k <= last; k++) {
      c.bar(k, total == 0 ? 0 : (double) h[k] / total, new Color(200, 110, 30));
    }
    c.write(file);
  }

  static void bandwidth(SimResult r, Path file) throws IOException {
    int n = r.bytesSent().length;
    double secs = Math.max(1e-9, r.virtualSeconds());
    double[] up = new double[n];
    double[] down = new double[n];
    for (int i = 0; i < n; i++) {
      up[i] = r.bytesSent()[i] * 8 / secs / 1e6;
      down[i] = r.bytesReceived()[i] * 8 / secs / 1e6;
    }
    Arrays.sort(up);
    Arrays.sort(down);
    double max = Math.max(1e-6, Math.max(up[n - 1], down[n - 1]) * 1.05);
    Chart c = new Chart(title(r, "Bandwidth per router (mean over the run)"), "routers (sorted)", "Mbit/s", n, max);
    double[] xs = new double[n];
    for (int i = 0; i < n; i++) {
      xs[i] = i + 1;
    }
    reverse(up);
    reverse(down);
    c.line(xs, up, new Color(30, 90, 200));
    c.line(xs, down, new Color(200, 60, 60));
    c.legend(new String[] {"sent", "received"}, new Color[] {new Color(30, 90, 200), new Color(200, 60, 60)});
    c.write(file);
  }

  private static void reverse(double[] a) {
    for (int i = 0, j = a.length - 1; i < j; i++, j--) {
      double t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  private static String title(SimResult r, String what) {
    return what + " - " + r.summary().get("scenario") + ", " + r.summary().get("routers") + " routers, seed "
        + r.summary().get("seed");
  }

  /** A plot area with linear axes from 0 to xMax / yMax. */
  private static final class Chart {
    private final BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    private final Graphics2D g = img.createGraphics();
    private final double xMax;
    private final double yMax;

    Chart(String title, String xLabel, String yLabel, double xMax, double yMax) {
      this.xMax = xMax;
      this.yMax = yMax;
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, W, H);
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
      g.drawString(title, L, 28);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      g.drawLine(L, H - B, W - R, H - B);
      g.drawLine(L, T, L, H - B);
      for (int i = 0; i <= 5; i++) {
        double xv = xMax * i / 5;
        double yv = yMax * i / 5;
        int x = px(xv);
        int y = py(yv);
        g.setColor(new Color(225, 225, 225));
        g.drawLine(L + 1, y, W - R, y);
        g.setColor(Color.BLACK);
        g.drawLine(x, H - B, x, H - B + 5);
        g.drawString(num(xv), x - 12, H - B + 20);
        g.drawString(num(yv), 8, y + 4);
      }
      g.drawString(xLabel, L + (W - L - R) / 2 - 40, H - 15);
      g.drawString(yLabel, 8, T - 12);
    }

    private static String num(double v) {
      if (v == Math.rint(v) && Math.abs(v) < 1e7) {
        return Long.toString((long) v);
      }
      return String.format(Locale.ROOT, Math.abs(v) < 10 ? "%.2f" : "%.0f", v);
    }

    int px(double x) {
      return L + (int) Math.round((W - L - R) * Math.min(1, x / xMax));
    }

    int py(double y) {
      return H - B - (int) Math.round((H - B - T) * Math.min(1, y / yMax));
    }

    void line(double[] xs, double[] ys, Color color) {
      g.setColor(color);
      g.setStroke(new BasicStroke(2f));
      for (int i = 1; i < xs.length; i++) {
        g.drawLine(px(xs[i - 1]), py(ys[i - 1]), px(xs[i]), py(ys[i]));
      }
      g.setStroke(new BasicStroke(1f));
    }

    void bar(int k, double v, Color color) {
      int x0 = px(k);
      int x1 = px(k + 1);
      g.setColor(color);
      g.fillRect(x0 + 1, py(v), Math.max(1, x1 - x0 - 2), H - B - py(v));
    }

    void legend(String[] names, Color[] colors) {
      for (int i = 0; i < names.length; i++) {
        g.setColor(colors[i]);
        g.fillRect(W - R - 120, T + 10 + 18 * i, 12, 12);
        g.setColor(Color.BLACK);
        g.drawString(names[i], W - R - 100, T + 21 + 18 * i);
      }
    }

    void write(Path file) throws IOException {
      g.dispose();
      if (!ImageIO.write(img, "png", file.toFile())) {
        throw new IOException("no PNG writer for " + file);
      }
    }
  }
}

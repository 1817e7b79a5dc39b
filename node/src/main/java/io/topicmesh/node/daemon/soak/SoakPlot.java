package io.topicmesh.node.daemon.soak;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The soak's PNG: a grid of panels over elapsed time, each a few named series, with the restarts
 * marked as ticks along the time axis. Drawn with java.awt in headless mode.
 */
final class SoakPlot {
  static final Color[] COLORS = {new Color(30, 90, 200), new Color(200, 80, 30), new Color(40, 150, 60),
      new Color(140, 60, 170), new Color(120, 120, 120)};

  record Series(String name, double[] y) {}

  record Panel(String title, String unit, List<Series> series, double fixedMin, double fixedMax) {
    Panel(String title, String unit, List<Series> series) {
      this(title, unit, series, Double.NaN, Double.NaN);
    }
  }

  private static final int PW = 620;
  private static final int PH = 300;
  private static final int L = 70;
  private static final int R = 20;
  private static final int T = 40;
  private static final int B = 45;

  private SoakPlot() {}

  /** Writes {@code panels} in a grid of two columns; {@code restartsS} are the restart times in s. */
  static void write(Path file, String title, double[] elapsedS, List<Panel> panels, List<Double> restartsS)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    int cols = 2;
    int rows = (panels.size() + cols - 1) / cols;
    BufferedImage img = new BufferedImage(cols * PW, rows * PH + 30, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, img.getWidth(), img.getHeight());
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    g.drawString(title, 12, 21);
    double maxX = 1;
    for (double x : elapsedS) {
      maxX = Math.max(maxX, x / 60);
    }
    for (int i = 0; i < panels.size(); i++) {
      Graphics2D pg = (Graphics2D) g.create((i % cols) * PW, 30 + (i / cols) * PH, PW, PH);
      panel(pg, panels.get(i), elapsedS, maxX, restartsS);
      pg.dispose();
    }
    g.dispose();
    ImageIO.write(img, "png", file.toFile());
  }

  private static void panel(Graphics2D g, Panel p, double[] xs, double maxX, List<Double> restartsS) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (Series s : p.series()) {
      for (double v : s.y()) {
        if (!Double.isNaN(v) && !Double.isInfinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (lo > hi) {
      lo = 0;
      hi = 1;
    }
    if (!Double.isNaN(p.fixedMin())) {
      lo = Math.min(lo, p.fixedMin());
    } else {
      lo = Math.min(0, lo);
    }
    if (!Double.isNaN(p.fixedMax())) {
      hi = Math.max(hi, p.fixedMax());
    }
    if (hi - lo < 1e-9) {
      hi = lo + 1;
    }
    hi = hi + (hi - lo) * 0.08;
    int w = PW - L - R;
    int h = PH - T - B;
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
    g.setColor(Color.BLACK);
    g.drawString(p.title(), L, 20);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    // axes and grid
    g.setColor(new Color(225, 225, 225));
    for (int k = 0; k <= 4; k++) {
      int y = T + h - h * k / 4;
      g.drawLine(L, y, L + w, y);
    }
    g.setColor(Color.DARK_GRAY);
    g.drawRect(L, T, w, h);
    for (int k = 0; k <= 4; k++) {
      int y = T + h - h * k / 4;
      g.drawString(num(lo + (hi - lo) * k / 4), 6, y + 4);
      int x = L + w * k / 4;
      g.drawString(num(maxX * k / 4), x - 8, T + h + 15);
    }
    g.drawString("elapsed (min)   " + p.unit(), L + w / 2 - 60, T + h + 32);
    // restarts: ticks on the time axis
    g.setColor(new Color(200, 40, 40));
    for (double r : restartsS) {
      int x = L + (int) Math.round(w * (r / 60) / maxX);
      g.drawLine(x, T + h - 6, x, T + h);
    }
    // series
    int legendX = L + 8;
    for (int si = 0; si < p.series().size(); si++) {
      Series s = p.series().get(si);
      Color c = COLORS[si % COLORS.length];
      g.setColor(c);
      g.setStroke(new BasicStroke(1.6f));
      int px = -1;
      int py = -1;
      for (int i = 0; i < xs.length && i < s.y().length; i++) {
        double v = s.y()[i];
        if (Double.isNaN(v)) {
          px = -1;
          continue;
        }
        int x = L + (int) Math.round(w * (xs[i] / 60) / maxX);
        int y = T + h - (int) Math.round(h * (v - lo) / (hi - lo));
        if (px >= 0) {
          g.drawLine(px, py, x, y);
        } else {
          g.fillRect(x - 1, y - 1, 3, 3);
        }
        px = x;
        py = y;
      }
      g.setStroke(new BasicStroke(1f));
      g.fillRect(legendX, T + 6, 14, 3);
      g.setColor(Color.BLACK);
      g.drawString(s.name(), legendX + 18, T + 12);
      legendX += 26 + g.getFontMetrics().stringWidth(s.name());
    }
  }

  private static String num(double v) {
    double a = Math.abs(v);
    if (a >= 100 || v == Math.rint(v)) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.3f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
  }

  static List<Panel> list(Panel... p) {
    return new ArrayList<>(List.of(p));
  }
}

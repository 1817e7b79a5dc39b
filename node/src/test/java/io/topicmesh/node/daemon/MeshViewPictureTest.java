package io.topicmesh.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The screenshot checks of the mesh view's test fail on a blank page and on circles not drawn. */
class MeshViewPictureTest {
  private static final List<String> COLOURS = List.of("#c62828", "#2e7d32", "#1565c0");

  private static BufferedImage page() {
    BufferedImage img = new BufferedImage(400, 300, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 400, 300);
    g.dispose();
    return img;
  }

  private static void circles(BufferedImage img, List<String> colours) {
    Graphics2D g = img.createGraphics();
    g.setColor(Color.DARK_GRAY);
    g.drawLine(30, 30, 300, 250);
    for (int i = 0; i < colours.size(); i++) {
      g.setColor(Color.decode(colours.get(i)));
      g.fillOval(40 + i * 100, 100, 30, 30);
    }
    g.dispose();
  }

  @Test
  void aBlankPageFails() {
    assertThatThrownBy(() -> MeshViewPicture.assertDrawn(page(), COLOURS, 150, 500))
        .isInstanceOf(AssertionError.class).hasMessageContaining("node colours not drawn");
  }

  @Test
  void aPageWithNoNodeInItsDomFails() {
    assertThatThrownBy(() -> MeshViewPicture.assertDrawn(page(), List.of(), 150, 500))
        .isInstanceOf(AssertionError.class).hasMessageContaining("no node circle");
  }

  @Test
  void aMissingNodeFailsAndNamesItsColour() {
    BufferedImage img = page();
    circles(img, COLOURS.subList(0, 2));
    assertThatThrownBy(() -> MeshViewPicture.assertDrawn(img, COLOURS, 150, 500))
        .isInstanceOf(AssertionError.class).hasMessageContaining("#1565c0");
  }

  @Test
  void everyNodeDrawnInItsColourPasses() {
    BufferedImage img = page();
    circles(img, COLOURS);
    MeshViewPicture.assertDrawn(img, COLOURS, 150, 500);
    assertThat(MeshViewPicture.pixelsOf(img, "#2e7d32", 6)).isBetween(600, 800);
  }

  @Test
  void theDomParserFindsCirclesAndEdgesPerTopic() {
    String dom = "<main><section><svg class=\"graph\" viewBox=\"0 0 600 600\" data-topic=\"news\" role=\"img\">"
        + "<g class=\"edges\"><line class=\"edge mesh\" x1=\"1\" data-a=\"A\" data-b=\"B\" data-kind=\"mesh\" data-rate=\"2.000\""
        + " data-messages=\"12\"><title>x</title></line></g><g class=\"nodes\">"
        + "<circle class=\"node\" cx=\"1\" fill=\"#c62828\" data-peer=\"A\"><title>A</title></circle>"
        + "<circle class=\"node not-ready\" fill=\"#2e7d32\" data-peer=\"B\"></circle></g></svg></section>"
        + "<svg class=\"legend\"><line class=\"edge mesh\"></line></svg></main>";
    var graphs = MeshViewPicture.graphs(dom);
    assertThat(graphs).containsOnlyKeys("news");
    var g = graphs.get("news");
    assertThat(g.nodes()).extracting(MeshViewPicture.Node::peer).containsExactly("A", "B");
    assertThat(g.nodes().get(1).classes()).contains("not-ready");
    assertThat(g.edges("mesh")).singleElement().satisfies(e -> {
      assertThat(e.joins("B", "A")).isTrue();
      assertThat(e.messages()).isEqualTo(12);
    });
  }
}

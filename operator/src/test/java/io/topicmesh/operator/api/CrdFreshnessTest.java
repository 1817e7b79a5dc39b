package io.topicmesh.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.topicmesh.operator.api.v1alpha1.TopicCluster;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Generates the CRD from the API classes and fails when {@code crds/} differs. Run with
 * {@code -Dtopicmesh.updateCrds=true} to rewrite {@code crds/} (then commit it).
 */
class CrdFreshnessTest {
  static final String CRD_FILE = "topicclusters.topicmesh.io-v1.yml";

  static Path repoRoot() {
    return Path.of(System.getProperty("topicmesh.repoRoot", "..")).toAbsolutePath().normalize();
  }

  /** The generator sorts printer columns by name; kubectl shows them in the order declared on the class. */
  static HasMetadata printerColumnsInDeclarationOrder(HasMetadata crd) {
    List<String> order = Arrays.stream(TopicCluster.class.getAnnotationsByType(AdditionalPrinterColumn.class))
        .map(AdditionalPrinterColumn::name).toList();
    for (var v : ((CustomResourceDefinition) crd).getSpec().getVersions()) {
      v.getAdditionalPrinterColumns().sort(Comparator.comparingInt(c -> order.indexOf(c.getName())));
    }
    return crd;
  }

  @Test
  void checkedInCrdMatchesTheApiClasses() throws IOException {
    Path out = Files.createTempDirectory("crdgen");
    new CRDGenerator().inOutputDir(out.toFile()).forCRDVersions("v1")
        .withPostProcessor(new CRDPostProcessor() {
          @Override
          public HasMetadata process(HasMetadata crd, String version) {
            return printerColumnsInDeclarationOrder(crd);
          }
        })
        .customResourceClasses(TopicCluster.class).generate();
    String generated = Files.readString(out.resolve(CRD_FILE));
    for (Path checkedIn : List.of(repoRoot().resolve("crds").resolve(CRD_FILE),
        repoRoot().resolve("charts/topicmesh/crds").resolve(CRD_FILE))) {
      if (Boolean.getBoolean("topicmesh.updateCrds")) {
        Files.createDirectories(checkedIn.getParent());
        Files.writeString(checkedIn, generated);
      }
      assertThat(checkedIn).as("%s must exist; regenerate with -Dtopicmesh.updateCrds=true", checkedIn).exists();
      assertThat(Files.readString(checkedIn))
          .as("%s is stale: regenerate with mvn -pl api,operator test -Dtest=CrdFreshnessTest"
              + " -Dsurefire.failIfNoSpecifiedTests=false -Dtopicmesh.updateCrds=true",
              checkedIn)
          .isEqualTo(generated);
    }
  }
}

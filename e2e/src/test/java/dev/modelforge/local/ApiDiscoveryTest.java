package dev.modelforge.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscovery;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersionBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiDiscoveryTest {

  @Test
  void crdGroupPrefersItsMostStableServedVersion() {
    ApiDiscovery discovery =
        new ApiDiscovery(
            List.of(
                gadgets(
                    version("v1alpha1", true),
                    version("v1beta2", true),
                    version("v1beta1", true),
                    version("v2alpha1", true),
                    version("v1", false))));

    APIGroup group = discovery.group("example.com").orElseThrow();

    assertThat(group.getVersions())
        .extracting(GroupVersionForDiscovery::getVersion)
        .containsExactly("v1beta2", "v1beta1", "v2alpha1", "v1alpha1");
    assertThat(group.getPreferredVersion().getGroupVersion()).isEqualTo("example.com/v1beta2");
    assertThat(discovery.resources("example.com/v1")).isEmpty();
  }

  @Test
  void crdResourceCarriesNamesScopeAndSubresources() {
    ApiDiscovery discovery = new ApiDiscovery(List.of(gadgets(version("v1", true))));

    List<APIResource> resources =
        discovery.resources("example.com/v1").orElseThrow().getResources();

    assertThat(resources)
        .extracting(APIResource::getName)
        .containsExactly("gadgets", "gadgets/status", "gadgets/scale");
    APIResource gadgets = resources.getFirst();
    assertThat(gadgets.getSingularName()).isEqualTo("gadget");
    assertThat(gadgets.getKind()).isEqualTo("Gadget");
    assertThat(gadgets.getNamespaced()).isTrue();
    assertThat(gadgets.getShortNames()).containsExactly("gd");
    assertThat(gadgets.getCategories()).containsExactly("all");
    assertThat(gadgets.getVerbs()).contains("list", "watch", "patch");
    assertThat(resources.get(2).getKind()).isEqualTo("Scale");
  }

  @Test
  void builtInGroupsAreListedWithoutCrds() {
    ApiDiscovery discovery = new ApiDiscovery(List.of());

    assertThat(discovery.groups().getGroups())
        .extracting(APIGroup::getName)
        .containsExactly(
            "apps",
            "batch",
            "coordination.k8s.io",
            "rbac.authorization.k8s.io",
            "events.k8s.io",
            "apiextensions.k8s.io");
    assertThat(discovery.resources("v1").orElseThrow().getResources())
        .extracting(APIResource::getName)
        .contains("namespaces", "pods", "pods/status", "configmaps", "persistentvolumeclaims");
    assertThat(discovery.resources("apps/v1").orElseThrow().getResources())
        .extracting(APIResource::getName)
        .contains("deployments", "deployments/status", "deployments/scale");
  }

  static CustomResourceDefinition gadgets(CustomResourceDefinitionVersion... versions) {
    return new CustomResourceDefinitionBuilder()
        .withNewMetadata()
        .withName("gadgets.example.com")
        .endMetadata()
        .withNewSpec()
        .withGroup("example.com")
        .withScope("Namespaced")
        .withNewNames()
        .withKind("Gadget")
        .withPlural("gadgets")
        .withSingular("gadget")
        .withShortNames("gd")
        .withCategories("all")
        .endNames()
        .withVersions(versions)
        .endSpec()
        .build();
  }

  static CustomResourceDefinitionVersion version(String name, boolean served) {
    return new CustomResourceDefinitionVersionBuilder()
        .withName(name)
        .withServed(served)
        .withStorage(name.equals("v1"))
        .withNewSubresources()
        .withNewStatus()
        .endStatus()
        .withNewScale()
        .withSpecReplicasPath(".spec.replicas")
        .withStatusReplicasPath(".status.replicas")
        .endScale()
        .endSubresources()
        .build();
  }
}

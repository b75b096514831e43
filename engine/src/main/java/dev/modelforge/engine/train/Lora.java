package dev.modelforge.engine.train;

import dev.modelforge.engine.lora.LoraSettings;
import dev.modelforge.engine.train.layers.Linear;
import dev.modelforge.engine.train.layers.LoraBranch;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/** Adds LoRA adapters to a model's linear layers, freezing the base, and merges them back. */
public final class Lora {

  private Lora() {}

  /**
   * Freezes every base parameter and attaches a fresh adapter to each linear layer whose kind is
   * one of the target modules, drawing the A matrices from {@code rng} in layer order.
   *
   * @throws IllegalArgumentException when a target names no layer of this model
   */
  public static void apply(ModelParameters params, LoraSettings settings, SplittableRandom rng) {
    params.parameters().forEach(p -> p.setTrainable(false));
    Set<String> kinds = new LinkedHashSet<>();
    params.linears().forEach(l -> kinds.add(l.kind()));
    List<String> unknown = new ArrayList<>(settings.targetModules());
    unknown.removeAll(kinds);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "LoRA target modules "
              + unknown
              + " are not layers of this "
              + params.config().architecture().hfClass()
              + " model; its linear layers are "
              + kinds);
    }
    for (Linear l : params.linears()) {
      if (settings.targetModules().contains(l.kind())) {
        l.attach(
            LoraBranch.initialise(
                l.module(),
                l.in(),
                l.out(),
                settings.rank(),
                settings.scaling(),
                settings.dropout(),
                rng));
      }
    }
  }

  /**
   * Folds every adapter into its base weight ({@code W += alpha/r · B·A}), leaving a plain model.
   */
  public static void merge(ModelParameters params) {
    params.linears().forEach(Linear::mergeLora);
  }
}

package dev.modelforge.engine.grammar;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A compiled context-free grammar, matched as llama.cpp matches GBNF: the parse state is a set of
 * stacks of positions in the rules' alternatives, each stack's top a character class. A code point
 * advances every stack whose top accepts it; the output may end where an empty stack is reached.
 * Left recursion is refused when compiling, so expanding a stack always terminates.
 *
 * <p>Immutable and shared: the per-sequence state lives in {@link Stacks} values.
 */
public final class Grammar {

  static final int END = 0;
  static final int CHARS = 1;
  static final int RULE = 2;

  /** Stacks one state may hold before the grammar is called too ambiguous to match. */
  static final int MAX_STACKS = 4096;

  /** Per position: END, CHARS or RULE, and its argument (a class index or a rule id). */
  private final int[] ops;

  private final int[] args;
  private final CharSet[] classes;
  private final int[][] alternatives;
  private final List<String> ruleNames;
  private final int root;
  private final Stacks initial;

  private Grammar(GbnfParser parsed) {
    this.ruleNames = List.copyOf(parsed.names);
    this.root = parsed.root();
    refuseLeftRecursion(parsed);
    int size = 3; // position 0 stays END; the last two cells call the root
    for (List<List<GbnfParser.Item>> rule : parsed.rules) {
      for (List<GbnfParser.Item> alt : rule) {
        size += alt.size() + 1;
      }
    }
    ops = new int[size];
    args = new int[size];
    alternatives = new int[parsed.rules.size()][];
    List<CharSet> sets = new ArrayList<>();
    int p = 1; // position 0 stays END: the sentinel "nothing follows"
    for (int r = 0; r < parsed.rules.size(); r++) {
      List<List<GbnfParser.Item>> rule = parsed.rules.get(r);
      alternatives[r] = new int[rule.size()];
      for (int a = 0; a < rule.size(); a++) {
        alternatives[r][a] = p;
        for (GbnfParser.Item item : rule.get(a)) {
          switch (item) {
            case GbnfParser.Item.Chars c -> {
              ops[p] = CHARS;
              int idx = sets.indexOf(c.set());
              if (idx < 0) {
                idx = sets.size();
                sets.add(c.set());
              }
              args[p] = idx;
            }
            case GbnfParser.Item.Ref ref -> {
              ops[p] = RULE;
              args[p] = ref.rule();
            }
          }
          p++;
        }
        ops[p++] = END;
      }
    }
    // the root is matched as if called from a one-item alternative: an empty stack means "done"
    ops[p] = RULE;
    args[p] = root;
    ops[p + 1] = END;
    classes = sets.toArray(CharSet[]::new);
    Builder start = new Builder();
    expand(new Frame(p, null), start, 0);
    this.initial = start.build();
  }

  /** Compiles GBNF text; throws {@link GrammarException} naming the first problem and where. */
  public static Grammar parse(String gbnf) {
    return new Grammar(GbnfParser.parse(gbnf));
  }

  /** Whether the whole of {@code text} is in the root rule's language. */
  public boolean matches(String text) {
    Stacks s = initial;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      s = advance(s, cp);
      if (s.isDead()) {
        return false;
      }
    }
    return s.accepting();
  }

  Stacks initial() {
    return initial;
  }

  /** The state after {@code cp}: dead when no stack accepts it. */
  Stacks advance(Stacks s, int cp) {
    Builder out = new Builder();
    for (Frame f : s.frames()) {
      if (classes[args[f.pos]].contains(cp)) {
        expand(ops[f.pos + 1] == END ? f.next : new Frame(f.pos + 1, f.next), out, 0);
      }
    }
    return out.build();
  }

  /** Whether some stack of {@code s} accepts a code point in {@code [lo, hi]}. */
  boolean acceptsSome(Stacks s, int lo, int hi) {
    for (Frame f : s.frames()) {
      if (classes[args[f.pos]].intersects(lo, hi)) {
        return true;
      }
    }
    return false;
  }

  private void expand(Frame f, Builder out, int depth) {
    while (true) {
      if (f == null) {
        out.accepting = true;
        return;
      }
      int op = ops[f.pos];
      if (op == END) {
        f = f.next;
        continue;
      }
      if (op == CHARS) {
        out.add(f);
        return;
      }
      if (depth > ruleNames.size() + 1) {
        throw new GrammarException("grammar: rule expansion does not terminate");
      }
      Frame cont = ops[f.pos + 1] == END ? f.next : new Frame(f.pos + 1, f.next);
      for (int start : alternatives[args[f.pos]]) {
        expand(ops[start] == END ? cont : new Frame(start, cont), out, depth + 1);
      }
      return;
    }
  }

  private static void refuseLeftRecursion(GbnfParser g) {
    int n = g.rules.size();
    boolean[] nullable = new boolean[n];
    for (boolean changed = true; changed; ) {
      changed = false;
      for (int r = 0; r < n; r++) {
        if (nullable[r]) {
          continue;
        }
        for (List<GbnfParser.Item> alt : g.rules.get(r)) {
          if (alt.stream()
              .allMatch(i -> i instanceof GbnfParser.Item.Ref ref && nullable[ref.rule()])) {
            nullable[r] = true;
            changed = true;
            break;
          }
        }
      }
    }
    // r -> s when s can be the first thing r reads
    List<Set<Integer>> leftmost = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      Set<Integer> first = new HashSet<>();
      for (List<GbnfParser.Item> alt : g.rules.get(r)) {
        for (GbnfParser.Item item : alt) {
          if (!(item instanceof GbnfParser.Item.Ref ref)) {
            break;
          }
          first.add(ref.rule());
          if (!nullable[ref.rule()]) {
            break;
          }
        }
      }
      leftmost.add(first);
    }
    int[] mark = new int[n]; // 0 new, 1 on the path, 2 done
    for (int r = 0; r < n; r++) {
      List<Integer> path = new ArrayList<>();
      if (mark[r] == 0 && cycle(r, leftmost, mark, path)) {
        List<String> names = path.stream().map(g.names::get).toList();
        throw new GrammarException(
            "grammar: rule '"
                + names.getFirst()
                + "' is left-recursive ("
                + String.join(" -> ", names)
                + "); write it right-recursive or with * and +");
      }
    }
  }

  private static boolean cycle(int r, List<Set<Integer>> edges, int[] mark, List<Integer> path) {
    mark[r] = 1;
    path.add(r);
    for (int s : edges.get(r)) {
      if (mark[s] == 1) {
        path.subList(0, path.indexOf(s)).clear();
        path.add(s);
        return true;
      }
      if (mark[s] == 0 && cycle(s, edges, mark, path)) {
        return true;
      }
    }
    path.removeLast();
    mark[r] = 2;
    return false;
  }

  /** One parse stack: a position and the stack below it (shared, immutable). */
  static final class Frame {
    final int pos;
    final Frame next;
    private final int hash;

    Frame(int pos, Frame next) {
      this.pos = pos;
      this.next = next;
      this.hash = 31 * (next == null ? 17 : next.hash) + pos;
    }

    @Override
    public boolean equals(Object o) {
      if (this == o) {
        return true;
      }
      if (!(o instanceof Frame f) || f.hash != hash) {
        return false;
      }
      Frame a = this;
      Frame b = f;
      while (a != null && b != null) {
        if (a == b) {
          return true;
        }
        if (a.pos != b.pos) {
          return false;
        }
        a = a.next;
        b = b.next;
      }
      return a == b;
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /**
   * A parse state: the live stacks, and whether the text so far is a complete sentence. Equal
   * states behave the same, whatever text led to them, which is what lets masks be cached.
   */
  record Stacks(Frame[] frames, boolean accepting, Set<Frame> set) {

    boolean isDead() {
      return frames.length == 0 && !accepting;
    }

    /** Nothing can follow: only the end of the output is allowed. */
    boolean isComplete() {
      return frames.length == 0 && accepting;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Stacks s && s.accepting == accepting && s.set.equals(set);
    }

    @Override
    public int hashCode() {
      return set.hashCode() * 2 + (accepting ? 1 : 0);
    }

    @Override
    public String toString() {
      return "Stacks[" + frames.length + (accepting ? ", accepting]" : "]");
    }
  }

  private static final class Builder {
    final Set<Frame> set = new HashSet<>();
    final List<Frame> list = new ArrayList<>();
    boolean accepting;

    void add(Frame f) {
      if (set.add(f)) {
        list.add(f);
        if (list.size() > MAX_STACKS) {
          throw new GrammarException(
              "grammar: more than " + MAX_STACKS + " parses are alive at once; too ambiguous");
        }
      }
    }

    Stacks build() {
      return new Stacks(list.toArray(Frame[]::new), accepting, Set.copyOf(set));
    }
  }

  @Override
  public String toString() {
    return "Grammar[" + ruleNames.size() + " rules, " + ops.length + " positions]";
  }
}

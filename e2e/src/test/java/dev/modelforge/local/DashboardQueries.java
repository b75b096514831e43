package dev.modelforge.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The series a Grafana dashboard's PromQL queries name. */
final class DashboardQueries {

  /** Label matchers, range selectors and by/without clauses: what is not a series name. */
  private static final Pattern NOT_SERIES =
      Pattern.compile("\\{[^}]*}|\\[[^]]*]|\\b(?:by|without)\\s*\\([^)]*\\)");

  /** An identifier; those followed by a parenthesis are functions or aggregations. */
  private static final Pattern IDENTIFIER =
      Pattern.compile("(?<![\\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");

  private DashboardQueries() {}

  static Set<String> seriesNames(JsonNode dashboard) {
    Set<String> names = new TreeSet<>();
    for (JsonNode expr : dashboard.findValues("expr")) {
      String query = NOT_SERIES.matcher(expr.asText()).replaceAll(" ");
      Matcher m = IDENTIFIER.matcher(query);
      while (m.find()) {
        if (m.group(2) == null) {
          names.add(m.group(1));
        }
      }
    }
    return names;
  }
}

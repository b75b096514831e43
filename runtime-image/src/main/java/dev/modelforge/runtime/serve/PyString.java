package dev.modelforge.runtime.serve;

import java.util.ArrayList;
import java.util.List;

/**
 * A string with the Python methods Hugging Face chat templates call on message contents ({@code
 * startswith}, {@code split}, {@code rstrip}, ...), which Jinjava, resolving Java methods, would
 * not find on {@link String}.
 */
public final class PyString implements CharSequence {

  private final String s;

  public PyString(String s) {
    this.s = s;
  }

  @Override
  public int length() {
    return s.length();
  }

  @Override
  public char charAt(int i) {
    return s.charAt(i);
  }

  @Override
  public CharSequence subSequence(int start, int end) {
    return s.subSequence(start, end);
  }

  @Override
  public String toString() {
    return s;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CharSequence c && c.toString().equals(s);
  }

  @Override
  public int hashCode() {
    return s.hashCode();
  }

  public boolean startswith(Object prefix) {
    return s.startsWith(String.valueOf(prefix));
  }

  public boolean endswith(Object suffix) {
    return s.endsWith(String.valueOf(suffix));
  }

  public PyString strip() {
    return new PyString(s.strip());
  }

  public PyString strip(Object chars) {
    return lstrip(chars).rstrip(chars);
  }

  public PyString lstrip() {
    return new PyString(s.stripLeading());
  }

  public PyString lstrip(Object chars) {
    String c = String.valueOf(chars);
    int i = 0;
    while (i < s.length() && c.indexOf(s.charAt(i)) >= 0) {
      i++;
    }
    return new PyString(s.substring(i));
  }

  public PyString rstrip() {
    return new PyString(s.stripTrailing());
  }

  public PyString rstrip(Object chars) {
    String c = String.valueOf(chars);
    int i = s.length();
    while (i > 0 && c.indexOf(s.charAt(i - 1)) >= 0) {
      i--;
    }
    return new PyString(s.substring(0, i));
  }

  public List<PyString> split(Object separator) {
    String sep = String.valueOf(separator);
    List<PyString> out = new ArrayList<>();
    int from = 0;
    while (true) {
      int at = sep.isEmpty() ? -1 : s.indexOf(sep, from);
      if (at < 0) {
        out.add(new PyString(s.substring(from)));
        return out;
      }
      out.add(new PyString(s.substring(from, at)));
      from = at + sep.length();
    }
  }

  public PyString lower() {
    return new PyString(s.toLowerCase(java.util.Locale.ROOT));
  }

  public PyString upper() {
    return new PyString(s.toUpperCase(java.util.Locale.ROOT));
  }

  public PyString replace(Object from, Object to) {
    return new PyString(s.replace(String.valueOf(from), String.valueOf(to)));
  }
}

package dev.modelforge.runtime.serve;

import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import java.beans.FeatureDescriptor;
import java.util.Iterator;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;
import jinjava.javax.el.MethodNotFoundException;

/**
 * Gives a template's string literals and computed strings the Python methods of {@link PyString}:
 * Qwen3's template calls {@code ''.strip('\n')} on a literal, which as a Java String has no
 * one-argument strip. A method PyString lacks falls through to the String's own.
 */
final class PyStringResolver extends ELResolver {

  /** This resolver in front of Jinjava's own. */
  static ELResolver withDefaults() {
    CompositeELResolver all = new CompositeELResolver();
    all.add(new PyStringResolver());
    all.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
    return all;
  }

  @Override
  public Object invoke(
      ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
    if (!(base instanceof String s)) {
      return null;
    }
    try {
      return JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY.invoke(
          context, new PyString(s), method, paramTypes, params);
    } catch (MethodNotFoundException notPython) {
      context.setPropertyResolved(false);
      return null;
    }
  }

  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {}

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return true;
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
    return null;
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return null;
  }
}

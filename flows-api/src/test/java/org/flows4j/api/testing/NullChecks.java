package org.flows4j.api.testing;

import com.google.common.reflect.ClassPath;
import com.google.common.testing.NullPointerTester;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The one NullPointerTester sweep both modules' null tests run ({@code PublicApiNullsTest} over flows-api,
 * {@code TrainingApiNullsTest} over flows-tf's training, data and export packages): find the public classes of some
 * packages, then pass null to every parameter not marked {@code @Nullable} of their public static methods and
 * constructors, or of every method of some live instances, one parameter at a time. Failures are collected, so a
 * single run lists every offender. flows-tf reads it from flows-api's test jar.
 */
public final class NullChecks {
  private NullChecks() {}

  /**
   * The public classes, and their public nested classes, in {@code packages} (exactly, not sub-packages) as found on
   * the class path of {@code anchor}.
   */
  public static List<Class<?>> publicClasses(Class<?> anchor, Set<String> packages) {
    List<Class<?>> classes = new ArrayList<>();
    try {
      for (ClassPath.ClassInfo info : ClassPath.from(anchor.getClassLoader()).getTopLevelClasses()) {
        if (packages.contains(info.getPackageName())) {
          addPublic(info.load(), classes);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return classes;
  }

  private static void addPublic(Class<?> type, List<Class<?>> out) {
    if (Modifier.isPublic(type.getModifiers())) {
      out.add(type);
      for (Class<?> nested : type.getDeclaredClasses()) {
        addPublic(nested, out);
      }
    }
  }

  /** NullPointerTester over every public static method and constructor of {@code classes}; the failures. */
  public static List<String> staticMethodsAndConstructors(NullPointerTester tester, List<Class<?>> classes) {
    List<String> failures = new ArrayList<>();
    for (Class<?> type : classes) {
      for (Method method : type.getDeclaredMethods()) {
        if (Modifier.isPublic(method.getModifiers()) && Modifier.isStatic(method.getModifiers())
            && !method.isSynthetic()) {
          collect(failures, () -> tester.testMethod(null, method));
        }
      }
      if (!type.isInterface() && !Modifier.isAbstract(type.getModifiers())) {
        for (Constructor<?> constructor : type.getConstructors()) {
          collect(failures, () -> tester.testConstructor(constructor));
        }
      }
    }
    return failures;
  }

  /** NullPointerTester over every public instance method of each of {@code instances} but equals; the failures. */
  public static List<String> instanceMethods(NullPointerTester tester, List<?> instances) {
    List<String> failures = new ArrayList<>();
    for (Object instance : instances) {
      for (Method method : instance.getClass().getMethods()) {
        boolean equals = method.getName().equals("equals") && method.getParameterCount() == 1;
        if (!Modifier.isStatic(method.getModifiers()) && method.getDeclaringClass() != Object.class
            && !method.isSynthetic() && !equals) {
          collect(failures, () -> tester.testMethod(instance, method));
        }
      }
    }
    return failures;
  }

  /** Runs one check, keeping its failure. */
  private static void collect(List<String> failures, Runnable check) {
    try {
      check.run();
    } catch (AssertionError e) {
      failures.add(e.getMessage());
    }
  }
}

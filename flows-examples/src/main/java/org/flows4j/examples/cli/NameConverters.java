package org.flows4j.examples.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * picocli converters for {@code --model} and {@code --data}. They turn the lookup's message (which lists the valid
 * names) into a usage error, so picocli prints it as "Invalid value for option '--data': unknown data 'x'; choose
 * one of: …" instead of a stack trace.
 */
final class NameConverters {
  private NameConverters() {}

  static final class Model implements ITypeConverter<ModelPreset> {
    @Override
    public ModelPreset convert(String value) {
      try {
        return ModelPreset.fromCliName(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  static final class Data implements ITypeConverter<DataChoice> {
    @Override
    public DataChoice convert(String value) {
      try {
        return DataChoice.fromCliName(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}

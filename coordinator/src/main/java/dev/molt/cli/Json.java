package dev.molt.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.util.List;
import java.util.Map;

/**
 * The API's messages as JSON (protobuf's canonical mapping: camelCase names, enums by name, 64-bit
 * integers as strings). Fields left at their default are printed too, so a script can rely on every
 * key being there.
 */
public final class Json {
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().alwaysPrintFieldsWithNoPresence();

  private Json() {}

  public static String of(MessageOrBuilder message) {
    try {
      return PRINTER.print(message);
    } catch (InvalidProtocolBufferException e) {
      // Only Any fields with unknown types fail; the operator API has none.
      throw new IllegalStateException("cannot print " + message.getClass().getSimpleName(), e);
    }
  }

  /** One JSON object whose members are messages or lists of messages, in the given order. */
  public static String object(Map<String, ?> members) {
    var json = new StringBuilder("{\n");
    var entries = List.copyOf(members.entrySet());
    for (int i = 0; i < entries.size(); i++) {
      var entry = entries.get(i);
      json.append("  \"").append(entry.getKey()).append("\": ");
      json.append(indent(value(entry.getValue())));
      json.append(i < entries.size() - 1 ? ",\n" : "\n");
    }
    return json.append("}").toString();
  }

  private static String value(Object value) {
    return switch (value) {
      case MessageOrBuilder message -> of(message);
      case List<?> list when list.isEmpty() -> "[]";
      case List<?> list -> {
        var json = new StringBuilder("[\n");
        for (int i = 0; i < list.size(); i++) {
          json.append("  ").append(indent(value(list.get(i))));
          json.append(i < list.size() - 1 ? ",\n" : "\n");
        }
        yield json.append("]").toString();
      }
      case null -> "null";
      default -> throw new IllegalArgumentException("not a message or list: " + value);
    };
  }

  private static String indent(String json) {
    return json.replace("\n", "\n  ");
  }
}

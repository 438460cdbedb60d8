package dev.molt.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;

/** Reads the CLI's JSON output back, failing the test when it does not parse. */
final class JsonOutput {
  private JsonOutput() {}

  /** Parses {@code json} as a message of {@code prototype}'s type, refusing unknown fields. */
  @SuppressWarnings("unchecked")
  static <T extends Message> T parse(String json, T prototype) {
    Message.Builder builder = prototype.newBuilderForType();
    try {
      JsonFormat.parser().merge(json, builder);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("not JSON of " + prototype.getDescriptorForType().getFullName()
          + ": " + e.getMessage() + "\n" + json, e);
    }
    return (T) builder.build();
  }

  /** Parses any JSON object. */
  static Struct object(String json) {
    return parse(json, Struct.getDefaultInstance());
  }
}

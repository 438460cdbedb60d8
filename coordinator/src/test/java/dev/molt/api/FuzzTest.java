package dev.molt.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.molt.api.v1.AuditGrpc;
import dev.molt.api.v1.HostGrpc;
import dev.molt.api.v1.SnapshotsGrpc;
import dev.molt.api.v1.UpgradesGrpc;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random bytes, and random well-formed but absurd messages, sent to every method of the operator
 * API for a bounded time, against a real moltd: it must answer each with a status (never crash or
 * hang), stay healthy, and change nothing.
 *
 * <p>This runs on a real host, where a random pid may name a real process: the fuzzer never names
 * one. Its absurd pids are zero, negative or above any pid_max, and a random byte string that
 * happens to decode into a request naming a workload by a plausible pid, a cgroup or a unit is
 * not sent (counted as skipped). Everything else is sent as generated; the generated messages'
 * cgroups and units are named molt-fuzz-*, which exist nowhere.
 */
@Timeout(180)
class FuzzTest {
    static final Duration BUDGET = Duration.ofSeconds(24);
    /** Linux's largest pid_max is 2^22. */
    static final long PID_MAX = 1L << 22;

    @TempDir
    static Path dir;

    static TestDaemon daemon;
    static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        daemon = TestDaemon.start(TestDaemon.config(dir));
        channel = daemon.unixChannel();
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) {
            TestDaemon.close(channel);
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void randomBytesAndAbsurdMessagesToEveryMethodCrashNothingAndChangeNothing() {
        List<MethodDescriptor<?, ?>> methods = new ArrayList<>();
        for (var service : List.of(UpgradesGrpc.getServiceDescriptor(), SnapshotsGrpc.getServiceDescriptor(),
                HostGrpc.getServiceDescriptor(), AuditGrpc.getServiceDescriptor(),
                dev.molt.api.v1.LivepatchesGrpc.getServiceDescriptor())) {
            methods.addAll(service.getMethods());
        }
        String before = MutualTlsTest.state(channel);
        Random random = new Random(20261123L);
        Map<String, int[]> counts = new TreeMap<>(); // sent, skipped
        Instant deadline = Instant.now().plus(BUDGET);
        int round = 0;
        while (Instant.now().isBefore(deadline)) {
            MethodDescriptor<?, ?> method = methods.get(round % methods.size());
            Message prototype = prototype(method);
            boolean raw = (round / methods.size()) % 2 == 0;
            byte[] request = raw
                    ? randomBytes(random)
                    : absurd(prototype.getDescriptorForType(), random, 0).toByteArray();
            int[] count = counts.computeIfAbsent(method.getBareMethodName(), k -> new int[2]);
            // Generated messages name only absurd pids and molt-fuzz-* cgroups and units.
            if (raw && namesARealWorkload(prototype, request)) {
                count[1]++;
            } else {
                send(method, request);
                count[0]++;
            }
            round++;
        }
        System.out.println("fuzz: " + round + " requests in " + BUDGET.toSeconds() + " s; sent/skipped per method: "
                + counts.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()[0] + "/" + e.getValue()[1]).toList());

        HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());
        assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(MutualTlsTest.state(channel)).as("no upgrade or snapshot appeared or changed").isEqualTo(before);
        assertThat(counts.values().stream().mapToInt(c -> c[0]).sum()).as("requests sent").isGreaterThan(methods.size() * 4);
    }

    /** Sends raw bytes as the request; any status is an answer. Streams are read to their end or deadline. */
    private static void send(MethodDescriptor<?, ?> method, byte[] request) {
        MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(method.getType())
                .setFullMethodName(method.getFullMethodName())
                .setRequestMarshaller(BYTES)
                .setResponseMarshaller(BYTES)
                .build();
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(method.getType() == MethodDescriptor.MethodType.UNARY ? 60 : 2,
                TimeUnit.SECONDS);
        try {
            if (method.getType() == MethodDescriptor.MethodType.UNARY) {
                ClientCalls.blockingUnaryCall(channel, raw, options, request);
            } else {
                Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(channel, raw, options, request);
                while (it.hasNext()) {
                    it.next();
                }
            }
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).as(method.getFullMethodName() + ": " + e.getStatus())
                    .isNotIn(io.grpc.Status.Code.INTERNAL, io.grpc.Status.Code.UNKNOWN, io.grpc.Status.Code.UNAVAILABLE);
        }
    }

    private static Message prototype(MethodDescriptor<?, ?> method) {
        return (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller()).getMessagePrototype();
    }

    private static boolean namesARealWorkload(Message prototype, byte[] request) {
        DynamicMessage message;
        try {
            message = DynamicMessage.parseFrom(prototype.getDescriptorForType(), request);
        } catch (InvalidProtocolBufferException e) {
            return false; // the server cannot parse it either
        }
        return namesAWorkload(message);
    }

    private static boolean namesAWorkload(Message message) {
        for (var e : message.getAllFields().entrySet()) {
            FieldDescriptor f = e.getKey();
            List<?> values = f.isRepeated() ? (List<?>) e.getValue() : List.of(e.getValue());
            for (Object v : values) {
                if (f.getName().equals("pid") && v instanceof Integer pid && pid > 0 && pid <= PID_MAX) {
                    return true;
                }
                if ((f.getName().equals("cgroup") || f.getName().equals("systemd_unit"))) {
                    return true;
                }
                if (v instanceof Message m && namesAWorkload(m)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static byte[] randomBytes(Random random) {
        byte[] b = new byte[random.nextInt(200)];
        random.nextBytes(b);
        return b;
    }

    private static final String[] ABSURD_TEXT = {"", "..", "/../../etc/shadow", "\0", "\u202e\u0000evil", "🦀".repeat(40),
        "/proc/self/mem", "x".repeat(5000), "u-" + "9".repeat(200), "%s%s%n", "'; DROP TABLE upgrades; --", "/dev/zero"};
    private static final long[] ABSURD_NUMBERS = {0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE, PID_MAX + 1};

    /** A message of the type with random absurd values in random fields, nested a few levels. */
    private static DynamicMessage absurd(com.google.protobuf.Descriptors.Descriptor type, Random random, int depth) {
        DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
        for (FieldDescriptor f : type.getFields()) {
            if (random.nextInt(3) == 0 || (f.getContainingOneof() != null && b.hasOneof(f.getContainingOneof()))) {
                continue;
            }
            int n = f.isRepeated() ? random.nextInt(4) : 1;
            for (int i = 0; i < n; i++) {
                Object v = value(f, random, depth);
                if (v == null) {
                    continue;
                }
                if (f.isRepeated()) {
                    b.addRepeatedField(f, v);
                } else {
                    b.setField(f, v);
                }
            }
        }
        return b.build();
    }

    private static Object value(FieldDescriptor f, Random random, int depth) {
        long n = ABSURD_NUMBERS[random.nextInt(ABSURD_NUMBERS.length)];
        return switch (f.getJavaType()) {
            case INT -> f.getName().equals("pid") ? (int) (n == PID_MAX + 1 ? n : -Math.abs(n % 1000)) : (int) n;
            case LONG -> n;
            case BOOLEAN -> random.nextBoolean();
            case STRING -> f.getName().equals("cgroup") || f.getName().equals("systemd_unit")
                    ? "molt-fuzz-" + Long.toHexString(random.nextLong()) + ABSURD_TEXT[random.nextInt(ABSURD_TEXT.length)]
                    : ABSURD_TEXT[random.nextInt(ABSURD_TEXT.length)];
            case ENUM -> {
                List<EnumValueDescriptor> values = f.getEnumType().getValues();
                yield random.nextBoolean() ? values.get(random.nextInt(values.size()))
                        : f.getEnumType().findValueByNumberCreatingIfUnknown(1000 + random.nextInt(1000));
            }
            case MESSAGE -> depth > 3 ? null : f.isMapField() ? null : absurd(f.getMessageType(), random, depth + 1);
            default -> null;
        };
    }

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
}

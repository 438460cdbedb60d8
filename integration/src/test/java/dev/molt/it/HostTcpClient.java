package dev.molt.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A peer of the guest's workload on the host: ONE TCP connection through QEMU's port forwarding, a
 * line every 75 ms, each answer awaited before the next. A reset or EOF ends it and is kept as the
 * error; every answer is kept with the kernel that served it.
 */
final class HostTcpClient implements AutoCloseable {
    /** One answer: when it was asked and answered (System.nanoTime), and by which kernel. */
    record Answer(long sentNanos, long receivedNanos, String kernel, String pid) {
        Duration waited() {
            return Duration.ofNanos(receivedNanos - sentNanos);
        }
    }

    private final Socket socket;
    private final List<Answer> answers = new ArrayList<>();
    private final AtomicReference<String> error = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean stopping;

    private HostTcpClient(Socket socket) {
        this.socket = socket;
        this.thread = Thread.ofPlatform().daemon().name("host-tcp-client").start(this::loop);
    }

    static HostTcpClient connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout(180_000); // longer than any stop: a silent stall shows up as an error
        return new HostTcpClient(socket);
    }

    private void loop() {
        try (OutputStream out = socket.getOutputStream();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
            for (int i = 1; !stopping; i++) {
                long sent = System.nanoTime();
                out.write(("host " + i + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                String line = in.readLine();
                if (line == null) {
                    error.set("EOF after " + (i - 1) + " answers");
                    return;
                }
                synchronized (answers) {
                    answers.add(new Answer(sent, System.nanoTime(), field(line, "kernel"), field(line, "pid")));
                }
                Thread.sleep(75);
            }
        } catch (IOException e) {
            if (!stopping) {
                error.set(e.toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String field(String line, String name) {
        for (String part : line.split(" ")) {
            if (part.startsWith(name + "=")) {
                return part.substring(name.length() + 1);
            }
        }
        return "?";
    }

    List<Answer> answers() {
        synchronized (answers) {
            return List.copyOf(answers);
        }
    }

    long answersFrom(String kernel) {
        return answers().stream().filter(a -> a.kernel().equals(kernel)).count();
    }

    Optional<String> error() {
        return Optional.ofNullable(error.get());
    }

    void awaitAnswersFrom(String kernel, int count, Duration timeout) throws Exception {
        Poll.until(timeout, count + " answers from " + kernel + " (error: " + error.get() + ")", () -> {
            if (error.get() != null) {
                throw new AssertionError("the host's TCP connection failed: " + error.get());
            }
            return answersFrom(kernel) >= count;
        });
    }

    /** The longest time one request waited for its answer (the stop, as this peer saw it). */
    Duration longestWait() {
        return answers().stream().map(Answer::waited).max(Duration::compareTo).orElse(Duration.ZERO);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        stopping = true;
        socket.close();
        thread.join(5_000);
    }
}

package dev.molt.criu.nativeio;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Optional;

/**
 * One end of an {@code AF_UNIX, SOCK_SEQPACKET} socketpair: every send is one message, every
 * receive returns one whole message or fails loudly when it did not fit. Not thread-safe.
 */
public final class SeqpacketSocket implements AutoCloseable {

    /**
     * Larger than any message CRIU sends (its responses are a few hundred bytes) and than any
     * packet the kernel accepts with default socket buffers (net.core.wmem_max, ~208 KiB).
     */
    public static final int MAX_MESSAGE_BYTES = 1 << 20;

    /** How often a waiting receive checks whether its thread was interrupted. */
    private static final long INTERRUPT_CHECK_MILLIS = 200;

    private int fd;

    private SeqpacketSocket(int fd) {
        this.fd = fd;
    }

    /** Both ends of a new pair, each with close-on-exec set. */
    public record Pair(SeqpacketSocket local, SeqpacketSocket remote) implements AutoCloseable {
        @Override
        public void close() {
            local.close();
            remote.close();
        }
    }

    /** A new connected pair; both fds have FD_CLOEXEC (a spawned child gets one by dup2 only). */
    public static Pair pair() throws PosixException {
        int[] fds = Posix.socketpair(Posix.SOCK_SEQPACKET | Posix.SOCK_CLOEXEC);
        return new Pair(new SeqpacketSocket(fds[0]), new SeqpacketSocket(fds[1]));
    }

    /** The fd, for handing to a child process. */
    public int fd() {
        if (fd < 0) {
            throw new IllegalStateException("socket is closed");
        }
        return fd;
    }

    /** Sends one message. */
    public void send(byte[] message) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, message.length));
            MemorySegment.copy(message, 0, buf, ValueLayout.JAVA_BYTE, 0, message.length);
            long sent = Posix.send(fd(), buf, message.length, Posix.MSG_NOSIGNAL);
            if (sent != message.length) {
                throw new IOException("sent " + sent + " of " + message.length + " bytes of one seqpacket message");
            }
        }
    }

    /**
     * Waits up to {@code timeout} for one message. Empty when the peer closed its end (EOF).
     *
     * @throws SocketTimeoutException when nothing arrived in time
     * @throws InterruptedIOException when the thread was interrupted while waiting
     * @throws MessageTruncatedException when the message was larger than {@link #MAX_MESSAGE_BYTES}
     */
    public Optional<byte[]> receive(Duration timeout) throws IOException {
        return receive(timeout, MAX_MESSAGE_BYTES);
    }

    /** {@link #receive(Duration)} into a buffer of {@code capacity} bytes. */
    Optional<byte[]> receive(Duration timeout, int capacity) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
            if (left <= 0) {
                throw new SocketTimeoutException("no message within " + timeout);
            }
            // A native poll does not see Thread.interrupt(): wait in slices and check between them.
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("interrupted while waiting for a message");
            }
            short revents = Posix.pollOne(fd(), Posix.POLLIN, (int) Math.min(left, INTERRUPT_CHECK_MILLIS));
            if (revents != 0) {
                break;
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(capacity);
            // MSG_TRUNC makes recv return the packet's real length even when it did not fit.
            long length = Posix.recv(fd(), buf, capacity, Posix.MSG_TRUNC);
            if (length == 0) {
                return Optional.empty();
            }
            if (length > capacity) {
                throw new MessageTruncatedException(length, capacity);
            }
            return Optional.of(buf.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    /** Closes the fd; idempotent. */
    @Override
    public void close() {
        if (fd >= 0) {
            int toClose = fd;
            fd = -1;
            try {
                Posix.close(toClose);
            } catch (PosixException e) {
                // Nothing to recover: the fd is gone either way on Linux.
            }
        }
    }

    /** A message did not fit the receive buffer; its tail was lost. */
    public static final class MessageTruncatedException extends IOException {
        public MessageTruncatedException(long length, long capacity) {
            super("a " + length + "-byte message did not fit the " + capacity + "-byte buffer and was truncated");
        }
    }
}

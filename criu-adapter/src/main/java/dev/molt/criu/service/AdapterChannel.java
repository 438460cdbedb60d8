package dev.molt.criu.service;

import com.google.common.util.concurrent.MoreExecutors;
import dev.molt.criu.v1.CriuAdapterGrpc;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A client channel to the adapter, matching {@link AdapterServer}'s two ways of running. Stubs
 * come with a deadline: every call to the adapter has one.
 */
public final class AdapterChannel implements AutoCloseable {

    private static final long SHUTDOWN_SECONDS = 10;

    private final ManagedChannel channel;
    private final Optional<EventLoopGroup> eventLoop;

    private AdapterChannel(ManagedChannel channel, Optional<EventLoopGroup> eventLoop) {
        this.channel = channel;
        this.eventLoop = eventLoop;
    }

    /** To an in-process server named {@code name}; callbacks run on the calling thread. */
    public static AdapterChannel inProcess(String name) {
        return new AdapterChannel(
                InProcessChannelBuilder.forName(name).directExecutor().build(), Optional.empty());
    }

    /** To a server on the Unix domain socket at {@code socket}. */
    public static AdapterChannel unixSocket(Path socket) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(group)
                .executor(MoreExecutors.directExecutor())
                .usePlaintext()
                .build();
        return new AdapterChannel(channel, Optional.of(group));
    }

    public ManagedChannel channel() {
        return channel;
    }

    /** A blocking stub whose calls fail with DEADLINE_EXCEEDED after {@code deadline}. */
    public CriuAdapterGrpc.CriuAdapterBlockingStub blockingStub(Duration deadline) {
        return CriuAdapterGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(SHUTDOWN_SECONDS, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        } finally {
            eventLoop.ifPresent(group -> group.shutdownGracefully(0, SHUTDOWN_SECONDS, TimeUnit.SECONDS)
                    .syncUninterruptibly());
        }
    }
}

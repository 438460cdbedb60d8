package dev.molt.criu.service;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Runs the adapter's service: in-process (the coordinator's default) or on a Unix domain socket
 * (the adapter as a process of its own). Closing it stops the server and its threads.
 */
public final class AdapterServer implements AutoCloseable {

    private static final long SHUTDOWN_SECONDS = 10;

    private final Server server;
    private final List<EventLoopGroup> eventLoops;
    private final ExecutorService ownExecutor;

    private AdapterServer(Server server, List<EventLoopGroup> eventLoops, ExecutorService ownExecutor) {
        this.server = server;
        this.eventLoops = eventLoops;
        this.ownExecutor = ownExecutor;
    }

    /** In-process under {@code name}; calls run on the caller's thread (directExecutor). */
    public static AdapterServer inProcess(String name, BindableService service) throws IOException {
        return inProcess(name, service, MoreExecutors.directExecutor());
    }

    /** In-process under {@code name}; calls run on {@code executor}, which may block for seconds. */
    public static AdapterServer inProcess(String name, BindableService service, Executor executor) throws IOException {
        Server server = InProcessServerBuilder.forName(name).executor(executor).addService(service).build().start();
        return new AdapterServer(server, List.of(), null);
    }

    /**
     * On a Unix domain socket at {@code socket} (mode 0600: only root, whom CRIU needs anyway, may
     * connect). A stale socket file from an earlier run is replaced; any other file there is an
     * error. Calls run on virtual threads, since dumps block for as long as CRIU runs.
     */
    public static AdapterServer unixSocket(Path socket, BindableService service) throws IOException {
        if (Files.exists(socket)) {
            if (!isSocket(socket)) {
                throw new IOException(socket + " exists and is not a socket; remove it or choose another path");
            }
            Files.delete(socket);
        }
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .channelType(EpollServerDomainSocketChannel.class)
                    .bossEventLoopGroup(boss)
                    .workerEventLoopGroup(workers)
                    .executor(executor)
                    .addService(service)
                    .build()
                    .start();
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            return new AdapterServer(server, List.of(boss, workers), executor);
        } catch (IOException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            executor.shutdownNow();
            throw e;
        }
    }

    public Server server() {
        return server;
    }

    /** Stops taking calls, waits up to 10 s for running ones, then stops the threads. */
    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(SHUTDOWN_SECONDS, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(SHUTDOWN_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        } finally {
            for (EventLoopGroup group : eventLoops) {
                group.shutdownGracefully(0, SHUTDOWN_SECONDS, TimeUnit.SECONDS).syncUninterruptibly();
            }
            if (ownExecutor != null) {
                ownExecutor.shutdownNow();
            }
        }
    }

    private static boolean isSocket(Path path) throws IOException {
        int mode = (Integer) Files.readAttributes(path, "unix:mode").get("mode");
        return (mode & 0170000) == 0140000; // S_IFSOCK
    }
}

package dev.molt.netlock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** Finds the TCP sockets that processes hold, from /proc. */
public final class TcpSockets {
    private TcpSockets() {}

    /** Every TCP socket any of the processes holds (each listed once). Vanished processes are skipped. */
    public static List<TcpSocket> heldBy(Collection<Long> pids) {
        Map<Long, TcpSocket> byInode = new HashMap<>();
        for (long pid : pids) {
            Set<Long> inodes = socketInodes(pid);
            if (inodes.isEmpty()) {
                continue;
            }
            for (String table : List.of("tcp", "tcp6")) {
                for (TcpSocket socket : parseTable(Path.of("/proc", Long.toString(pid), "net", table))) {
                    if (inodes.contains(socket.inode())) {
                        byInode.putIfAbsent(socket.inode(), socket);
                    }
                }
            }
        }
        return List.copyOf(byInode.values());
    }

    static Set<Long> socketInodes(long pid) {
        Set<Long> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(Long.parseLong(target.substring(8, target.length() - 1)));
                    }
                } catch (IOException e) {
                    // The fd was closed meanwhile: not held any more.
                }
            }
        } catch (NoSuchFileException e) {
            return Set.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the fds of pid " + pid, e);
        }
        return inodes;
    }

    static List<TcpSocket> parseTable(Path table) {
        List<String> lines;
        try {
            lines = Files.readAllLines(table);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + table, e);
        }
        List<TcpSocket> sockets = new ArrayList<>();
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 10) {
                continue;
            }
            String[] local = f[1].split(":");
            String[] remote = f[2].split(":");
            TcpSocket.State state = switch (f[3]) {
                case "01" -> TcpSocket.State.ESTABLISHED;
                case "0A" -> TcpSocket.State.LISTEN;
                default -> TcpSocket.State.OTHER;
            };
            sockets.add(new TcpSocket(Long.parseLong(f[9]), address(local[0]), Integer.parseInt(local[1], 16),
                    address(remote[0]), Integer.parseInt(remote[1], 16), state));
        }
        return sockets;
    }

    /** /proc/net/tcp prints addresses as the kernel's 32-bit words in host (little-endian) order. */
    static InetAddress address(String hex) {
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int i = 0; i < 4; i++) {
                int at = word * 8 + (3 - i) * 2;
                bytes[word * 4 + i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + hex, e);
        }
    }
}

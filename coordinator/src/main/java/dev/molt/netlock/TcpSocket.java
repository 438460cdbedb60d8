package dev.molt.netlock;

import java.net.InetAddress;

/** One TCP socket of a parked process, as /proc/PID/net/tcp{,6} shows it. */
public record TcpSocket(long inode, InetAddress local, int localPort, InetAddress remote, int remotePort, State state) {

    public enum State {
        ESTABLISHED,
        LISTEN,
        OTHER
    }

    public boolean ipv6() {
        return local instanceof java.net.Inet6Address;
    }
}

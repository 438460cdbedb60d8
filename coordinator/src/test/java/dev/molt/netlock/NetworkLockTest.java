package dev.molt.netlock;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkLockTest {

    @Test
    void anEstablishedConnectionIsDroppedBothWaysAndAListenerOnlyInbound() throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        String script = NetworkLock.script("molt-u1", List.of(
                new TcpSocket(1, lo, 7000, lo, 40000, TcpSocket.State.ESTABLISHED),
                new TcpSocket(2, InetAddress.getByName("0.0.0.0"), 7000, InetAddress.getByName("0.0.0.0"), 0, TcpSocket.State.LISTEN)));

        assertThat(script).contains("table inet molt-u1 {")
                .contains("ip saddr 127.0.0.1 tcp sport 40000 ip daddr 127.0.0.1 tcp dport 7000 drop")
                .contains("ip saddr 127.0.0.1 tcp sport 7000 ip daddr 127.0.0.1 tcp dport 40000 drop")
                .contains("meta nfproto ipv4 tcp dport 7000 drop")
                .startsWith("add table inet molt-u1\ndelete table inet molt-u1\n");
    }

    @Test
    void procNetTcpAddressesAreLittleEndianWords() {
        assertThat(TcpSockets.address("0100007F").getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(TcpSockets.address("00000000000000000000000001000000").getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
    }
}

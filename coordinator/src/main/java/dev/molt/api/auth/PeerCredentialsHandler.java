package dev.molt.api.auth;

import io.grpc.Attributes;
import io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.ProtocolNegotiationEvent;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Puts the Unix socket peer's credentials (SO_PEERCRED: pid, uid, gid, and SO_PEERGROUPS: the
 * supplementary groups, read by the kernel at connect, so the peer cannot lie about them) into the gRPC transport attributes under {@link
 * #PEER_CREDENTIALS}, where {@link ApiGate} reads them for every call on that connection.
 *
 * <p>How: the server channel's own pipeline sees each accepted connection before gRPC sets it up.
 * This handler reads the credentials there and puts a small handler first in the connection's
 * pipeline. gRPC starts its protocol negotiation by firing a {@link ProtocolNegotiationEvent}
 * from the head of that pipeline; the small handler adds the credentials to the event's
 * attributes, which gRPC keeps as the transport's attributes. Use {@link #serverChannel()} as the
 * {@code NettyServerBuilder.channelFactory}.
 */
@ChannelHandler.Sharable
public final class PeerCredentialsHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(PeerCredentialsHandler.class.getName());

    /** The connection's peer; absent when the kernel would not say (then every call is refused). */
    public static final Attributes.Key<UnixPeer> PEER_CREDENTIALS = Attributes.Key.create("molt-peer-credentials");

    private static final PeerCredentialsHandler INSTANCE = new PeerCredentialsHandler();

    private PeerCredentialsHandler() {}

    /** A Unix domain server channel whose accepted connections carry their peer's credentials. */
    public static io.netty.channel.ChannelFactory<EpollServerDomainSocketChannel> serverChannel() {
        return () -> {
            var channel = new EpollServerDomainSocketChannel();
            channel.pipeline().addLast("molt-peer-credentials", INSTANCE);
            return channel;
        };
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof EpollDomainSocketChannel child) {
            try {
                PeerCredentials credentials = child.peerCredentials();
                int gid = credentials.gids().length > 0 ? credentials.gids()[0] : -1;
                child.pipeline().addFirst("molt-peer-credentials",
                        new Tagger(new UnixPeer(credentials.pid(), credentials.uid(), gid, supplementaryGroups(child))));
            } catch (IOException e) {
                // No credentials, no tag: ApiGate refuses every call on this connection.
                LOG.log(Level.WARNING, "cannot read SO_PEERCRED of a Unix socket peer; its calls will be refused", e);
            }
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * The peer's supplementary groups, or none when the kernel cannot say (then the primary gid
     * and /etc/group's member lists still decide).
     */
    private static java.util.List<Integer> supplementaryGroups(EpollDomainSocketChannel child) {
        try {
            return java.util.Arrays.stream(PeerGroups.of(child.fd().intValue())).boxed().toList();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot read SO_PEERGROUPS of a Unix socket peer; judging it by its primary group", e);
            return java.util.List.of();
        }
    }

    /** Adds the credentials to gRPC's protocol negotiation event, once. */
    private static final class Tagger extends ChannelDuplexHandler {
        private final UnixPeer credentials;

        Tagger(UnixPeer credentials) {
            this.credentials = credentials;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof ProtocolNegotiationEvent event) {
                Attributes attributes = InternalProtocolNegotiationEvent.getAttributes(event).toBuilder()
                        .set(PEER_CREDENTIALS, credentials)
                        .build();
                ctx.pipeline().remove(this);
                ctx.fireUserEventTriggered(InternalProtocolNegotiationEvent.withAttributes(event, attributes));
                return;
            }
            super.userEventTriggered(ctx, evt);
        }
    }

}

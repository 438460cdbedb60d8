package dev.molt.api.auth;

import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A service whose requests that do not parse reach {@link ApiGate} as null, which answers
 * INVALID_ARGUMENT; gRPC itself would end such a call with UNKNOWN "Application error", which
 * tells a client nothing. The service's schema (for reflection) is kept.
 */
final class UnparsedRequests {
    private UnparsedRequests() {}

    static ServerServiceDefinition tolerate(ServerServiceDefinition service) {
        ServiceDescriptor old = service.getServiceDescriptor();
        List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(old.getName()).setSchemaDescriptor(old.getSchemaDescriptor());
        for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
            ServerMethodDefinition<?, ?> wrapped = wrap(m);
            methods.add(wrapped);
            descriptor.addMethod(wrapped.getMethodDescriptor());
        }
        ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(descriptor.build());
        for (ServerMethodDefinition<?, ?> m : methods) {
            builder.addMethod(m);
        }
        return builder.build();
    }

    private static <Q, R> ServerMethodDefinition<Q, R> wrap(ServerMethodDefinition<Q, R> m) {
        MethodDescriptor.Marshaller<Q> parse = m.getMethodDescriptor().getRequestMarshaller();
        MethodDescriptor.Marshaller<Q> lenient = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(Q value) {
                return parse.stream(value);
            }

            @Override
            public Q parse(InputStream stream) {
                try {
                    return parse.parse(stream);
                } catch (RuntimeException e) {
                    return null;
                }
            }
        };
        return ServerMethodDefinition.create(
                m.getMethodDescriptor().toBuilder(lenient, m.getMethodDescriptor().getResponseMarshaller()).build(),
                m.getServerCallHandler());
    }
}

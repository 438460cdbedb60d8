package dev.molt.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority and certificates made with openssl, as docs/security.md tells an
 * operator to: a CA, moltd's server certificate for localhost and 127.0.0.1, and client
 * certificates whose OU is the role. Keys are unencrypted PKCS#8 (what Netty reads).
 */
final class TestPki {
    final Path dir;

    /** A CA's certificate and key. */
    record Ca(Path certificate, Path key) {}

    /** A certificate and its key, signed by some CA. */
    record Issued(Path certificate, Path key) {}

    TestPki(Path dir) {
        this.dir = dir;
    }

    Ca ca(String name) throws IOException, InterruptedException {
        Path key = dir.resolve(name + ".key");
        Path cert = dir.resolve(name + ".crt");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=" + name,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return new Ca(cert, key);
    }

    /** A server certificate for localhost and 127.0.0.1. */
    Issued server(Ca ca) throws IOException, InterruptedException {
        return issue(ca, "moltd", "/CN=moltd", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth");
    }

    /** A client certificate; {@code subject} like "/CN=alice/OU=operator". */
    Issued client(Ca ca, String name, String subject) throws IOException, InterruptedException {
        return issue(ca, name, subject, "extendedKeyUsage=clientAuth");
    }

    private Issued issue(Ca ca, String name, String subject, String extensions) throws IOException, InterruptedException {
        Path key = dir.resolve(name + ".key");
        Path csr = dir.resolve(name + ".csr");
        Path cert = dir.resolve(name + ".crt");
        Path ext = dir.resolve(name + ".ext");
        Files.writeString(ext, extensions + "\n");
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key.toString(), "-out", csr.toString(), "-subj", subject);
        openssl("x509", "-req", "-in", csr.toString(), "-CA", ca.certificate().toString(), "-CAkey", ca.key().toString(),
                "-CAcreateserial", "-out", cert.toString(), "-days", "2", "-extfile", ext.toString());
        return new Issued(cert, key);
    }

    private void openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed: " + output);
        }
    }
}

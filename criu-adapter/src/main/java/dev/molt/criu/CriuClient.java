package dev.molt.criu;

import dev.molt.criu.nativeio.ExitStatus;
import dev.molt.criu.nativeio.Posix;
import dev.molt.criu.nativeio.PosixException;
import dev.molt.criu.nativeio.SeqpacketSocket;
import dev.molt.criu.rpc.CriuRpc.criu_dump_resp;
import dev.molt.criu.rpc.CriuRpc.criu_features;
import dev.molt.criu.rpc.CriuRpc.criu_notify;
import dev.molt.criu.rpc.CriuRpc.criu_opts;
import dev.molt.criu.rpc.CriuRpc.criu_req;
import dev.molt.criu.rpc.CriuRpc.criu_req_type;
import dev.molt.criu.rpc.CriuRpc.criu_resp;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Talks CRIU's RPC over {@code criu swrk}: one CRIU process per request, one RPC loop
 * ({@link #exchange}) for every request type.
 *
 * <p>The loop sends the request, then answers NOTIFY messages through the {@link NotifyHandler}
 * until the response to the request arrives. It turns {@code success = false} into
 * {@link CriuException.Failed} (cr_errmsg, cr_errno, log tail), EOF, truncation, garbage and a
 * response of the wrong type into {@link CriuException.ProtocolError}, and silence past the timeout
 * into {@link CriuException.Timeout}, an interrupted wait into {@link CriuException.Cancelled}.
 * Whatever happens, the CRIU process is reaped before the call
 * returns (killed first if it has not exited).
 *
 * <p>CRIU's version is asked once and cached. A session that runs before it is known asks for it
 * first with {@code keep_open}, which CRIU allows for VERSION and FEATURE_CHECK only, then sends
 * the real request in the same session.
 *
 * <p>Thread-safe: sessions share nothing but the cached version.
 */
public final class CriuClient {

    /** How long one request may take, notifications included, unless configured otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

    /** How long CRIU may take to exit after its last answer before it is killed. */
    static final Duration EXIT_GRACE = Duration.ofSeconds(10);

    /** CRIU's most verbose log level: a failed dump or restore is explained only at this level. */
    public static final int LOG_LEVEL = 4;

    private static final System.Logger LOG = System.getLogger(CriuClient.class.getName());

    private final CriuBinary binary;
    private final Duration timeout;
    private volatile CriuVersion version;

    public CriuClient(CriuBinary binary) {
        this(binary, DEFAULT_TIMEOUT);
    }

    public CriuClient(CriuBinary binary, Duration timeout) {
        this.binary = Objects.requireNonNull(binary, "binary");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        this.timeout = timeout;
    }

    public CriuBinary binary() {
        return binary;
    }

    /** CRIU's version: asked once, then cached. */
    public CriuVersion version() throws CriuException {
        CriuVersion known = version;
        if (known != null) {
            return known;
        }
        criu_req request = criu_req.newBuilder().setType(criu_req_type.VERSION).build();
        try (CriuSession session = CriuSession.start(binary, Optional.empty())) {
            criu_resp response = exchange(session, request, NotifyHandler.ACCEPT_ALL, LogTail.NONE.file(), deadline());
            finish(session, "VERSION");
            return cacheVersion(response);
        }
    }

    /** The version if some session asked for it already. */
    public Optional<CriuVersion> cachedVersion() {
        return Optional.ofNullable(version);
    }

    /**
     * {@code criu check}: whether this kernel has what CRIU needs. Its log goes to
     * {@code workDir/check.log}.
     *
     * @throws CriuException.Failed when the kernel lacks something (the log tail says what)
     */
    public void check(Path workDir) throws CriuException {
        call(criu_req_type.CHECK, criu_opts.newBuilder(), workDir, NotifyHandler.ACCEPT_ALL);
    }

    /** FEATURE_CHECK: which of the {@code asked} features (fields set to true) work here. */
    public criu_features featureCheck(criu_features asked) throws CriuException {
        criu_req request = criu_req.newBuilder()
                .setType(criu_req_type.FEATURE_CHECK)
                .setFeatures(asked)
                .build();
        try (CriuSession session = CriuSession.start(binary, Optional.empty())) {
            askVersionFirst(session);
            criu_resp response = exchange(session, request, NotifyHandler.ACCEPT_ALL, Optional.empty(), deadline());
            finish(session, "FEATURE_CHECK");
            return response.getFeatures();
        }
    }

    /**
     * DUMP with {@code opts} (which must name the pid: CRIU would otherwise dump its caller, this
     * JVM). {@code work_dir_fd}, {@code log_file} and {@code log_level} are set here when absent.
     */
    public criu_dump_resp dump(criu_opts.Builder opts, Path workDir, NotifyHandler handler) throws CriuException {
        if (!opts.hasPid() || opts.getPid() <= 0) {
            throw new IllegalArgumentException("a DUMP needs the pid of the tree's root, got "
                    + (opts.hasPid() ? opts.getPid() : "none"));
        }
        return call(criu_req_type.DUMP, opts, workDir, handler).getDump();
    }

    /** RESTORE with {@code opts}; returns the restored root's pid in this JVM's pid namespace. */
    public int restore(criu_opts.Builder opts, Path workDir, NotifyHandler handler) throws CriuException {
        return call(criu_req_type.RESTORE, opts, workDir, handler).getRestore().getPid();
    }

    /** The log file CRIU writes for a request type in a work dir, e.g. {@code dump.log}. */
    public static String logFileName(criu_req_type type) {
        return type.name().toLowerCase(Locale.ROOT) + ".log";
    }

    /** The file that gets CRIU's own stdout and stderr in a work dir. */
    public static final String OUTPUT_FILE = "criu-output.log";

    private criu_resp call(criu_req_type type, criu_opts.Builder opts, Path workDir, NotifyHandler handler)
            throws CriuException {
        if (!opts.hasImagesDirFd()) {
            opts.setImagesDirFd(-1); // required by the protocol; -1: none (images_dir or the work dir)
        }
        if (!opts.hasLogFile()) {
            opts.setLogFile(logFileName(type));
        }
        if (!opts.hasLogLevel()) {
            opts.setLogLevel(LOG_LEVEL);
        }
        Optional<Path> logFile = Optional.of(workDir.resolve(opts.getLogFile()));
        int workDirFd = openDirectory(workDir, "work directory");
        int imagesDirFd = -1;
        try (CriuSession session = CriuSession.start(binary, Optional.of(workDir.resolve(OUTPUT_FILE)))) {
            askVersionFirst(session);
            if (!CriuFeature.RPC_IMAGES_DIR_PATH.availableIn(version) && opts.getImagesDirFd() < 0) {
                // CRIU before 3.19 (Debian bookworm's 3.17.1) ignores images_dir and opens
                // /proc/<our pid>/fd/<images_dir_fd> for every request, CHECK included (with -1 it
                // exits before writing a log): hand it the image directory, or the work dir, as an fd.
                if (opts.hasImagesDir()) {
                    imagesDirFd = openDirectory(Path.of(opts.getImagesDir()), "image directory");
                    opts.clearImagesDir().setImagesDirFd(imagesDirFd);
                } else {
                    opts.setImagesDirFd(workDirFd);
                }
            }
            // CRIU opens /proc/<our pid>/fd/<workDirFd> itself (it learns our pid from SO_PEERCRED),
            // so the fd only needs to stay open in this JVM until the answer.
            criu_req request = criu_req.newBuilder()
                    .setType(type)
                    .setOpts(opts.setWorkDirFd(workDirFd))
                    .build();
            criu_resp response = exchange(session, request, handler, logFile, deadline());
            finish(session, type.name());
            return response;
        } finally {
            closeQuietly(workDirFd, "work directory");
            if (imagesDirFd >= 0) {
                closeQuietly(imagesDirFd, "image directory");
            }
        }
    }

    private static int openDirectory(Path dir, String what) throws CriuException.Unavailable {
        try {
            return Posix.open(dir.toString(), Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC, 0);
        } catch (PosixException e) {
            throw new CriuException.Unavailable("CRIU's " + what + " " + dir + " cannot be opened: "
                    + e.getMessage() + "; create it (writable) first", e);
        }
    }

    private static void closeQuietly(int fd, String what) {
        try {
            Posix.close(fd);
        } catch (PosixException e) {
            LOG.log(Level.WARNING, "closing CRIU's " + what + " fd: " + e.getMessage());
        }
    }

    /** Primes the version cache in a session that is about to send its real request. */
    private void askVersionFirst(CriuSession session) throws CriuException {
        if (version == null) {
            criu_req request = criu_req.newBuilder().setType(criu_req_type.VERSION).setKeepOpen(true).build();
            cacheVersion(exchange(session, request, NotifyHandler.ACCEPT_ALL, Optional.empty(), deadline()));
        }
    }

    private CriuVersion cacheVersion(criu_resp response) {
        CriuVersion known = CriuVersion.of(response.getVersion());
        version = known;
        return known;
    }

    /**
     * The RPC loop: sends {@code request} and answers notifications until CRIU answers it. On any
     * failure CRIU is killed (if it still runs) and reaped before the exception leaves.
     */
    private criu_resp exchange(
            CriuSession session, criu_req request, NotifyHandler handler, Optional<Path> logFile, long deadline)
            throws CriuException {
        String name = request.getType().name();
        Exception handlerFailure = null;
        try {
            session.send(request);
            while (true) {
                Optional<criu_resp> received = session.receive(remaining(deadline));
                if (received.isEmpty()) {
                    String status = reapQuietly(session, EXIT_GRACE);
                    throw new CriuException.ProtocolError("CRIU (" + status + ") closed the connection without "
                            + "answering the " + name + " request", tail(logFile), handlerFailure);
                }
                criu_resp response = received.get();
                if (response.getType() == criu_req_type.NOTIFY) {
                    Exception failure = answer(session, response.getNotify(), handler);
                    if (failure != null) {
                        handlerFailure = failure;
                    }
                    continue;
                }
                if (!response.getSuccess()) {
                    // CRIU has cleaned up (resumed or killed the tree) before answering: let it exit.
                    reapQuietly(session, EXIT_GRACE);
                    throw new CriuException.Failed(name, response.getCrErrmsg(), response.getCrErrno(),
                            tail(logFile), handlerFailure);
                }
                if (response.getType() != request.getType()) {
                    reapQuietly(session, Duration.ZERO);
                    throw new CriuException.ProtocolError("CRIU answered the " + name + " request with a "
                            + response.getType() + " response", tail(logFile), null);
                }
                return response;
            }
        } catch (SocketTimeoutException e) {
            String status = reapQuietly(session, Duration.ZERO);
            throw new CriuException.Timeout("CRIU did not answer the " + name + " request within " + timeout
                    + "; it was killed (" + status + ")", tail(logFile));
        } catch (InterruptedIOException e) {
            String status = reapQuietly(session, Duration.ZERO);
            Thread.currentThread().interrupt();
            throw new CriuException.Cancelled("interrupted while waiting for CRIU's answer to the " + name
                    + " request; CRIU was killed (" + status + ")", tail(logFile));
        } catch (SeqpacketSocket.MessageTruncatedException | InvalidProtocolBufferException e) {
            reapQuietly(session, Duration.ZERO);
            throw new CriuException.ProtocolError("CRIU's answer to the " + name + " request is unreadable: "
                    + e.getMessage(), tail(logFile), e);
        } catch (IOException e) {
            // EPIPE or ECONNRESET: CRIU is gone; say how it ended.
            String status = reapQuietly(session, EXIT_GRACE);
            throw new CriuException.ProtocolError("lost the connection to CRIU (" + status + ") during the "
                    + name + " request: " + e.getMessage(), tail(logFile), e);
        }
    }

    /** Dispatches one notification and acknowledges it; returns the handler's failure, if any. */
    private static Exception answer(CriuSession session, criu_notify notify, NotifyHandler handler)
            throws IOException {
        Exception failure = null;
        Optional<NotifyScript> script = NotifyScript.byName(notify.getScript());
        if (script.isEmpty()) {
            LOG.log(Level.WARNING, "CRIU sent an unknown notification '" + notify.getScript()
                    + "'; acknowledging it without a handler");
        } else {
            try {
                handler.onNotify(new Notification(
                        script.get(), notify.hasPid() ? OptionalInt.of(notify.getPid()) : OptionalInt.empty()));
            } catch (Exception e) {
                // The exception becomes the cause of the request's failure; log one line only.
                LOG.log(Level.WARNING, "the " + notify.getScript() + " handler failed; CRIU will abort: " + e);
                failure = e;
            }
        }
        session.send(criu_req.newBuilder()
                .setType(criu_req_type.NOTIFY)
                .setNotifySuccess(failure == null)
                .build());
        return failure;
    }

    /** After the last answer: CRIU should exit on its own; kill it if it lingers. */
    private static void finish(CriuSession session, String request) throws CriuException {
        try {
            ExitStatus status = session.finish(EXIT_GRACE);
            if (!status.success()) {
                LOG.log(Level.WARNING, "CRIU answered " + request + " and then ended with " + status);
            }
        } catch (PosixException e) {
            throw new CriuException.ProtocolError("could not reap CRIU after " + request + ": " + e.getMessage(),
                    LogTail.NONE, e);
        }
    }

    /**
     * On a failure path: gives CRIU {@code grace} to exit, kills it after, reaps it; returns how it
     * ended for the error message. Never throws, so the original failure is the one reported.
     */
    private static String reapQuietly(CriuSession session, Duration grace) {
        try {
            return session.finish(grace).toString();
        } catch (PosixException e) {
            LOG.log(Level.ERROR, "could not reap CRIU (pid " + session.pid() + "): " + e.getMessage());
            return "not reaped: " + e.getMessage();
        }
    }

    private long deadline() {
        return System.nanoTime() + timeout.toNanos();
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    private static LogTail tail(Optional<Path> logFile) {
        return logFile.map(LogTail::of).orElse(LogTail.NONE);
    }
}

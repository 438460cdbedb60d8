package dev.molt.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.EnumSet;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The Unix socket file's owner group and mode: the first fence (who may connect at all) before
 * the API's own check of the peer's credentials (who may call what).
 */
final class SocketPermissions {
    private static final Logger LOG = Logger.getLogger(SocketPermissions.class.getName());

    private SocketPermissions() {}

    static void apply(Path socket, int mode, String group) throws IOException {
        try {
            var view = Files.getFileAttributeView(socket, PosixFileAttributeView.class);
            view.setGroup(socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group));
        } catch (UserPrincipalNotFoundException e) {
            LOG.info("no group '" + group + "' on this host: only root may use " + socket
                    + " (create the group, e.g. groupadd --system " + group + ", to let its members operate Molt)");
        }
        Files.setPosixFilePermissions(socket, permissions(mode));
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                set.add(order[bit]);
            }
        }
        return set;
    }
}

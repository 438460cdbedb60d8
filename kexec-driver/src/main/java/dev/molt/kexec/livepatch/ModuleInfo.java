package dev.molt.kexec.livepatch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a kernel module file says about itself, read from the {@code .modinfo} section of its ELF
 * (NUL-separated {@code key=value} strings) without loading it: its name, the kernel it was built
 * for ({@code vermagic}, whose first word is the release), whether it is a livepatch
 * ({@code livepatch=Y}), the modules it needs ({@code depends}) and, for Molt's planner, which
 * kernel release's fixes it brings ({@code molt_equivalent}, a key of Molt's own).
 *
 * @param fields every key of .modinfo in file order; a key present several times keeps its last value
 */
public record ModuleInfo(Path path, String name, String vermagic, boolean livepatch, List<String> depends,
        Optional<String> equivalent, Map<String, String> fields) {

    /** Modules are a few hundred KiB; anything this large is not one. */
    static final long MAX_SIZE = 64L << 20;

    public ModuleInfo {
        depends = List.copyOf(depends);
        fields = Map.copyOf(fields);
    }

    /** The kernel release the module was built for: vermagic's first word, e.g. 6.1.0-56-amd64. */
    public String release() {
        int space = vermagic.indexOf(' ');
        return space < 0 ? vermagic : vermagic.substring(0, space);
    }

    /** Reads {@code ko}'s .modinfo; fails with INVALID_MODULE when it is no x86-64 kernel module. */
    public static ModuleInfo read(Path ko) throws LivepatchException {
        String file = ko.getFileName() == null ? ko.toString() : ko.getFileName().toString();
        if (file.endsWith(".xz") || file.endsWith(".zst") || file.endsWith(".gz")) {
            throw invalid(ko, "it is compressed; decompress it first (xz -d / zstd -d / gunzip)");
        }
        if (Files.exists(ko) && !Files.isRegularFile(ko)) {
            // A directory, a device (/dev/zero would never end), a socket: no module.
            throw invalid(ko, "it is not a regular file");
        }
        byte[] bytes;
        try {
            long size = Files.size(ko);
            if (size > MAX_SIZE) {
                throw invalid(ko, "it is " + size + " bytes, more than any kernel module");
            }
            bytes = Files.readAllBytes(ko);
        } catch (IOException e) {
            throw new LivepatchException(LivepatchException.Reason.INVALID_MODULE,
                    "cannot read the module " + ko + ": " + e, e);
        }
        return parse(ko, bytes);
    }

    static ModuleInfo parse(Path ko, byte[] bytes) throws LivepatchException {
        Map<String, String> fields = parseModinfo(ko, modinfoSection(ko, bytes));
        String name = fields.get("name");
        if (name == null || name.isEmpty()) {
            throw invalid(ko, "its .modinfo has no name= (built by a kernel build older than 5.x?)");
        }
        String vermagic = fields.get("vermagic");
        if (vermagic == null || vermagic.isBlank()) {
            throw invalid(ko, "its .modinfo has no vermagic=: it was not built by a kernel's module build");
        }
        String depends = fields.getOrDefault("depends", "");
        List<String> needs = depends.isBlank() ? List.of()
                : Arrays.stream(depends.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        String equivalent = fields.get("molt_equivalent");
        return new ModuleInfo(ko, name, vermagic.strip(), "Y".equals(fields.get("livepatch")), needs,
                Optional.ofNullable(equivalent).filter(s -> !s.isBlank()), fields);
    }

    /** The bytes of the .modinfo section of a little-endian ELF64 relocatable file. */
    private static byte[] modinfoSection(Path ko, byte[] bytes) throws LivepatchException {
        if (bytes.length < 64 || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F') {
            throw invalid(ko, "it is not an ELF file");
        }
        if (bytes[4] != 2 || bytes[5] != 1) {
            throw invalid(ko, "it is not a little-endian 64-bit ELF file (class " + bytes[4] + ", data " + bytes[5] + ")");
        }
        ByteBuffer elf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (elf.getShort(0x10) != 1) {
            throw invalid(ko, "it is an ELF file of type " + elf.getShort(0x10) + ", not a relocatable object (a module is ET_REL)");
        }
        long shoff = elf.getLong(0x28);
        int shentsize = Short.toUnsignedInt(elf.getShort(0x3A));
        int shnum = Short.toUnsignedInt(elf.getShort(0x3C));
        int shstrndx = Short.toUnsignedInt(elf.getShort(0x3E));
        if (shentsize < 64 || shnum == 0 || shstrndx >= shnum || shoff < 0 || shoff + (long) shnum * shentsize > bytes.length) {
            throw invalid(ko, "its section header table is truncated or malformed");
        }
        long[] names = section(ko, elf, shoff, shentsize, shstrndx);
        for (int i = 0; i < shnum; i++) {
            long header = shoff + (long) i * shentsize;
            int nameOffset = elf.getInt((int) header);
            if (".modinfo".equals(cString(bytes, names[0] + Integer.toUnsignedLong(nameOffset), names[0] + names[1]))) {
                long[] modinfo = section(ko, elf, shoff, shentsize, i);
                return Arrays.copyOfRange(bytes, (int) modinfo[0], (int) (modinfo[0] + modinfo[1]));
            }
        }
        throw invalid(ko, "it has no .modinfo section: it is not a kernel module");
    }

    /** {offset, size} of section {@code index}, checked against the file. */
    private static long[] section(Path ko, ByteBuffer elf, long shoff, int shentsize, int index) throws LivepatchException {
        int header = (int) (shoff + (long) index * shentsize);
        long offset = elf.getLong(header + 0x18);
        long size = elf.getLong(header + 0x20);
        if (offset < 0 || size < 0 || offset + size > elf.capacity()) {
            throw invalid(ko, "section " + index + " lies outside the file");
        }
        return new long[] {offset, size};
    }

    private static String cString(byte[] bytes, long from, long limit) {
        int end = (int) from;
        while (end < limit && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, (int) from, end - (int) from, StandardCharsets.UTF_8);
    }

    private static Map<String, String> parseModinfo(Path ko, byte[] section) {
        Map<String, String> fields = new LinkedHashMap<>();
        int start = 0;
        for (int i = 0; i <= section.length; i++) {
            if (i == section.length || section[i] == 0) {
                if (i > start) {
                    String entry = new String(section, start, i - start, StandardCharsets.UTF_8);
                    int eq = entry.indexOf('=');
                    if (eq > 0) {
                        fields.put(entry.substring(0, eq), entry.substring(eq + 1));
                    }
                }
                start = i + 1;
            }
        }
        return fields;
    }

    private static LivepatchException invalid(Path ko, String why) {
        return new LivepatchException(LivepatchException.Reason.INVALID_MODULE,
                "the module " + ko + " cannot be used: " + why);
    }
}

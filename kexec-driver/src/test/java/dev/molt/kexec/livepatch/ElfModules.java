package dev.molt.kexec.livepatch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes minimal ELF64 relocatable files with a .modinfo section, as a kernel module build
 * leaves them (the code sections a real module has do not matter to ModuleInfo).
 */
final class ElfModules {
    private ElfModules() {
    }

    static Path write(Path file, List<String> modinfo) {
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        for (String entry : modinfo) {
            info.writeBytes(entry.getBytes(StandardCharsets.UTF_8));
            info.write(0);
        }
        byte[] shstrtab = "\0.modinfo\0.shstrtab\0.text\0".getBytes(StandardCharsets.US_ASCII);
        byte[] modinfoBytes = info.toByteArray();
        int modinfoOffset = 64;
        int shstrtabOffset = modinfoOffset + modinfoBytes.length;
        int shoff = (shstrtabOffset + shstrtab.length + 7) & ~7;
        int shnum = 4; // null, .text, .modinfo, .shstrtab
        ByteBuffer elf = ByteBuffer.allocate(shoff + shnum * 64).order(ByteOrder.LITTLE_ENDIAN);
        elf.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        elf.putShort(0x10, (short) 1);     // ET_REL
        elf.putShort(0x12, (short) 62);    // EM_X86_64
        elf.putInt(0x14, 1);
        elf.putLong(0x28, shoff);
        elf.putShort(0x34, (short) 64);
        elf.putShort(0x3A, (short) 64);
        elf.putShort(0x3C, (short) shnum);
        elf.putShort(0x3E, (short) 3);
        elf.put(modinfoOffset, modinfoBytes);
        elf.put(shstrtabOffset, shstrtab);
        section(elf, shoff + 64, 20, 1, 0, 0);                                   // .text, empty
        section(elf, shoff + 128, 1, 1, modinfoOffset, modinfoBytes.length);     // .modinfo
        section(elf, shoff + 192, 10, 3, shstrtabOffset, shstrtab.length);       // .shstrtab
        try {
            Files.write(file, elf.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    static Path livepatch(Path dir, String name, String release) {
        return write(dir.resolve(name + ".ko"), List.of("molt_equivalent=6.1.0-57-amd64", "livepatch=Y", "license=GPL",
                "depends=", "retpoline=Y", "name=" + name, "vermagic=" + release + " SMP preempt mod_unload modversions "));
    }

    private static void section(ByteBuffer elf, int at, int name, int type, long offset, long size) {
        elf.putInt(at, name);
        elf.putInt(at + 4, type);
        elf.putLong(at + 0x18, offset);
        elf.putLong(at + 0x20, size);
    }
}

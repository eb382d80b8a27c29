/* The file-system image (tools/mkrootfs.py's cpio archive), linked into
 * the Unix server: fs_load_cpio reads it at boot. */
    .section .rodata
    .balign 4096
    .globl unix_image, unix_image_end
unix_image:
    .incbin IMAGE
unix_image_end:
    .section .note.GNU-stack, "", @progbits

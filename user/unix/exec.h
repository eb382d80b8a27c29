/* Loading a program into a fresh memory (execve): ELF64 static
 * executables, ET_EXEC and static-PIE (ET_DYN without an interpreter),
 * and the initial stack with argc, argv, envp and the auxiliary vector. */
#pragma once
#include <stdint.h>

struct inode;
struct mm;

struct exec_args {
    char **argv, **envp;                /* NULL-terminated, in the server */
    const char *execfn;                 /* the path, for AT_EXECFN */
    unsigned uid, gid, euid, egid;
};

/* Into mm (empty): 0 with the entry point and stack pointer, or -errno
 * (-ENOEXEC: not a program we run). */
int exec_load(struct mm *mm, struct inode *file, const struct exec_args *a, uint64_t *entry,
              uint64_t *sp);

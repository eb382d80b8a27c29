/* The Linux x86-64 system-call ABI as the Unix server serves it. Its
 * numbers and layouts come from Debian's linux-libc-dev (the kernel's
 * uapi headers, found after our own include directories); what those do
 * not define for user space is defined here, from the manual pages. */
#pragma once
#include <stdint.h>
#include <asm/unistd.h>
#include <asm-generic/errno.h>
#include <asm/stat.h>
#include <asm/signal.h>
#include <linux/signal.h>
#include <asm/siginfo.h>
#include <asm/sigcontext.h>
#include <asm/ucontext.h>
#include <asm/termios.h>
#include <asm/ioctls.h>
#include <asm/prctl.h>
#include <linux/fcntl.h>
#include <linux/auxvec.h>
#include <linux/sched.h>
#include <linux/futex.h>
#include <linux/time_types.h>
#include <linux/mman.h>
#include <linux/wait.h>
#include <linux/utsname.h>
#include <linux/resource.h>
#include <linux/sysinfo.h>
#include <linux/poll.h>
#include <linux/stat.h>
#include <linux/random.h>

#define LINUX_NSIG 64

/* from the manual pages (lseek(2), access(2), rename(2), utimensat(2)) */
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4
#define RENAME_NOREPLACE 1
#define UTIME_NOW ((1L << 30) - 1)
#define UTIME_OMIT ((1L << 30) - 2)

/* rt_sigaction's struct (the kernel's x86-64 layout; sa_mask 8 bytes) */
struct linux_sigaction {
    uint64_t handler;           /* SIG_DFL 0, SIG_IGN 1, or the function */
    uint64_t flags;             /* SA_* */
    uint64_t restorer;          /* SA_RESTORER: where the handler returns */
    uint64_t mask;
};

/* getdents64's record */
struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    uint16_t d_reclen;
    uint8_t d_type;
    char d_name[];
};

/* AT_FDCWD etc. come from linux/fcntl.h; the d_type values: */
enum { LINUX_DT_UNKNOWN = 0, LINUX_DT_FIFO = 1, LINUX_DT_CHR = 2, LINUX_DT_DIR = 4,
       LINUX_DT_REG = 8, LINUX_DT_LNK = 10 };

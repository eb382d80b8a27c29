/* Memory: brk, mmap (anonymous and file-backed, private and shared,
 * MAP_FIXED and MAP_FIXED_NOREPLACE), munmap (whole and part), mprotect,
 * mremap, madvise(MADV_DONTNEED), and what fork does to each kind.
 * Faults are caught with a SIGSEGV handler (si_code printed).
 * Not printed: addresses (only their relations). */
#include "lt.h"
#include <setjmp.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PAGE 4096

static sigjmp_buf recover;
static volatile int fault_code, armed;
static const char *volatile step = "start";     /* what the program is doing */

static void on_segv(int s, siginfo_t *si, void *uc)
{
    (void)s, (void)uc;
    fault_code = si->si_code;
    if (!armed) {
        say("FAILED: SIGSEGV (si_code %d) at an access that should work: %s", si->si_code, step);
        _exit(2);
    }
    armed = 0;
    siglongjmp(recover, 1);
}

/* "what: no fault", or the fault's si_code */
static void touch(const char *what, volatile char *p, int write)
{
    fault_code = 0;
    if (!sigsetjmp(recover, 1)) {
        armed = 1;
        if (write)
            *p = 1;
        else
            (void)*p;
        armed = 0;
        say("%s: no fault", what);
    } else {
        say("%s: SIGSEGV, %s", what, fault_code == SEGV_MAPERR ? "SEGV_MAPERR"
                                     : fault_code == SEGV_ACCERR ? "SEGV_ACCERR" : "other code");
    }
}

static int all(const char *p, size_t n, char c)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != c)
            return 0;
    return 1;
}

/* (the raw call: musl's sbrk takes no increment) */
static void heap(void)
{
    long b0 = syscall(SYS_brk, 0);
    yes("brk(0) gives a break", b0 > 0);
    yes("brk 3 pages up gives the new break", syscall(SYS_brk, b0 + 3 * PAGE) == b0 + 3 * PAGE);
    char *b = (char *)b0;
    yes("the new memory is zero", all(b, 3 * PAGE, 0));
    memset(b, 'h', 3 * PAGE);
    yes("and writable", all(b, 3 * PAGE, 'h'));
    yes("brk back down", syscall(SYS_brk, b0) == b0);
    touch("read above the break after that", b + PAGE, 0);
    yes("brk up again: zeros, not the old bytes",
        syscall(SYS_brk, b0 + PAGE) == b0 + PAGE && all(b, PAGE, 0));
    yes("brk below the start is refused (the break stays)", syscall(SYS_brk, 4096) == b0 + PAGE);
    syscall(SYS_brk, b0);
}

static void anonymous(void)
{
    char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    yes("mmap anonymous", p != MAP_FAILED);
    yes("page aligned", ((uintptr_t)p & (PAGE - 1)) == 0);
    yes("zero", all(p, 4 * PAGE, 0));
    memset(p, 'a', 4 * PAGE);
    ret("munmap of the second page", munmap(p + PAGE, PAGE));
    touch("read of the first page", p, 0);
    touch("read of the unmapped second page", p + PAGE, 0);
    touch("write to the third page", p + 2 * PAGE, 1);
    yes("the third page kept its bytes", all(p + 2 * PAGE + 1, PAGE - 1, 'a'));
    ret("munmap of the whole range, hole included", munmap(p, 4 * PAGE));
    touch("read after munmap", p, 0);
    ret("munmap of nothing mapped", munmap(p, PAGE));
    err("munmap of an unaligned address", munmap(p + 1, PAGE));
    err("munmap of length 0", munmap(p, 0));

    p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 'x';
    ret("mprotect read-only", mprotect(p, PAGE, PROT_READ));
    touch("write to the read-only page", p, 1);
    touch("read of it", p, 0);
    yes("it still holds its byte", p[0] == 'x');
    touch("write to the page after it", p + PAGE, 1);
    ret("mprotect PROT_NONE", mprotect(p, PAGE, PROT_NONE));
    touch("read of the PROT_NONE page", p, 0);
    ret("mprotect back to read-write", mprotect(p, PAGE, PROT_READ | PROT_WRITE));
    yes("the byte survived", p[0] == 'x');
    err("mprotect of an unaligned address", syscall(SYS_mprotect, p + 1, PAGE, PROT_READ));
    munmap(p, 2 * PAGE);
    err("mprotect of unmapped memory", mprotect(p, PAGE, PROT_READ));

    /* MAP_FIXED replaces; MAP_FIXED_NOREPLACE does not */
    step = "MAP_FIXED";
    p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 'f', 3 * PAGE);
    char *q = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                   -1, 0);
    yes("MAP_FIXED maps at the address", q == p + PAGE);
    yes("with zeros in place of the old bytes", all(q, PAGE, 0));
    yes("the pages around it are kept", all(p, PAGE, 'f') && all(p + 2 * PAGE, PAGE, 'f'));
    q = mmap(p, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    err("MAP_FIXED_NOREPLACE over a mapping", q == MAP_FAILED ? -1 : 0);
    err("MAP_FIXED at an unaligned address",
        mmap(p + 1, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED
            ? -1 : 0);
    err("mmap without MAP_PRIVATE or MAP_SHARED",
        mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? -1 : 0);

    /* mremap: grow in place or move, the bytes come along */
    step = "mremap";
    char *r = mremap(p, 3 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);
    yes("mremap to 64 pages", r != MAP_FAILED);
    yes("the first page's bytes came along", all(r, PAGE, 'f'));
    yes("the new pages are zero", all(r + 3 * PAGE, 61 * PAGE, 0));
    r[64 * PAGE - 1] = 'e';
    r = mremap(r, 64 * PAGE, PAGE, 0);
    yes("mremap shrinks in place", r != MAP_FAILED && all(r, PAGE, 'f'));
    munmap(r, PAGE);

    /* MADV_DONTNEED: private anonymous pages read as zero afterwards */
    step = "MADV_DONTNEED";
    p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 'd', 2 * PAGE);
    ret("madvise MADV_DONTNEED", madvise(p, PAGE, MADV_DONTNEED));
    yes("the page reads as zero afterwards", all(p, PAGE, 0));
    yes("the page after it is kept", all(p + PAGE, PAGE, 'd'));
    munmap(p, 2 * PAGE);
}

static char *shared, *private_;

static int child_writes(void *arg)
{
    (void)arg;
    shared[0] = 'c';
    private_[0] = 'c';
    return shared[1] == 's' && private_[1] == 'p' ? 0 : 1;
}

static void across_fork(void)
{
    step = "fork";
    shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    private_ = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(shared, 's', PAGE);
    memset(private_, 'p', PAGE);
    status("a child that writes to both", lt_wait(lt_fork(child_writes, NULL)));
    say("MAP_SHARED after the child's write: '%c'", shared[0]);
    say("MAP_PRIVATE after the child's write: '%c'", private_[0]);
    munmap(shared, PAGE);
    munmap(private_, PAGE);
}

static void file_backed(void)
{
    step = "files";
    int fd = open("m", O_RDWR | O_CREAT | O_TRUNC, 0644);
    char page[PAGE];
    memset(page, 'F', PAGE);
    write(fd, page, PAGE);
    write(fd, "tail", 4);
    char *s = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    yes("mmap of a file, shared and private", s != MAP_FAILED && p != MAP_FAILED);
    yes("both show the file", all(s, PAGE, 'F') && all(p, PAGE, 'F'));
    yes("the last page: the tail, then zeros", !memcmp(s + PAGE, "tail", 4) &&
        all(s + PAGE + 4, PAGE - 4, 0));
    s[0] = 'S';
    char c = 0;
    pread(fd, &c, 1, 0);
    say("the file after a write through MAP_SHARED: '%c'", c);
    pwrite(fd, "W", 1, 1);
    say("MAP_SHARED after write(2): '%c'", s[1]);
    p[2] = 'P';
    pread(fd, &c, 1, 2);
    say("the file after a write through MAP_PRIVATE: '%c'", c);
    say("MAP_SHARED sees the private write: %s", s[2] == 'P' ? "yes" : "no");
    err("mmap of a file opened O_WRONLY", mmap(NULL, PAGE, PROT_READ, MAP_SHARED,
        open("m", O_WRONLY), 0) == MAP_FAILED ? -1 : 0);
    int ro = open("m", O_RDONLY);
    err("MAP_SHARED with PROT_WRITE of an O_RDONLY file",
        mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED ? -1 : 0);
    err("MAP_PRIVATE with PROT_WRITE of it",
        mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0) == MAP_FAILED ? -1 : 0);
    err("mmap at an unaligned offset",
        mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, ro, 1) == MAP_FAILED ? -1 : 0);
    err("mmap of a directory", mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, open(".", O_RDONLY), 0)
                                   == MAP_FAILED ? -1 : 0);
    int pfd[2];
    pipe(pfd);
    err("mmap of a pipe", mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, pfd[0], 0) == MAP_FAILED
                              ? -1 : 0);
    close(fd);
    say("the mapping outlives the descriptor: '%c'", s[0]);
    munmap(s, 2 * PAGE);
    munmap(p, 2 * PAGE);
}

int main(void)
{
    lt_tmpdir();
    struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_NODEFER };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    heap();
    anonymous();
    across_fork();
    file_backed();
    lt_done();
}

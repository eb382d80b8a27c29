/* execve: argv and envp arrive as given, descriptors without O_CLOEXEC
 * stay open and those with it are closed, the auxiliary vector (page
 * size, program headers, entry, ids, AT_RANDOM, AT_EXECFN), signal
 * dispositions (handled ones reset, ignored ones kept), the blocked
 * mask kept, errors. The program runs itself again ("exec.musl child
 * ..."), so it must be started by a path that reaches it.
 * Not printed: AT_HWCAP's bits and the address values (layouts differ). */
#include "lt.h"
#include <elf.h>
#include <link.h>
#include <sys/auxv.h>
#include <sys/wait.h>

extern const ElfW(Ehdr) __ehdr_start;
extern char _start[];

static void handler(int s)
{
    (void)s;
}

/* The program after execve: what it was given. */
static int child(int argc, char **argv, char **envp)
{
    say("child: argc %d", argc);
    for (int i = 1; i < argc; i++)
        if (i != 2 && i != 3)           /* (descriptor numbers) */
            say("child: argv[%d] \"%s\"", i, argv[i]);
    int n = 0;
    while (envp[n])
        say("child: envp[%d] \"%s\"", n, envp[n]), n++;
    say("child: envp has %d strings, getenv(\"B\") \"%s\"", n, getenv("B") ? getenv("B") : "(none)");

    int kept = atoi(argv[2]), closed = atoi(argv[3]);
    yes("child: the descriptor without O_CLOEXEC is open", fcntl(kept, F_GETFD) == 0);
    char buf[8] = { 0 };
    ret("child: reading it from the start", pread(kept, buf, 5, 0));
    say("child: it holds \"%s\"", buf);
    err("child: the O_CLOEXEC descriptor", fcntl(closed, F_GETFD));

    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    yes("child: a handled signal is back to SIG_DFL", sa.sa_handler == SIG_DFL);
    sigaction(SIGUSR2, NULL, &sa);
    yes("child: an ignored signal stays ignored", sa.sa_handler == SIG_IGN);
    sigset_t mask;
    sigprocmask(SIG_BLOCK, NULL, &mask);
    yes("child: the blocked mask is kept (SIGHUP blocked)", sigismember(&mask, SIGHUP));
    yes("child: SIGINT not blocked", !sigismember(&mask, SIGINT));
    return 0;
}

static void auxv(char **argv)
{
    say("AT_PAGESZ %lu", getauxval(AT_PAGESZ));
    say("sysconf(_SC_PAGESIZE) %ld", sysconf(_SC_PAGESIZE));
    say("AT_CLKTCK %lu", getauxval(AT_CLKTCK));
    const ElfW(Ehdr) *eh = &__ehdr_start;
    yes("AT_PHDR is the program headers",
        getauxval(AT_PHDR) == (unsigned long)eh + eh->e_phoff);
    say("AT_PHENT %lu", getauxval(AT_PHENT));
    yes("AT_PHNUM is e_phnum", getauxval(AT_PHNUM) == eh->e_phnum);
    yes("AT_ENTRY is _start", getauxval(AT_ENTRY) == (unsigned long)_start);
    yes("AT_UID is getuid", getauxval(AT_UID) == getuid());
    yes("AT_EUID is geteuid", getauxval(AT_EUID) == geteuid());
    yes("AT_GID is getgid", getauxval(AT_GID) == getgid());
    yes("AT_EGID is getegid", getauxval(AT_EGID) == getegid());
    say("AT_SECURE %lu", getauxval(AT_SECURE));
    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    int nonzero = 0;
    for (int i = 0; rnd && i < 16; i++)
        nonzero |= rnd[i];
    yes("AT_RANDOM points to 16 bytes, not all zero", rnd && nonzero);
    const char *fn = (const char *)getauxval(AT_EXECFN);
    yes("AT_EXECFN is the path executed (argv[0] here)", fn && !strcmp(fn, argv[0]));
    /* The stack: argv, then envp, then auxv, each ended by a null. */
    yes("argv[argc] is null", argv[1] == NULL);
}

int main(int argc, char **argv, char **envp)
{
    if (argc > 1 && !strcmp(argv[1], "child"))
        return child(argc, argv, envp);
    if (argc > 1 && !strcmp(argv[1], "status"))
        return 33;
    if (argc != 1)
        lt_fail("usage: exec");
    if (argv[0][0] != '/')
        lt_fail("start me by an absolute path");
    auxv(argv);

    lt_tmpdir();
    int kept = open("kept", O_RDWR | O_CREAT | O_TRUNC, 0644);
    int closed = open("closed", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (kept < 0 || closed < 0)
        lt_fail("open: %s", errname(errno));
    write(kept, "hello", 5);
    yes("O_CLOEXEC sets FD_CLOEXEC", fcntl(closed, F_GETFD) == FD_CLOEXEC);
    int also_closed = dup(kept);
    fcntl(also_closed, F_SETFD, FD_CLOEXEC);

    struct sigaction sa = { .sa_handler = handler };
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGUSR2, SIG_IGN);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, NULL);

    char k[16], c[16];
    snprintf(k, sizeof k, "%d", kept);
    snprintf(c, sizeof c, "%d", closed);
    char *cargv[] = { argv[0], "child", k, c, "an argument with spaces", "", "last", NULL };
    char *cenvp[] = { "A=1", "B=two words", "EMPTY=", NULL };
    pid_t pid = fork();
    if (pid == 0) {
        execve(argv[0], cargv, cenvp);
        lt_fail("execve: %s", errname(errno));
    }
    status("child", lt_wait(pid));

    /* The exec'd program's exit status is the child's. */
    pid = fork();
    if (pid == 0) {
        char *a[] = { argv[0], "status", NULL };
        execve(argv[0], a, cenvp);
        _exit(99);
    }
    status("child exec'd to exit 33", lt_wait(pid));
    sigprocmask(SIG_UNBLOCK, &block, NULL);

    /* Failures leave the caller as it was. */
    char *none[] = { "x", NULL };
    err("execve of a missing file", execve("missing", none, cenvp));
    err("execve of a directory", execve(".", none, cenvp));
    int fd = open("script-without-interpreter", O_WRONLY | O_CREAT | O_TRUNC, 0755);
    write(fd, "\x7f" "ELF garbage", 12);
    close(fd);
    err("execve of a broken ELF", execve("script-without-interpreter", none, cenvp));
    fd = open("not-executable", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    close(fd);
    /* (root too needs an x bit) */
    err("execve of a file without x bits", execve("not-executable", none, cenvp));
    err("execve of a path through a file", execve("not-executable/x", none, cenvp));
    err("execve with a bad argv pointer", execve(argv[0], lt_ptr(8), cenvp));
    say("the caller goes on");
    close(kept);
    close(closed);
    close(also_closed);
    lt_done();
}

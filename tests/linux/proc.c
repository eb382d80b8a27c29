/* Processes: fork, vfork, exit and the wait status words (wait4, waitpid,
 * waitid), getppid, process groups and sessions, zombies, orphans.
 * Not printed (they differ on Pecan, or between runs): pid values, and
 * who adopts an orphan (init on Pecan, a subreaper or a container's
 * init on the build machine): only that its parent changed. */
#include "lt.h"
#include <sys/resource.h>
#include <sys/wait.h>

static int exit_with(void *code)
{
    return (int)(intptr_t)code;
}

static int sleep_long(void *unused)
{
    (void)unused;
    for (;;)
        pause();
    return 0;
}

static int own_group_then_sleep(void *unused)
{
    setpgid(0, 0);
    return sleep_long(unused);
}

static void exits_and_statuses(void)
{
    static const int codes[] = { 0, 1, 42, 255, 256, 257 };
    for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        char what[48];
        snprintf(what, sizeof what, "child exit(%d)", codes[i]);
        status(what, lt_wait(lt_fork(exit_with, (void *)(intptr_t)codes[i])));
    }

    static const int sigs[] = { SIGTERM, SIGKILL, SIGUSR1, SIGHUP };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        pid_t pid = lt_fork(sleep_long, NULL);
        kill(pid, sigs[i]);
        char what[48];
        snprintf(what, sizeof what, "child sent %s", signame(sigs[i]));
        status(what, lt_wait(pid));
    }

    /* A child that faults: no core file (the build machine might write
     * one), and WCOREDUMP is not printed: it depends on that. */
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit no = { 0, 0 };
        setrlimit(RLIMIT_CORE, &no);
        *(volatile int *)lt_ptr(16) = 1;
        _exit(0);
    }
    int w = lt_wait(pid);
    say("child writing to address 16: %s", WIFSIGNALED(w) ? signame(WTERMSIG(w)) : "not killed");
}

static void wait_variants(void)
{
    int w = 0;
    err("wait4 with no children", wait4(-1, &w, 0, NULL));
    err("waitpid WNOHANG with no children", waitpid(-1, &w, WNOHANG));

    pid_t pid = lt_fork(sleep_long, NULL);
    ret("waitpid WNOHANG while the child runs", waitpid(pid, &w, WNOHANG));
    kill(pid, SIGTERM);
    struct rusage ru;
    yes("wait4 returns the child's pid", wait4(pid, &w, 0, &ru) == pid);
    status("wait4 status", w);
    err("waitpid for a reaped child", waitpid(pid, &w, 0));

    pid = lt_fork(exit_with, (void *)7);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    ret("waitid P_PID WEXITED", waitid(P_PID, (id_t)pid, &si, WEXITED));
    yes("waitid si_pid is the child", si.si_pid == pid);
    say("waitid si_signo %s si_code %s si_status %d", signame(si.si_signo),
        si.si_code == CLD_EXITED ? "CLD_EXITED" : "other", si.si_status);

    pid = lt_fork(sleep_long, NULL);
    kill(pid, SIGKILL);
    memset(&si, 0, sizeof si);
    waitid(P_ALL, 0, &si, WEXITED);
    yes("waitid P_ALL si_pid is the child", si.si_pid == pid);
    say("waitid si_code %s si_status %s",
        si.si_code == CLD_KILLED ? "CLD_KILLED" : "other", signame(si.si_status));

    /* WNOWAIT leaves the child to be waited for again */
    pid = lt_fork(exit_with, (void *)3);
    memset(&si, 0, sizeof si);
    waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
    say("waitid WNOWAIT si_status %d", si.si_status);
    status("then waitpid", lt_wait(pid));

    /* stopped and continued */
    pid = lt_fork(sleep_long, NULL);
    kill(pid, SIGSTOP);
    waitpid(pid, &w, WUNTRACED);
    status("child sent SIGSTOP, WUNTRACED", w);
    kill(pid, SIGCONT);
    waitpid(pid, &w, WCONTINUED);
    status("child sent SIGCONT, WCONTINUED", w);
    kill(pid, SIGKILL);
    status("then SIGKILL", lt_wait(pid));

    /* waiting for a process group (both set it: no race) */
    pid = lt_fork(own_group_then_sleep, NULL);
    setpgid(pid, pid);
    kill(pid, SIGTERM);
    yes("waitpid(-pgid) returns the child", waitpid(-pid, &w, 0) == pid);
    status("its status", w);
}

static volatile int shared_by_vfork;

static void fork_and_vfork(void)
{
    pid_t parent = getpid();
    int fds[2];
    if (pipe(fds) < 0)
        lt_fail("pipe: %s", errname(errno));
    pid_t pid = fork();
    if (pid == 0) {
        char r[2] = { getpid() != parent ? 'y' : 'n', getppid() == parent ? 'y' : 'n' };
        write(fds[1], r, 2);
        _exit(0);
    }
    char r[2] = { 0, 0 };
    read(fds[0], r, 2);
    lt_wait(pid);
    yes("fork returns a new pid to the parent", pid > 0 && pid != parent);
    yes("the child's pid differs from the parent's", r[0] == 'y');
    yes("the child's getppid is the parent", r[1] == 'y');
    close(fds[0]);
    close(fds[1]);

    /* vfork: the child borrows the parent's memory, the parent waits
     * until the child exits */
    shared_by_vfork = 0;
    pid = vfork();
    if (pid == 0) {
        shared_by_vfork = 1;
        _exit(9);
    }
    yes("vfork: the parent sees the child's write", shared_by_vfork == 1);
    status("vfork child", lt_wait(pid));
}

static int report_pgrp_and_session(void *fd)
{
    int out = (int)(intptr_t)fd;
    char r[4];
    r[0] = getpgrp() == getpgid(getppid()) ? 'y' : 'n';  /* in the parent's group */
    r[1] = setpgid(0, 0) == 0 && getpgrp() == getpid() ? 'y' : 'n';
    r[2] = getpgid(0) == getpid() ? 'y' : 'n';
    /* a group leader may not make a session */
    r[3] = setsid() == -1 && errno == EPERM ? 'y' : 'n';
    pid_t pid = fork();
    if (pid == 0) {
        pid_t sid = setsid();
        char s[2] = { sid == getpid() && getsid(0) == getpid() ? 'y' : 'n',
                      getpgrp() == getpid() ? 'y' : 'n' };
        write(out, s, 2);
        _exit(0);
    }
    lt_wait(pid);
    write(out, r, 4);
    return 0;
}

static void groups_and_sessions(void)
{
    yes("getpgrp equals getpgid(0)", getpgrp() == getpgid(0));
    yes("getsid(0) equals getsid(getpid())", getsid(0) == getsid(getpid()));
    int fds[2];
    if (pipe(fds) < 0)
        lt_fail("pipe: %s", errname(errno));
    pid_t pid = lt_fork(report_pgrp_and_session, (void *)(intptr_t)fds[1]);
    lt_wait(pid);
    char r[6] = { 0 };
    read(fds[0], r, 6);
    yes("grandchild: setsid returns its pid, getsid agrees", r[0] == 'y');
    yes("grandchild: the new session's group is its own", r[1] == 'y');
    yes("child: starts in its parent's group", r[2] == 'y');
    yes("child: setpgid(0, 0) makes its own group", r[3] == 'y');
    yes("child: getpgid(0) is its pid", r[4] == 'y');
    yes("child: setsid as a group leader fails with EPERM", r[5] == 'y');
    close(fds[0]);
    close(fds[1]);
    err("setpgid of a process that is not a child", setpgid(1, 1));
    err("getpgid of no process", getpgid(0x3fffffff));
    err("kill of no process", kill(0x3fffffff, 0));
}

static void zombies_and_orphans(void)
{
    pid_t pid = lt_fork(exit_with, 0);
    /* until it is waited for, the child exists (a zombie) */
    siginfo_t si;
    memset(&si, 0, sizeof si);
    waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
    err("kill(zombie, 0)", kill(pid, 0));
    lt_wait(pid);
    err("kill(reaped child, 0)", kill(pid, 0));

    /* An orphan: the grandchild notes its parent, the middle process
     * exits, the grandchild sees another parent and reports; its own
     * exit is someone else's to reap. */
    int fds[2], go[2];
    if (pipe(fds) < 0 || pipe(go) < 0)
        lt_fail("pipe: %s", errname(errno));
    pid_t middle = fork();
    if (middle == 0) {
        pid_t me = getpid();
        char c;
        if (fork() == 0) {
            pid_t before = getppid();
            write(fds[1], before == me ? "y" : "n", 1);
            close(go[1]);
            read(go[0], &c, 1);          /* EOF: the middle process is gone */
            for (int i = 0; i < 5000 && getppid() == before; i++)
                lt_msleep(1);            /* reparenting follows the exit */
            write(fds[1], getppid() != before ? "y" : "n", 1);
            _exit(0);
        }
        read(fds[0], &c, 1);             /* the grandchild has looked */
        write(fds[1], &c, 1);
        _exit(0);
    }
    close(go[0]);
    lt_wait(middle);
    close(go[1]);
    char r[2] = { 0 };
    for (int i = 0; i < 2; i++)
        read(fds[0], &r[i], 1);
    yes("orphan's parent was the middle process", r[0] == 'y');
    yes("orphan has a new parent after the middle process exits", r[1] == 'y');
    close(fds[0]);
    close(fds[1]);
    err("the orphan is not our child", waitpid(-1, NULL, WNOHANG));
}

int main(void)
{
    yes("getpid is positive", getpid() > 0);
    yes("getppid is positive and not getpid", getppid() > 0 && getppid() != getpid());
    fork_and_vfork();
    exits_and_statuses();
    wait_variants();
    groups_and_sessions();
    zombies_and_orphans();
    lt_done();
}
